#!/usr/bin/env bash
# Test against the oldest declared versions: a fresh virtual environment with every runtime
# dependency pinned to its floor in pyproject.toml ("name>=X" installed as "name==X"), the package
# installed with --no-deps on top, then a fast subset of the tests that touches every dependency.
# The floors live only in pyproject.toml; this script reads them with tomllib.
#
#   bash .ci/min_versions.sh                # the subset below
#   bash .ci/min_versions.sh tests/ -x      # any pytest arguments instead of the subset
#
# MIN_VENV=DIR keeps the environment in DIR (default: a temporary folder, removed afterwards).
# Exits non-zero if a floor cannot be installed, an installed version differs from its floor, or a
# test fails (or none ran).
set -euo pipefail
cd "$(dirname "$0")/.."

# The subset (about 30 s of tests on 2 cores): each entry exercises a dependency where the code
# really uses it, including every API that set a floor, so a floor set too low fails here. Left out:
# the slow statistical, fit-recovery and figure-set tests (the full suite at the floors is
# `bash .ci/min_versions.sh tests/`), import-linter and the wheel build (tools, not runtime floors).
SUBSET=(
    tests/test_requirements.py              # floors vs the code's needs; a tqdm bar with delay= on a "terminal"
    tests/test_package.py                   # the public API imports
    tests/model tests/datasets              # tomllib model and data files (the Python 3.11 floor)
    tests/dynamics                          # scipy solve_ivp; semi-analytic solver via sympy lambdify (not 1.11.0)
    tests/symbolic                          # sympy derivation (Gompertz -> Ei: not 1.10), closed forms, mathtext
    tests/incidence                         # numpy/scipy quadrature
    tests/stochastic/test_sde_order.py      # SDE steps built by sympy, numpy generators
    tests/stochastic/test_cohort_censoring.py   # Generator.spawn (numpy 1.25)
    tests/inference/test_fit.py             # lmfit Minimizer and conf_interval (1.2 fails on numpy 2)
    tests/scenarios/test_sanity.py          # np.trapezoid (the numpy 2.0 floor), scipy brentq
    tests/figures/test_fit_plot.py          # matplotlib
    tests/cli/test_models_show.py           # the CLI (python -m metakinetics) on the bundled models
)

# Python: the declared floor's interpreter when it is on PATH, else python3 (with a warning).
floor_py=$(python3 -c 'import re, tomllib
spec = tomllib.load(open("pyproject.toml", "rb"))["project"]["requires-python"]
m = re.fullmatch(r"\s*>=\s*(\d+\.\d+)(\.\d+)?\s*", spec)
print(m.group(1) if m else "")')
[[ -n $floor_py ]] || { echo "min_versions: requires-python must be a single '>=X.Y' floor" >&2; exit 1; }
PY=python3
command -v "python$floor_py" >/dev/null && PY="python$floor_py"
have_py=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ $have_py != "$floor_py" ]]; then
    echo "min_versions: WARNING: requires-python floor is $floor_py but only Python $have_py is here" >&2
fi

# The pins: every runtime dependency must carry a ">=" floor; markers are kept.
# (a plain assignment, not a process substitution, so that a missing floor stops the script)
pins=$("$PY" - <<'EOF'
import re, sys, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
for dep in deps:
    spec, _, marker = dep.partition(";")
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$", spec)
    floors = [s.strip()[2:].strip() for s in m.group(3).split(",") if s.strip().startswith(">=")]
    if len(floors) != 1:
        sys.exit(f"min_versions: dependency {dep!r} has no single '>=' floor")
    print(f"{m.group(1)}{m.group(2) or ''}=={floors[0]}" + (f"; {marker.strip()}" if marker.strip() else ""))
EOF
)
mapfile -t PINS <<<"$pins"
[[ -n $pins && ${#PINS[@]} -gt 0 ]] || { echo "min_versions: no dependencies read from pyproject.toml" >&2; exit 1; }

VENV=${MIN_VENV:-$(mktemp -d -t metakinetics-min.XXXXXX)}
[[ -n ${MIN_VENV:-} ]] || trap 'rm -rf "$VENV"' EXIT
echo "min_versions: Python $have_py, environment $VENV"
printf 'min_versions: %s\n' "${PINS[@]}"
start=$SECONDS
"$PY" -m venv --clear "$VENV"
# Binary wheels only: an old release without a wheel for this Python is a floor to raise, not a build.
"$VENV/bin/python" -m pip install -q --only-binary=:all: "${PINS[@]}" pytest hypothesis
"$VENV/bin/python" -m pip install -q --no-deps -e .

# The environment really holds the floors (a resolver surprise would otherwise go unnoticed).
"$VENV/bin/python" - "${PINS[@]}" <<'EOF'
import re, sys
from importlib.metadata import version
from packaging.requirements import Requirement  # installed with pytest
bad = []
for pin in sys.argv[1:]:
    req = Requirement(pin)
    if req.marker is not None and not req.marker.evaluate():
        continue
    want = str(req.specifier)[2:]
    got = version(req.name)
    if got != want and not re.fullmatch(re.escape(want) + r"(\.0)*", got):
        bad.append(f"{req.name}: {got} installed, floor {want}")
sys.exit("min_versions: " + "; ".join(bad) if bad else 0)
EOF
echo "min_versions: installed in $((SECONDS - start)) s"

if [[ $# -gt 0 ]]; then ARGS=("$@"); else ARGS=("${SUBSET[@]}"); fi
set +e
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "${ARGS[@]}"
rc=$?
set -e
echo "min_versions: done in $((SECONDS - start)) s (pytest exit $rc)"
[[ $rc -eq 0 ]] || exit "$rc"
