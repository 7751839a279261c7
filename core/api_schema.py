"""OpenAPI schema post-processing (drf-spectacular ``POSTPROCESSING_HOOKS``): the constraints the
API enforces that drf-spectacular cannot see, so that what the schema calls valid is accepted and
what it calls invalid is refused (Schemathesis checks both, ``tests/api/test_schemathesis.py``).

- Codes of reference data (counties, tiers, industries, focus tags, R&D institution levels) are
  enumerated wherever the API refuses an unknown code (query filters that are model choices and
  request bodies). Policy is data: the codes are read from ``fixtures/reference/*.yaml``, the files
  ``load_reference_data`` loads.
- A query parameter with a list of codes also accepts the empty value, which means "any" (the
  FilterSets serve the web forms too, whose "all" choice sends it).
- Query parameters that are text may not contain NUL (every FilterSet refuses it); integers are
  64-bit; ``has_rd`` is 1 to 3.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

NO_NUL = "^[^\\u0000]*$"


@cache
def reference_codes(model: str, **match: Any) -> tuple[str, ...]:
    """Codes of ``model`` rows in the reference fixtures (optionally only rows whose fields match)."""
    codes = []
    for path in sorted((Path(settings.BASE_DIR) / "fixtures" / "reference").glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            fields = row.get("fields", {})
            if row.get("model") == model and all(fields.get(k) == v for k, v in match.items()):
                codes.append(str(fields["code"]))
    return tuple(codes)


def _codes() -> dict[str, tuple[str, ...]]:
    tiers = reference_codes("enterprises.tier")
    return {
        "county": reference_codes("accounts.place", level="county"),
        "tier": tiers,
        "industry": reference_codes("enterprises.industry"),
        "industry_division": reference_codes("enterprises.industry", level="division"),
        "tag": reference_codes("enterprises.tag"),
        "rd_level": reference_codes("enterprises.rdinstitutionlevel"),
    }


# Query parameters that are model choices (an unknown code is a 400): path pattern → {parameter: codes key}.
QUERY_CODES: list[tuple[str, dict[str, str]]] = [
    (
        r"^/api/v1/(enterprises|titles|statistics|rd-institutions|listing-records|listing-pipeline)/$",
        {"county": "county"},
    ),
    (
        r"^/api/v1/enterprises/$",
        {
            "tier": "tier+none",
            "holds_tier": "tier",
            "min_tier": "tier",
            "ever_tier": "tier",
            "industry": "industry",
            "tag": "tag",
        },
    ),
    (r"^/api/v1/titles/$", {"tier": "tier"}),
    (r"^/api/v1/(title-reviews|reserve-entries)/$", {"county": "county", "tier": "tier"}),
    (r"^/api/v1/rd-institutions/$", {"level": "rd_level"}),
]
# Numeric query parameters with a range the schema cannot infer: path pattern → {parameter: schema}.
QUERY_LIMITS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    (r"^/api/v1/enterprises/$", {"has_rd": {"type": "integer", "minimum": 1, "maximum": 3}}),
]
INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
# Request bodies: component name pattern → {property: codes key}.
BODY_CODES: list[tuple[str, dict[str, str]]] = [
    (r"^(Patched)?EnterpriseRequest$", {"county": "county", "industry": "industry_division", "tags": "tag"}),
    (r"^(Patched)?TitleRequest$", {"tier": "tier"}),
    (r"^(Patched)?RDInstitutionRequest$", {"level": "rd_level"}),
]


def _enum(codes: dict[str, tuple[str, ...]], key: str) -> list[str]:
    if key == "tier+none":
        return [*codes["tier"], "none"]
    return list(codes[key])


def postprocess_constraints(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    codes = _codes()
    mapping: dict[str, Any]  # a QUERY_CODES or QUERY_LIMITS entry
    for path, operations in result.get("paths", {}).items():
        rules: dict[str, str] = {}
        limits: dict[str, dict[str, Any]] = {}
        for pattern, mapping in QUERY_CODES:
            if re.match(pattern, path):
                rules.update(mapping)
        for pattern, mapping in QUERY_LIMITS:
            if re.match(pattern, path):
                limits.update(mapping)
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query":
                    continue
                if parameter["name"] in limits:
                    schema.pop("format", None)
                    schema.update(limits[parameter["name"]])
                if schema.get("type") == "integer":  # ids, years, pages: a 64-bit whole number
                    for key, value in INT64.items():
                        schema.setdefault(key, value)
                if schema.get("type") != "string":
                    continue
                if parameter["name"] in rules and "enum" not in schema:
                    schema["enum"] = _enum(codes, rules[parameter["name"]])
                elif "enum" not in schema and "format" not in schema:
                    schema.setdefault("pattern", NO_NUL)
                if "enum" in schema and "" not in schema["enum"]:
                    # the FilterSets are the web forms' too, where an empty choice means "any": so here
                    schema["enum"].append("")
    for name, component in result.get("components", {}).get("schemas", {}).items():
        for pattern, mapping in BODY_CODES:
            if not re.match(pattern, name):
                continue
            for prop, key in mapping.items():
                schema = component.get("properties", {}).get(prop)
                if schema is None:
                    continue
                target = schema.get("items", schema) if schema.get("type") == "array" else schema
                target["enum"] = _enum(codes, key) + ([None] if target.get("nullable") else [])
    return result
