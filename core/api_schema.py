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
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

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
            "listed_holding": "tier",
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


# --------------------------------------------------------------------------------------------------
# The contract for generated clients (openapi-python-client and the like): ASCII machine names with
# the Chinese text beside them, the request and response shapes as the API reads and writes them,
# every header it sends, and strict OpenAPI 3.0 (``tests/api/test_generated_client.py``).
# --------------------------------------------------------------------------------------------------

INT32_MAX = 2**31 - 1  # a PositiveIntegerField, as ``version``
VERSION_PROPERTY = {
    "type": "integer",
    "minimum": 1,
    "maximum": INT32_MAX,
    "writeOnly": True,
}
# Response headers: name → (description, schema). Descriptions are translated when the schema is built.
HEADERS: dict[str, tuple[Any, dict[str, Any]]] = {
    "X-Request-ID": (
        gettext_lazy("Identifier of the request, as in the audit trail and the logs."),
        {"type": "string"},
    ),
    "Allow": (gettext_lazy("The methods the endpoint accepts."), {"type": "string"}),
    "Content-Language": (gettext_lazy("Language of the messages (zh-hans)."), {"type": "string"}),
    "ETag": (
        gettext_lazy(
            "Version and digest of the record; send it in If-Match with a write, or in If-None-Match with a read."
        ),
        {"type": "string"},
    ),
    "Last-Modified": (gettext_lazy("Time of the record's last change (HTTP date)."), {"type": "string"}),
    "Retry-After": (gettext_lazy("Seconds to wait before the next request."), {"type": "integer", "minimum": 0}),
    "WWW-Authenticate": (gettext_lazy("The authentication scheme the API expects (Api-Key)."), {"type": "string"}),
    # sent with every response (Django's security and locale middleware, django-csp)
    "Content-Length": (gettext_lazy("Length of the body in bytes."), {"type": "integer", "minimum": 0}),
    "Vary": (gettext_lazy("Request headers the response depends on."), {"type": "string"}),
    "Content-Security-Policy": (gettext_lazy("Content security policy (security header)."), {"type": "string"}),
    "Cross-Origin-Opener-Policy": (gettext_lazy("Cross-origin opener policy (security header)."), {"type": "string"}),
    "Referrer-Policy": (gettext_lazy("Referrer policy (security header)."), {"type": "string"}),
    "X-Content-Type-Options": (gettext_lazy("Always nosniff (security header)."), {"type": "string"}),
    "X-Frame-Options": (gettext_lazy("Always DENY (security header)."), {"type": "string"}),
    "Strict-Transport-Security": (
        gettext_lazy("HTTPS only, in production behind TLS (security header)."),
        {"type": "string"},
    ),
}
# Sent with every response (Content-Type is stated by each response's content, as OpenAPI asks).
EVERY_RESPONSE = [
    "X-Request-ID",
    "Content-Language",
    "Content-Length",
    "Vary",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Strict-Transport-Security",
]
TIME_ZONE_RULE = gettext_lazy("A time without a UTC offset is read as Beijing time (Asia/Shanghai, UTC+8).")


def _ascii_name(text: Any) -> str:
    """The English source text of a (lazy) translation as a machine name: "Goals and progress" →
    "goals-and-progress"."""
    with translation.override("en"):
        english = str(text)
    return slugify(english) or "api"


def _varname(value: str) -> str:
    """An identifier for an enum value that is none: "" → ANY, "-name" → NAME_DESC, "440703" → CODE_440703."""
    if value == "":
        return "ANY"
    descending = value.startswith("-")
    core = re.sub(r"[^0-9A-Za-z]+", "_", value.lstrip("-")).strip("_").upper() or "VALUE"
    if not core[0].isalpha():
        core = f"CODE_{core}"
    return f"{core}_DESC" if descending else core


def _enum_varnames(schema: dict[str, Any]) -> None:
    """``x-enum-varnames`` for a string enum with values that are no identifiers (generators would
    call them VALUE_0, VALUE_1…). Null, where allowed, is no member (generators make it an option)."""
    title = schema.get("title")
    if title and not str(title).isascii():  # generators name an inline enum's class by its title
        schema.pop("title")
        schema.setdefault("description", title)
    values = [value for value in schema["enum"] if value is not None]
    if not all(isinstance(value, str) for value in values):
        return
    if all(value and value[0].isalpha() and re.fullmatch(r"[A-Za-z0-9_-]+", value) for value in values):
        return
    names = [_varname(value) for value in values]
    if len(set(names)) == len(names):
        schema["x-enum-varnames"] = names


