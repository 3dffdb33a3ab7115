"""The layering of docs/architecture.md, checked by import-linter (contracts in pyproject.toml):
lower layers never import upper ones, so later work cannot quietly invert the dependencies."""
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports")
    assert exe, "import-linter is in the 'test' extra; install it with pip install -e '.[test]'"
    res = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
