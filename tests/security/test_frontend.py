"""No page fetches anything from an external host, and no template carries inline script or style
(the Content Security Policy is ``script-src 'self'; style-src 'self'``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "staticfiles", ".git", "media"}

EXTERNAL_REF = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["'])(?:https?:)?//""",
    re.IGNORECASE,
)
CSS_URL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
# JS that fetches: fetch("http…"), XMLHttpRequest.open("GET","http…"), import("http…"), new WebSocket("ws…")
JS_FETCH = re.compile(
    r"""(?:fetch|open|import|WebSocket|EventSource)\s*\(\s*(?:["'][A-Z]+["']\s*,\s*)?["'](?:https?|wss?):"""
)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _walk(base: Path, suffixes: tuple[str, ...]):
    if not base.exists():
        return
    for path in base.rglob("*"):
        if path.is_file() and path.suffix in suffixes and not SKIP_DIRS & set(path.relative_to(ROOT).parts):
            yield path


def template_files():
    dirs = [ROOT / "templates"] + [p for p in ROOT.glob("*/templates") if p.parent.name not in SKIP_DIRS]
    return sorted({f for d in dirs for f in _walk(d, (".html", ".txt", ".xml", ".svg"))})


def own_static_files():
    static = ROOT / "static"
    return sorted(
        f
        for d in static.iterdir()
        if d.is_dir() and d.name != "vendor"
        for f in _walk(d, (".js", ".css", ".html", ".svg", ".json"))
    )


def vendor_css_files():
    return sorted(_walk(ROOT / "static" / "vendor", (".css",)))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_scan_finds_our_files():
    names = {_rel(p) for p in template_files()} | {_rel(p) for p in own_static_files()}
    assert "templates/base.html" in names
    assert "accounts/templates/accounts/audit_log.html" in names
    assert "static/accounts/js/reveal.js" in names
    assert vendor_css_files()


@pytest.mark.parametrize("path", template_files(), ids=_rel)
def test_template_has_no_external_reference_inline_script_or_style(path):
    text = path.read_text(encoding="utf-8")
    problems = []
    for name, pattern in [
        ("external reference", EXTERNAL_REF),
        ("inline <script>", INLINE_SCRIPT),
        ("inline event handler", INLINE_HANDLER),
        ("style= attribute", STYLE_ATTR),
        ("<style> element", STYLE_TAG),
        ("javascript: URL", JAVASCRIPT_URL),
    ]:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{_rel(path)}:{line}: {name}: {match.group(0)[:80]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", own_static_files(), ids=_rel)
def test_own_static_file_fetches_nothing_external(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in (*EXTERNAL_REF.finditer(text), *JS_FETCH.finditer(text))]
    assert not found, f"{_rel(path)} references an external host: {found}"


@pytest.mark.parametrize("path", vendor_css_files(), ids=_rel)
def test_vendor_css_loads_no_external_url(path):
    """Vendor files keep licence links in comments (not fetches); only CSS url(...) would load."""
    text = path.read_text(encoding="utf-8")
    assert not CSS_URL.findall(text), f"{_rel(path)} loads a resource from an external host"


def test_the_patterns_catch_what_they_should():
    assert EXTERNAL_REF.search('<img src="https://cdn.example.com/x.png">')
    assert EXTERNAL_REF.search('<link href="//cdn.example.com/x.css">')
    assert EXTERNAL_REF.search("background: url('https://x.example.com/a.png')")
    assert not EXTERNAL_REF.search('<a href="/enterprises/">')
    assert JS_FETCH.search('fetch("https://api.example.com/x")')
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert not INLINE_HANDLER.search('<button data-confirm="ok">')
    assert STYLE_ATTR.search('<div class="x" style="color:red">')


@pytest.mark.django_db
def test_pages_are_served_with_a_strict_content_security_policy(client, taishan_official, taishan_enterprise):
    client.force_login(taishan_official)
    response = client.get(taishan_enterprise.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html.replace('type="application/json"', 'src="json"'))