def _walk(node: Any, visit: Any) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _ordering_as_read(parameter: dict[str, Any]) -> None:
    """django-filter's ordering is declared as an array but read as ONE comma-separated string (a
    repeated parameter keeps only its last value): declare it as that string."""
    schema = parameter["schema"]
    if schema.get("type") != "array" or parameter["name"] != "ordering":
        return
    fields = sorted({value.lstrip("-") for value in schema["items"].get("enum", [])})
    names = "|".join(re.escape(field) for field in fields)
    parameter["schema"] = {"type": "string", "pattern": f"^(-?({names})(,-?({names}))*)?$"}
    parameter.pop("explode", None)
    parameter.pop("style", None)
    parameter["description"] = "{} {}".format(
        parameter.get("description", "").split("\n", 1)[0],
        gettext_lazy("One or more of {fields}, separated by commas; a leading minus sign sorts descending.").format(
            fields=", ".join(fields)
        ),
    ).strip()


def _header(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{name}"}


def postprocess_client_contract(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {})
    schemas = components.get("schemas", {})
    # Tags: an ASCII name (module names of generated clients), the Chinese text as its description.
    tags: dict[str, str] = {}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            names = []
            for tag in operation.get("tags", []):
                name = _ascii_name(tag)
                tags.setdefault(name, str(tag))
                names.append(name)
            if names:
                operation["tags"] = names
    result["tags"] = [{"name": name, "description": text, "x-displayName": text} for name, text in sorted(tags.items())]
    # Parameters: no title (generators name a parameter's enum by it; "状态" named two), ordering as read,
    # the time zone rule on every date-time.
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                parameter.get("schema", {}).pop("title", None)
                _ordering_as_read(parameter)
                fmt = parameter.get("schema", {}).get("format")
                if fmt == "date-time":
                    parameter["description"] = f"{parameter.get('description', '')} {TIME_ZONE_RULE}".strip()
                if fmt in ("date", "date-time") and parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True  # an empty date is no filter (the web forms send it)
    # Request bodies of writes take the version they are based on (optimistic locking, 409 when outdated).
    for name, component in schemas.items():
        match = re.fullmatch(r"(Patched)?(\w+)Request", name)
        if not match or "version" not in schemas.get(match.group(2), {}).get("properties", {}):
            continue
        component.setdefault("properties", {})["version"] = {
            **VERSION_PROPERTY,
            "description": str(
                gettext_lazy(
                    "The version of the record the change is based on (as read); outdated: 409, nothing "
                    "is changed. Ignored on creation. Leave it out to skip the check."
                )
            ),
        }
    for name, component in schemas.items():
        properties = component.get("properties")
        if not properties:
            continue
        # Responses: every field is always present (null where allowed).
        if not name.endswith("Request"):
            component["required"] = sorted(properties)
        for prop in properties.values():
            # OpenAPI 3.0: "nullable" has no effect without a "type" beside it.
            if "allOf" in prop and prop.get("nullable") and "type" not in prop:
                ref = prop["allOf"][0].get("$ref", "")
                prop["type"] = schemas.get(ref.rsplit("/", 1)[-1], {}).get("type", "object")
    _walk(result, lambda node: _enum_varnames(node) if isinstance(node.get("enum"), list) else None)
    # Headers the API sends.
    components["headers"] = {
        name: {"description": str(description), "schema": schema} for name, (description, schema) in HEADERS.items()
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                for name in EVERY_RESPONSE:
                    headers[name] = _header(name)
                headers["Allow"] = _header("Allow")
                if method == "get" and "{" in path and code in ("200", "304"):
                    headers["ETag"] = _header("ETag")
                    headers["Last-Modified"] = _header("Last-Modified")
                if code == "401":
                    headers["WWW-Authenticate"] = _header("WWW-Authenticate")
                if code == "429":
                    headers["Retry-After"] = _header("Retry-After")
    return result
