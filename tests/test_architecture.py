"""The layering of docs/architecture.md, checked by import-linter (contracts in pyproject.toml):
lower layers never import upper ones, so later work cannot quietly invert the dependencies."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    # the interpreter's own scripts first: a venv's python run without activating it has no PATH entry
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is in the 'test' extra; install it with pip install -e '.[test]'"
    res = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
