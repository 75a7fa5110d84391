"""No template of the project writes script or style inline: the CSP would block it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)"),
    "<style> element": re.compile(r"<style\b"),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
TEMPLATES = sorted(
    path
    for folder in TEMPLATE_DIRS
    if ".venv" not in folder.parts and "node_modules" not in folder.parts
    for path in folder.rglob("*.html")
)


def test_templates_are_found():
    assert ROOT / "templates" / "base.html" in TEMPLATES
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize(
    "path", TEMPLATES, ids=[str(p.relative_to(ROOT)) for p in TEMPLATES]
)
def test_template_has_no_inline_script_style_or_handler(path):
    text = path.read_text()
    found = [name for name, pattern in INLINE.items() if pattern.search(text)]
    assert found == [], f"move to a static file: {found}"
