"""Checks every page of the navigation must pass in the browser tests: no serious or critical axe
violation (axe-core from the npm registry, ``tests/browser/vendor/axe.min.js``, copied by
``scripts/vendor_assets.sh``), no English word outside an allow-list of technical terms, no
horizontal overflow on a 390 px phone."""

from __future__ import annotations

import re
import time
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# Technical terms a user may meet as they are (file formats, standards, protocols, brand names).
ALLOWED_WORDS = frozenset(
    {"API", "Excel", "PDF", "TOTP", "JSON", "URL", "ID", "IP", "CSV", "OpenAPI", "GB", "T", "Word", "PNG", "JPEG"}
)
WORD = re.compile(r"(?<![A-Za-z0-9._/-])[A-Za-z]{2,}(?![A-Za-z0-9._/-])")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def axe_violations(page) -> list[str]:
    """Serious and critical axe violations of the page as it is shown (rule id and the first
    offending element of each)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))  # the context must bypass the CSP (script-src 'self')
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    return list(result)


def english_words(page, allowed: frozenset[str] = frozenset()) -> list[str]:
    """English words in the visible text and the accessible labels (aria-label, title,
    placeholder), outside the allow-list (and ``allowed``: the user's own login name)."""
    text = page.evaluate(
        "() => document.body.innerText + ' ' + Array.from(document.querySelectorAll("
        "'[aria-label],[title],[placeholder]')).map(e => [e.getAttribute('aria-label'), e.getAttribute('title'),"
        " e.getAttribute('placeholder')].filter(Boolean).join(' ')).join(' ')"
    )
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED_WORDS and w not in allowed})


def horizontal_overflow(page, settle: float = 5.0) -> int:
    """How many pixels the page is wider than the viewport (0: no horizontal scrolling). Right after
    the window changed size a chart may not have redrawn at the new width yet (ECharts resizes on
    the window's resize event): the layout is given up to ``settle`` seconds to follow."""
    deadline = time.monotonic() + settle
    while True:
        overflow = int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))
        if overflow <= 0 or time.monotonic() >= deadline:
            return overflow
        page.wait_for_timeout(100)
