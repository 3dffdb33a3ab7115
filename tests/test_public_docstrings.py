"""Every public name of the package is documented (issue 13), and the functions of the top-level
API have numpydoc ``Parameters`` / ``Returns`` sections that match their signatures.

Public: every module of ``metakinetics`` whose dotted name has no part starting with ``_``, and
every class, function, method and property *defined* in such a module (``obj.__module__ ==
module.__name__``, so re-exports and imports from numpy etc. are checked where they are defined)
whose name does not start with ``_``. Methods and properties are those of a public class's own
``__dict__``, nested public classes included.

Rules:

1. every public module, class, function, method and property has a docstring of its own; a
   method that overrides a documented method of a base class may inherit its docstring (Sphinx
   shows the inherited one); the signature that ``dataclasses`` / ``NamedTuple`` write into an
   undocumented class does not count as a docstring;
2. every public function of the top-level API (``STRICT`` below: whole modules, plus the
   functions that ``metakinetics.inference`` and ``metakinetics.scenarios`` export) parses as
   numpydoc and

   - if it takes parameters, has a ``Parameters`` section naming each one of them (``*args`` /
     ``**kwargs`` under their starred names) and no parameter the signature does not have;
   - if it returns something (a return annotation other than ``None``, or a ``return value`` in
     its body), has a ``Returns`` (or, for a generator, ``Yields``) section.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import pytest

import metakinetics


#: Modules whose every public function (and public method) follows rule 2.
STRICT_MODULES = ("metakinetics.api", "metakinetics.population.incidence", "metakinetics.model.params",
                  "metakinetics.model.growth", "metakinetics.stochastic.simulate")
#: Packages whose exported (``__all__``) functions follow rule 2, wherever they are defined.
STRICT_EXPORTS = ("metakinetics.inference", "metakinetics.scenarios")


def public_modules():
    yield metakinetics
    for info in pkgutil.walk_packages(metakinetics.__path__, "metakinetics."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield importlib.import_module(info.name)


def _own_doc(obj) -> str | None:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(obj, type) and doc and doc.startswith(obj.__name__ + "("):
        return None                                 # the signature dataclasses/NamedTuple wrote
    return doc if doc and doc.strip() else None


def _members(cls, qualname):
    """(qualified name, object, kind) of the public methods, properties and nested classes of cls."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            yield f"{qualname}.{name}", value, "property"
        elif inspect.isfunction(value):
            yield f"{qualname}.{name}", value, "method"
        elif isinstance(value, type) and value.__module__ == cls.__module__:
            yield f"{qualname}.{name}", value, "class"
            yield from _members(value, f"{qualname}.{name}")


def public_objects():
    """(module, qualified name, object, kind) of every public name."""
    for module in public_modules():
        yield module, module.__name__, module, "module"
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj):
                yield module, f"{module.__name__}.{name}", obj, "class"
                for qual, member, kind in _members(obj, f"{module.__name__}.{name}"):
                    yield module, qual, member, kind
            elif inspect.isfunction(obj):
                yield module, f"{module.__name__}.{name}", obj, "function"


def _inherited_doc(qualname: str, obj, cls) -> str | None:
    name = qualname.rsplit(".", 1)[1]
    for base in cls.__mro__[1:]:
        if name in vars(base):
            doc = getattr(vars(base)[name], "__doc__", None)
            if doc and doc.strip():
                return doc
    return None


def undocumented() -> list[str]:
    missing = []
    owners: dict[str, type] = {}
    for module, qual, obj, kind in public_objects():
        if kind == "class":
            owners[qual] = obj
        doc = _own_doc(obj)
        if doc is None and kind in ("method", "property"):
            owner = owners.get(qual.rsplit(".", 1)[0])
            doc = _inherited_doc(qual, obj, owner) if owner is not None else None
        if doc is None:
            missing.append(f"{kind} {qual}")
    return missing


def strict_functions():
    """(qualified name, function) of every function rule 2 applies to."""
    seen = set()
    for module in public_modules():
        if module.__name__ in STRICT_MODULES:
            for qual, obj in public_functions_in(module):
                if qual not in seen:
                    seen.add(qual)
                    yield qual, obj
    for package in STRICT_EXPORTS:
        pkg = importlib.import_module(package)
        for name in pkg.__all__:
            obj = getattr(pkg, name)
            if inspect.isfunction(obj):
                qual = f"{obj.__module__}.{obj.__qualname__}"
                if qual not in seen:
                    seen.add(qual)
                    yield qual, obj


def public_functions_in(module):
    """(qualified name, function) of the public functions and methods defined in module."""
    for _, qual, obj, kind in public_objects():
        if kind in ("function", "method") and qual.startswith(module.__name__ + ".") \
                and obj.__module__ == module.__name__:
            yield qual, obj


def _returns_value(func) -> bool:
    """A return annotation other than None, or a ``return value`` in the function's own body."""
    annotation = inspect.signature(func).return_annotation
    if annotation in (None, "None"):
        return False
    if annotation is not inspect.Signature.empty:
        return True
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0]

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Return) and child.value is not None and not (
                    isinstance(child.value, ast.Constant) and child.value.value is None):
                return True
            if isinstance(child, (ast.Yield, ast.YieldFrom)):
                return True
            if walk(child):
                return True
        return False

    return walk(body)


def section_problems(qual: str, func) -> list[str]:
    numpydoc_docscrape = pytest.importorskip("numpydoc.docscrape", reason="numpydoc (docs extra) parses sections")
    doc = inspect.getdoc(func)
    if not doc:
        return [f"{qual}: no docstring"]
    try:
        parsed = numpydoc_docscrape.NumpyDocString(doc)
    except Exception as exc:  # numpydoc raises ValueError and friends on malformed sections
        return [f"{qual}: not numpydoc ({exc})"]
    problems = []
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    expected = set()
    for p in params:
        expected.add({p.VAR_POSITIONAL: f"*{p.name}", p.VAR_KEYWORD: f"**{p.name}"}.get(p.kind, p.name))
    documented = set()
    for entry in parsed["Parameters"]:
        documented.update(n.strip() for n in entry.name.split(","))
    if expected and not parsed["Parameters"]:
        problems.append(f"{qual}: no Parameters section")
    else:
        if expected - documented:
            problems.append(f"{qual}: parameters not documented: {sorted(expected - documented)}")
        if documented - expected:
            problems.append(f"{qual}: documents parameters it does not take: {sorted(documented - expected)}")
    if _returns_value(func) and not (parsed["Returns"] or parsed["Yields"]):
        problems.append(f"{qual}: no Returns section")
    return problems


def test_every_public_name_has_a_docstring():
    missing = undocumented()
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


def test_top_level_api_has_numpydoc_parameters_and_returns():
    functions = list(strict_functions())
    assert len(functions) > 40                      # the walk found the API (guards against a silent pass)
    problems = [p for qual, func in functions for p in section_problems(qual, func)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_checks_see_what_they_should():
    def documented(x: int, *rest, **options) -> float:
        """One line.

        Parameters
        ----------
        x : int
            A number.
        *rest, **options
            Passed on.

        Returns
        -------
        float
        """
        return 1.0

    def bare(x):
        """Only a line."""
        return x

    def procedure(x) -> None:
        """A line.

        Parameters
        ----------
        x : int
            Ignored.
        """

    assert section_problems("documented", documented) == []
    assert section_problems("procedure", procedure) == []
    assert section_problems("bare", bare) == ["bare: no Parameters section", "bare: no Returns section"]

    class Point:
        pass

    assert _own_doc(Point) is None and _own_doc(type("P", (), {"__doc__": "P(x, y)"})) is None
