"""Docstrings and comments of the package cite only files that are in the repository."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\.(?:md|toml|csv|py|json|txt|rst)\b")


def test_cited_files_exist():
    missing = []
    for src in sorted((ROOT / "metakinetics").rglob("*.py")):
        for cited in PATH.findall(src.read_text(encoding="utf-8")):
            if "NAME" in cited or cited.startswith(("http", "www")):
                continue                           # a pattern (fits/NAME/fit.toml), not a file
            if not any((base / cited).exists() for base in (ROOT, ROOT / "metakinetics")):
                missing.append(f"{src.relative_to(ROOT)} cites {cited}")
    assert not missing, "\n".join(missing)


def test_the_check_sees_a_missing_file(tmp_path):
    assert PATH.findall('"""See design/model.md section 4."""') == ["design/model.md"]
