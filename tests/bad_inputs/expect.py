"""Shared check of the numbered bad-input fixtures: expected.json beside NN_* files, and one
MetakineticsError naming the file, the key and the reason on one line."""
import json
from pathlib import Path


def load_expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text())


def check_named_error(exc, path: Path, expected: dict) -> None:
    msg = str(exc)
    assert str(path) in msg and "\n" not in msg
    assert exc.key == expected["key"]
    assert expected["reason"] in msg
