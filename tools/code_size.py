"""Count a package's lines: all lines, and code lines (no blank lines, comments or docstrings).

Usage: python tools/code_size.py [ROOT] [--files A B ...]. Used to report whether a change made the
package smaller (issue 9's "must show"); prints one JSON line.
"""
from __future__ import annotations

import ast
import io
import json
import sys
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


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv and not argv[0].startswith("--") else Path("metakinetics")
    files = sorted(root.rglob("*.py"))
    total = sum(len(p.read_text().splitlines()) for p in files)
    code = sum(code_lines(p.read_text()) for p in files)
    print(json.dumps({"root": str(root), "files": len(files), "lines": total, "code_lines": code}))


if __name__ == "__main__":
    main(sys.argv[1:])
