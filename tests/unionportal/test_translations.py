"""Vietnamese catalogues: complete, NFC, placeholders kept, and compiled."""

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import polib
import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "locale" / "thirdparty" / "vi" / "LC_MESSAGES" / "django.po",
]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{ ?[a-z_.]+ ?\}\}")


@pytest.mark.parametrize("path", CATALOGUES, ids=["project", "thirdparty"])
def test_catalogue_is_complete_nfc_and_keeps_placeholders(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.percent_translated() == 100
    assert not catalogue.fuzzy_entries()
    for entry in catalogue:
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in filter(None, texts):
            assert unicodedata.is_normalized("NFC", text), entry.msgid
            expected = sorted(PLACEHOLDER.findall(entry.msgid))
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


@pytest.mark.parametrize("path", CATALOGUES, ids=["project", "thirdparty"])
def test_compiled_catalogue_matches_its_source(path):
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(path))}
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    assert {(e.msgctxt, e.msgid): e.msgstr for e in compiled} == source


def test_every_string_in_the_code_is_translated(tmp_path):
    """Extract the project's strings afresh and find none left untranslated."""
    require_service(bool(shutil.which("xgettext")), "gettext tools (xgettext)")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", "var", ".git", "tests", "test-artifacts", "*.mo"
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)},
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh.untranslated_entries() + fresh.fuzzy_entries()]
    assert missing == [], "run makemessages and translate these"
