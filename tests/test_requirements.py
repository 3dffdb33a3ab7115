"""The floors in pyproject.toml agree with what the code itself needs, where that is cheap to check
without a network: the Python floor covers the standard-library modules imported, every third-party
import is a declared dependency, and the numpy and tqdm floors cover the APIs the code calls.
.ci/min_versions.sh runs this file against the floors themselves."""
import ast
import io
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SOURCES = sorted((ROOT / "metakinetics").rglob("*.py"))
TREES = {p: ast.parse(p.read_text(), filename=str(p)) for p in SOURCES}

# standard-library modules newer than some Python 3: the first Python that has them
STDLIB_SINCE = {"tomllib": "3.11", "graphlib": "3.9", "zoneinfo": "3.9"}
# import name -> distribution, for third-party imports
DISTRIBUTION = {"numpy": "numpy", "scipy": "scipy", "sympy": "sympy", "matplotlib": "matplotlib",
                "lmfit": "lmfit", "tqdm": "tqdm", "libsbml": "python-libsbml", "dask": "dask",
                "distributed": "dask", "pandas": "pandas", "lifelines": "lifelines", "sksurv": "scikit-survival"}
# imported on demand with an error that says to install it, so neither a dependency nor an extra
OPTIONAL_UNDECLARED: set[str] = set()   # pandas (results.py: to_frame()) is the 'frames' extra


def _floors(reqs) -> dict[str, Version]:
    out = {}
    for text in reqs:
        req = Requirement(text)
        lower = [Version(s.version) for s in req.specifier if s.operator == ">="]
        out[req.name.lower()] = max(lower) if lower else None
    return out


RUNTIME = _floors(PROJECT["dependencies"])
EXTRAS = {dist: floor for name, reqs in PROJECT["optional-dependencies"].items() if name != "dev"
          for dist, floor in _floors(r for r in reqs if not r.startswith("metakinetics")).items()}


def _python_floor() -> Version:
    lower = [Version(s.version) for s in SpecifierSet(PROJECT["requires-python"]) if s.operator == ">="]
    assert len(lower) == 1, f"requires-python {PROJECT['requires-python']!r}: want one '>=' floor"
    return lower[0]


def _top_level_imports() -> dict[str, Path]:
    """Absolute imports in the package: top-level name -> first file importing it."""
    found = {}
    for path, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def test_every_runtime_dependency_has_one_floor():
    """.ci/min_versions.sh pins each runtime dependency at its '>=' floor: each must have one."""
    assert RUNTIME, "no runtime dependencies read from pyproject.toml"
    assert all(RUNTIME.values()), {d: f for d, f in RUNTIME.items() if f is None}


def test_python_floor_covers_the_standard_library_used():
    floor = _python_floor()
    needed = {mod: Version(v) for mod, v in STDLIB_SINCE.items() if mod in _top_level_imports()}
    assert "tomllib" in needed, "tomllib is no longer imported: the 3.11 floor may be lowered"
    too_low = {mod: str(v) for mod, v in needed.items() if v > floor}
    assert not too_low, f"requires-python >={floor} but the package imports {too_low} (module: Python)"
    assert sys.version_info >= (floor.major, floor.minor)


def test_no_dependency_only_for_pythons_below_the_floor():
    """A marker such as python_version < '3.11' is dead weight once requires-python excludes it
    (the tomli fallback for tomllib was one)."""
    floor = _python_floor()
    dead = [r for r in PROJECT["dependencies"] if Requirement(r).marker is not None
            and not Requirement(r).marker.evaluate({"python_version": f"{floor.major}.{floor.minor}",
                                                    "python_full_version": str(floor)})]
    assert not dead, f"dependencies never installed on Python >= {floor}: {dead}"


def test_every_third_party_import_is_declared():
    stdlib = set(sys.stdlib_module_names)
    third_party = {name: path.relative_to(ROOT) for name, path in _top_level_imports().items()
                   if name not in stdlib and name != "metakinetics" and name not in OPTIONAL_UNDECLARED}
    unknown = {n: str(p) for n, p in third_party.items() if n not in DISTRIBUTION}
    assert not unknown, f"imports with no known distribution (add to DISTRIBUTION and pyproject): {unknown}"
    undeclared = {n: str(p) for n, p in third_party.items()
                  if DISTRIBUTION[n] not in RUNTIME and DISTRIBUTION[n] not in EXTRAS}
    assert not undeclared, f"imported but neither a dependency nor an extra: {undeclared}"


def _attribute_uses(module_aliases: set[str], attr: str) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{n.lineno}" for p, tree in TREES.items() for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr == attr
            and isinstance(n.value, ast.Name) and n.value.id in module_aliases]


def _keyword_uses(func: str, keyword: str) -> list[str]:
    out = []
    for p, tree in TREES.items():
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == func \
                    and any(k.arg == keyword for k in n.keywords):
                out.append(f"{p.relative_to(ROOT)}:{n.lineno}")
    return out


@pytest.mark.parametrize("dist, since, uses", [
    ("numpy", "2.0", lambda: _attribute_uses({"np", "numpy"}, "trapezoid")),   # np.trapz before 2.0
    ("tqdm", "4.58", lambda: _keyword_uses("tqdm", "delay")),
])
def test_floor_covers_api_the_code_calls(dist, since, uses):
    where = uses()
    if where:
        assert RUNTIME[dist] >= Version(since), f"{dist}>={RUNTIME[dist]} but {where} need {dist} {since}"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_cli_progress_bar_on_a_terminal(monkeypatch, capsys):
    """The bars are disabled when stderr is not a terminal (as under pytest), so a tqdm too old for
    their keywords would pass every other test: draw one as a user sees it."""
    from metakinetics.cli.main import main

    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["simulate", "immigration_death", "--paths", "20", "--seed", "1", "--times", "0:5:1",
                 "--summary"]) == 0
    assert capsys.readouterr().out.startswith("time,")
