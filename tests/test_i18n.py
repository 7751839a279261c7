"""Every catalogue is fully translated into Simplified Chinese and compiled."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(
    p for p in Path(settings.BASE_DIR).glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_catalogues_exist():
    names = {p.parts[-5] for p in CATALOGUES}
    assert {"accounts", "enterprises"} <= names
    assert any(p.parent.parent.parent.parent == Path(settings.BASE_DIR) for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_fully_translated_and_compiled(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), "run compilemessages"
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(mo_path))}
    po_entries = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in po.translated_entries()}
    assert set(po_entries) <= set(mo), "the .mo file is older than the .po file: run compilemessages"


@pytest.mark.django_db
def test_pages_render_in_chinese(client, taishan_official):
    client.force_login(taishan_official)
    page = client.get("/enterprises/").content.decode()
    assert "企业库" in page and "统一社会信用代码" in page and "退出登录" in page
