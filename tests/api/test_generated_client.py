"""The API as another municipal system meets it (issue 19): a client generated from the schema the
server publishes, by an independent generator (openapi-python-client, PyPI), with zero warnings;
every generated module imports; the sync program ``scripts/api_sync_example.py`` runs with that
client, unmodified, against a live server: a full sync, an incremental sync after a title is added
and an enterprise deleted (it sees both and nothing else), a create, a validation error parsed as
the error model, stale writes refused (409 by version, 412 by If-Match). And the schema passes a
strict OpenAPI 3.0 validator."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from accounts.choices import Role
from core.services import scoped_delete
from enterprises.models import Enterprise, Title
from tests import factories

from .conftest import keyed

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "jiangmen_api_client"


def _schema_document() -> dict:
    """The schema as ``/api/v1/schema/`` renders it (generated in-process)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def test_the_schema_passes_a_strict_openapi_30_validator():
    from openapi_spec_validator import OpenAPIV30SpecValidator

    document = _schema_document()
    errors = [str(error.message) for error in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []
    # What the validator lets pass but strict 3.0 readers do not: "nullable" without a "type" beside it.
    loose = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                loose.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "")
    assert loose == []


def _generate(schema_path: Path, out: Path) -> str:
    venv_bin = str(Path(sys.executable).parent)
    done = subprocess.run(
        [
            str(Path(venv_bin) / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(out / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},  # its ruff hook
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The client generated from the schema served by the live server (read with a key)."""
    key = keyed("客户端生成").key
    served = httpx.get(
        f"{live_server.url}/api/v1/schema/", params={"format": "json"}, headers={"X-API-Key": key}, timeout=60
    )
    assert served.status_code == 200, served.text
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(served.text, encoding="utf-8")
    output = _generate(schema_path, tmp_path)
    assert "warning" not in output.lower(), output
    assert "error" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]
    try:
        package = importlib.import_module(PACKAGE)
        modules = [info.name for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
        for name in modules:
            importlib.import_module(name)  # every generated module imports
        spec = importlib.util.spec_from_file_location("api_sync_example", ROOT / "scripts" / "api_sync_example.py")
        program = importlib.util.module_from_spec(spec)
        sys.modules["api_sync_example"] = program  # (dataclasses look their module up)
        spec.loader.exec_module(program)
        yield package, program, modules
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("api_sync_example", None)


def _long_ago(*querysets):
    then = timezone.now() - dt.timedelta(days=1)
    for queryset in querysets:
        queryset.update(updated_at=then)


def test_a_generated_client_synchronises_writes_and_gets_refusals_as_models(generated_client, live_server):
    package, program, modules = generated_client
    # Tags became modules with ASCII names; every operation is there (none skipped by the generator).
    assert f"{PACKAGE}.api.enterprises.statistics_imports_list" in modules
    assert f"{PACKAGE}.api.synchronisation.deletions_list" in modules
    models = importlib.import_module(f"{PACKAGE}.models")
    from jiangmen_api_client.api.enterprises import enterprises_create, enterprises_partial_update, titles_create

    # 3 enterprises (2 in 台山, 1 in 开平), 2 titles: what the city key sees.
    a = factories.make_enterprise("440781")
    b = factories.make_enterprise("440781")
    c = factories.make_enterprise("440783")
    factories.make_title(a, "innovative", dt.date(2024, 7, 1))
    factories.make_title(b, "innovative", dt.date(2024, 7, 1))
    _long_ago(Enterprise.objects.all(), Title.objects.all())
    key = keyed("市数据平台", write=True).key
    client = package.AuthenticatedClient(base_url=live_server.url, token=key)  # the generator's default: Bearer

    store = program.Store()
    full = program.sync(client, store)
    assert sorted(full.enterprises) == sorted([a.pk, b.pk, c.pk]) and len(full.titles) == 2
    assert store.enterprises[a.pk]["current_tier"] == "innovative"
    assert store.enterprises[c.pk]["current_tier"] is None

    # A create through the client: a municipal title for A (the rung above its innovative one).
    created = titles_create.sync_detailed(
        client=client,
        body=models.TitleRequest(
            enterprise=a.pk, tier=models.TitleRequestTier.MUNICIPAL, recognised_on=dt.date(2025, 1, 10)
        ),
    )
    assert created.status_code == 201, created.content
    new_title = created.parsed.id
    # C is deleted (in the web UI, by the city operator): a tombstone.
    operator = factories.make_user(Role.CITY_OPERATOR, department_code="miit")
    scoped_delete(actor=operator, instance=Enterprise.objects.get(pk=c.pk))

    later = program.sync(client, store)
    # A moved (its current tier is now municipal), the new title, C gone: nothing else was read.
    assert later.enterprises == [a.pk]
    assert later.titles == [new_title]
    assert later.deleted == [("enterprises.enterprise", c.pk)]
    assert store.enterprises[a.pk]["current_tier"] == "municipal"
    assert sorted(store.enterprises) == sorted([a.pk, b.pk]) and len(store.titles) == 3

    # A validation error arrives as the error model, in Chinese, naming the field.
    refused = enterprises_create.sync_detailed(
        client=client,
        body=models.EnterpriseRequest(
            credit_code="91440781MA4UUUUUU0",
            name="校验位错误有限公司",
            county=models.EnterpriseRequestCounty.CODE_440781,
        ),
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.Error)
    assert "credit_code" in refused.parsed.errors.additional_properties
    assert refused.parsed.detail.startswith("统一社会信用代码")

    # Stale writes: a version read before someone else's change (409), an old ETag in If-Match (412).
    version = store.enterprises[b.pk]["version"]
    first = enterprises_partial_update.sync_detailed(
        b.pk, client=client, body=models.PatchedEnterpriseRequest(name="新名称一有限公司", version=version)
    )
    assert first.status_code == 200 and first.parsed.version == version + 1
    stale = enterprises_partial_update.sync_detailed(
        b.pk, client=client, body=models.PatchedEnterpriseRequest(name="新名称二有限公司", version=version)
    )
    assert stale.status_code == 409 and isinstance(stale.parsed, models.Error)
    stale_etag = enterprises_partial_update.sync_detailed(
        b.pk, client=client, body=models.PatchedEnterpriseRequest(name="新名称二有限公司"), if_match=f'"{version}.x"'
    )
    assert stale_etag.status_code == 412 and isinstance(stale_etag.parsed, models.Error)
    assert Enterprise.objects.get(pk=b.pk).name == "新名称一有限公司"
