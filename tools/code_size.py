"""Count a package's lines: all lines, and code lines (no blank lines, comments or docstrings).

Usage: python tools/code_size.py [ROOT]: one JSON line for the package (or ROOT, a directory or a
file). python tools/code_size.py --commits A..B: one line per first-parent commit of the range, its
change in the package's code lines and its subject, so that a change's size can be attributed to
the commits that made it (issue 9's "must show": the package smaller, not larger).
"""
from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
import tarfile
import tokenize
from pathlib import Path


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    tree = ast.parse(source)
    doc = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER):
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - doc)


def package_code_lines(commit: str, package: str = "metakinetics") -> int:
    """Code lines of ``package`` at ``commit`` (read with git archive; the work tree is untouched)."""
    data = subprocess.run(["git", "archive", commit, package], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return sum(code_lines(tar.extractfile(m).read().decode()) for m in tar.getmembers() if m.name.endswith(".py"))


def by_commit(span: str) -> None:
    """Print each first-parent commit of ``span`` (A..B) with its change in code lines."""
    start = span.split("..")[0]
    commits = subprocess.run(["git", "rev-list", "--reverse", "--first-parent", span], capture_output=True,
                             text=True, check=True).stdout.split()
    prev = package_code_lines(start)
    print(f"{start[:7]} {prev} (start)")
    for c in commits:
        now = package_code_lines(c)
        subject = subprocess.run(["git", "log", "-1", "--format=%s", c], capture_output=True, text=True).stdout
        print(f"{c[:7]} {now - prev:+d} {subject.strip()[:100]}")
        prev = now


def main(argv: list[str]) -> None:
    if argv[:1] == ["--commits"]:
        by_commit(argv[1])
        return
    root = Path(argv[0]) if argv and not argv[0].startswith("--") else Path("metakinetics")
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    total = sum(len(p.read_text().splitlines()) for p in files)
    code = sum(code_lines(p.read_text()) for p in files)
    print(json.dumps({"root": str(root), "files": len(files), "lines": total, "code_lines": code}))


if __name__ == "__main__":
    main(sys.argv[1:])
