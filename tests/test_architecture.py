"""The import contracts in .importlinter hold today and fail on a planted bad import."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# One bad import a contract: (contract id, module to write, the line it holds).
PLANTED = {
    "core-imports-no-app": ("members/planted_core.py", "import learning\n"),
    "apps-independent": ("learning/planted_sideways.py", "import feedback\n"),
    "no-app-imports-project": ("inspections/planted_up.py", "import unionportal\n"),
    "members-models-below": (
        "members/models/planted_down.py",
        "from members.services import audit\n",
    ),
    "members-services-no-ui": (
        "members/services/planted_ui.py",
        "from members.admin import register\n",
    ),
}


def contracts() -> dict[str, str]:
    """Return the contracts of .importlinter by id, with their names."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    prefix = "importlinter:contract:"
    return {
        section.removeprefix(prefix): parser[section]["name"]
        for section in parser.sections()
        if section.startswith(prefix)
    }


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(cwd / ".importlinter")],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_contract_has_a_planted_bad_import():
    assert set(PLANTED) == set(contracts())


def test_the_project_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in contracts().values():
        assert f"{name} KEPT" in result.stdout


@pytest.fixture
def project_copy(tmp_path) -> Path:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    packages = parser["importlinter"]["root_packages"].split()
    for package in packages:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
        )
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    return tmp_path


def test_each_contract_fails_on_its_planted_import(project_copy):
    for path, line in PLANTED.values():
        (project_copy / path).write_text(line)
    result = lint_imports(project_copy)
    assert result.returncode != 0
    for name in contracts().values():
        assert f"{name} BROKEN" in result.stdout, result.stdout
