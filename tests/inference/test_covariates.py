"""Per-patient covariates in individual-data fits (metakinetics.inference.covariates): the diameter
grid's interpolation against direct evaluation, the range quadrature, the weights, the set-up
checks, and parameter recovery from a cohort simulated with per-patient diameters and node counts."""
from __future__ import annotations

import numpy as np
import pytest

from metakinetics.endpoints import Distant
from metakinetics.errors import DataError, FitError, ModelFileError
from metakinetics.inference import fit, parse_setup
from metakinetics.inference.covariates import (GRID_RATIO, RANGE_NODES, PatientCovariates, diameter_grid,
                                               point_weights, range_nodes)
from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import load_setup
from metakinetics.model import load_model
from metakinetics.population.incidence import incidence_batch

#: the Rotterdam fits' model and quadrature (fits/rotterdam_continuous)
ROTTERDAM = {"nodes.ratio": 4.805e-6, "population.mu_sd": 2.314, "nodes.dispersion": 1.438, "nodes.coupling": 0.9,
             "shedding.mu": 0.86}
QUAD = {"mu": 24, "rate": 6, "diameter": 6}
GRID = np.linspace(0.0, 20.0, 81)


def _sets(d, n):
    d, n = np.broadcast_arrays(np.asarray(d, dtype=float), np.asarray(n, dtype=float))
    return {"diagnosis.diameter_cm": d, "population.diameter_sd": 0.0, "nodes.min": n, "nodes.max": n}


def _cif(model, d, n):
    return incidence_batch(model, Distant(), GRID, _sets(d, n), nodes=QUAD).values[:, :, 0]


def test_grid_interpolation_agrees_with_direct_evaluation():
    """Linear interpolation in log diameter on the GRID_RATIO grid against the model evaluated at each
    patient's own diameter, with exact node counts 0, 3, 12: within 5e-4 (absolute cumulative
    incidence, any time to 20 years; measured 2.3e-4), a twentieth of the 1-point steps in which
    risks are reported; the error falls as the square of the log ratio."""
    model = load_model("breast", overrides=ROTTERDAM)
    rng = np.random.default_rng(3)
    d = np.exp(rng.uniform(np.log(0.4), np.log(10.0), 40))
    grid = diameter_grid(0.4, 10.0)
    assert np.all(grid[1:] / grid[:-1] <= GRID_RATIO + 1e-12)
    w = point_weights(d, grid)
    worst = 0.0
    for n in (0, 3, 12):
        on_grid = _cif(model, grid, n)
        direct = _cif(model, d, n)
        worst = max(worst, float(np.abs(w @ on_grid - direct).max()))
    assert worst < 5e-4, worst
    # and the grid is needed: a coarse grid (ratio 2) is off by more
    coarse = diameter_grid(0.4, 10.0, ratio=2.0)
    err = np.abs(point_weights(d, coarse) @ _cif(model, coarse, 3) - _cif(model, d, 3)).max()
    assert err > 3 * worst


def test_range_quadrature_converges():
    """RANGE_NODES Gauss-Legendre nodes over the Rotterdam size ranges against 48 nodes: within 1e-5
    of the range-averaged cumulative incidence (measured <= 8e-6)."""
    model = load_model("breast", overrides=ROTTERDAM)
    for lo, hi in ((0.3, 2.0), (2.0, 5.0), (5.0, 12.0)):
        d8, w8 = range_nodes(lo, hi, 2.12, 0.675)
        d48, w48 = range_nodes(lo, hi, 2.12, 0.675, n=48)
        assert d8.size == RANGE_NODES and abs(w8.sum() - 1) < 1e-12
        a, b = w8 @ _cif(model, d8, 2), w48 @ _cif(model, d48, 2)
        assert np.abs(a - b).max() < 1e-5


def test_point_weights_interpolate_exactly_at_nodes_and_linearly_between():
    grid = diameter_grid(1.0, 4.0, ratio=2.0)             # 1, 2, 4
    w = point_weights(np.array([1.0, 2.0, np.sqrt(8.0), 4.0]), grid)
    assert np.allclose(w, [[1, 0, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1]])


def test_weights_tilt_ranges_by_the_nodal_share():
    """A range-censored patient's weights over the diameters are multiplied by the model's
    probability of her nodal count there and renormalised; a measured diameter's are not."""
    cov = PatientCovariates(diameters=np.array([1.0, 2.0]), nodal=np.array([[0, 0], [3, 3]]),
                            base=np.array([[0.5, 0.5], [0.5, 0.5], [0.25, 0.75]]),
                            nodal_index=np.array([0, 1, 1]), interval=np.array([True, True, False]))
    share = np.array([0.9, 0.1, 0.6, 0.4])                  # (diameter, count): P(0|1), P(3|1), P(0|2), P(3|2)
    w = cov.weights(share)
    assert w.shape == (3, 4) and np.allclose(w.sum(axis=1), 1.0)
    assert np.allclose(w[0], [0.9 / 1.5, 0, 0.6 / 1.5, 0])
    assert np.allclose(w[1], [0, 0.1 / 0.5, 0, 0.4 / 0.5])
    assert np.allclose(w[2], [0, 0.25, 0, 0.75])
    sets = cov.sets()
    assert sets["diagnosis.diameter_cm"].tolist() == [1, 1, 2, 2] and sets["nodes.min"].tolist() == [0, 3, 0, 3]


def _data(folder, rows, name="syn"):
    (folder / f"{name}.csv").write_text("\n".join(rows) + "\n")
    (folder / f"{name}.toml").write_text(
        f'[dataset]\nname = "{name}"\nfile = "{name}.csv"\nkind = "individual"\ntitle = "t"\n'
        'citation = "synthetic"\ncohort = "synthetic"\nstatus = "exact"\nlikelihood = "time_to_event"\n')
    return str(folder / f"{name}.csv")


SETUP = """
[fit]
name = "syn"
nodes = {{ mu = 24, rate = 1, diameter = 1 }}
grid_step = 0.25
[model]
name = "exponential_one_organ"
set = {{ {fixed} }}
[[data]]
name = "{data}"
likelihood = "time_to_event"
{extra}
[parameters."organs.bone.efficiency"]
value = 2e-5
min = 1e-8
max = 1e-2
log = true
[parameters."nodes.coupling"]
value = 0.3
min = 0.0
max = 2.0
"""


def test_setup_errors_name_row_and_column(tmp_path):
    data = _data(tmp_path, ["id,time,event,diameter_cm,nodes,size", "1,2.0,censored,1.5,0,small",
                            "2,3.0,distant,abc,1,small", "3,1.0,death,-2,0,big"])

    def problem(extra):
        st = parse_setup(SETUP.format(fixed='"nodes.ratio" = 2e-7', data=data, extra=extra),
                         path=str(tmp_path / "fit.toml"))
        return Objective(st).problems[0]
    with pytest.raises(DataError, match=r"row 3.*diameter_cm|diameter_cm.*row 3"):
        problem('diameter = "diameter_cm"')
    with pytest.raises(DataError, match="no covariate column 'diam'"):
        problem('diameter = "diam"')
    with pytest.raises(DataError, match=r"'big' has no range"):
        problem('diameter = { column = "size", ranges = { small = [0.5, 2.0] } }')
    with pytest.raises(FitError, match="group_by"):
        problem('diameter = { column = "size", ranges = { small = [0.5, 2.0], big = [2.0, 5.0] } }\n'
                'group_by = "size"')
    with pytest.raises(FitError, match=r"groups\.small: with per-patient diameters"):
        problem('diameter = "diameter_cm"\n[data.groups.small]\nset = { "nodes.dispersion" = 1.0 }')
    with pytest.raises(ModelFileError, match="lo .* must be below hi"):
        problem('diameter = { column = "size", ranges = { small = [2.0, 0.5] } }')
    with pytest.raises(ModelFileError, match="nodal_count"):
        problem('nodal = "nodes"\nnodal_count = "count"')


def test_classes_path_unchanged():
    """fits/rotterdam (size classes, no per-patient covariates) still gives its stored log-likelihood
    at its stored estimates (result.json), to 1e-6."""
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "fits" / "rotterdam"
    res = json.loads((folder / "result.json").read_text())
    obj = Objective(load_setup(folder))
    est = {e["name"]: e["value"] for e in res["estimates"]}
    x = np.array([p.to_search(est[p.label]) for p in obj.params])
    assert obj.problems[0].covariates is None
    assert obj.loglik(x) == pytest.approx(res["loglik"], abs=1e-6)


#: the simulated cohort's values (TRUTH fixed in the fits, FREE fitted)
TRUTH = {"organs.bone.rate": 4.0, "diagnosis.diameter_cm": 2.0, "population.diameter_sd": 0.5,
         "population.mu_sd": 1.5, "nodes.ratio": 2e-7, "mortality.hazard": 0.02}
FREE = {"organs.bone.efficiency": 1e-5, "nodes.coupling": 0.6}


def simulated_patients(folder, patients: int = 3000, seed: int = 5, size_classes: bool = False) -> str:
    """A synthetic individual data set (CSV + metadata in ``folder``) from the exact event-level
    simulator at TRUTH and FREE: M0 patients with their own diameter (``diameter_cm``; with
    ``size_classes`` also ``size``: <=2 cm, 2-5 cm, >5 cm) and node count (``nodes``), time to distant
    metastasis, death at 0.02 / year competing, censored at 15 years; returns the CSV path."""
    from metakinetics.stochastic.cohort import simulate_cohort

    c = simulate_cohort(load_model("exponential_one_organ", overrides={**TRUTH, **FREE}), patients, seed=seed,
                        follow_up=15.0)
    keep = c.m0 & (c.nodes <= 60)         # the likelihood conditions on the covariates: dropping by them is fine
    det, death, cen = c.detect[keep, 0], c.death[keep], c.censor[keep]
    t = np.minimum(det, np.minimum(death, cen))
    ev = np.where(det == t, "distant", np.where(death == t, "death", "censored"))
    d = c.diameter[keep]
    size = np.where(d <= 2.0, "<=2cm", np.where(d <= 5.0, "2-5cm", ">5cm"))
    rows = ["id,time,event,diameter_cm,nodes,size"] + [
        f"{i},{ti:.6f},{e},{di:.6f},{n},{s}" for i, (ti, e, di, n, s) in enumerate(zip(t, ev, d, c.nodes[keep], size))]
    return _data(folder, rows, "classes" if size_classes else "syn")


RANGES = 'diameter = { column = "size", ranges = { "<=2cm" = [0.2, 2.0], "2-5cm" = [2.0, 5.0], ">5cm" = [5.0, 15.0] } }'
EXACT = 'nodal = "nodes"\nnodal_count = "exact"'


def per_patient_setup(folder, data: str, diameter: str = 'diameter = "diameter_cm"'):
    """The set-up fitting FREE to ``data`` with per-patient covariates (``diameter``: measured or
    ranges), the other values at TRUTH."""
    fixed = ", ".join(f'"{k}" = {v}' for k, v in TRUTH.items())
    return parse_setup(SETUP.format(fixed=fixed, data=data, extra=f"{diameter}\n{EXACT}"),
                       path=str(folder / "fit.toml"))


def test_recovery_with_per_patient_diameters_and_node_counts(tmp_path):
    """3,000 virtual patients of the exact event-level simulator (each her own diameter at
    diagnosis and her own count of involved nodes, drawn by thinning the shedding process; death at
    0.02 / year; censored at 15 years), M0 at diagnosis, fitted with the per-patient likelihood
    (measured diameter, exact node count): the organ efficiency and the nodal coupling used to
    simulate lie inside the fit's 95% intervals, and the data are far likelier at the truth with
    the patients' own diameters than with every patient at the median diameter."""
    data = simulated_patients(tmp_path)
    res = fit(per_patient_setup(tmp_path, data), curves=False)
    assert res.status == "converged"
    for e in res.estimates:
        assert e.lower <= FREE[e.key] <= e.upper, (e.key, e.lower, FREE[e.key], e.upper)
    own = Objective(per_patient_setup(tmp_path, data))
    text = (tmp_path / "syn.csv").read_text().splitlines()
    flat = [text[0]] + [",".join(r.split(",")[:3] + ["2.0"] + r.split(",")[4:]) for r in text[1:]]
    median = Objective(per_patient_setup(tmp_path, _data(tmp_path, flat, "flat")))
    x = np.array([p.to_search(FREE[p.key]) for p in own.params])
    assert own.loglik(x) > median.loglik(x) + 10


def test_recovery_with_size_classes_as_ranges(tmp_path):
    """The same patients with only a size class each (<= 2, 2-5, > 5 cm): the diameter is
    interval-censored, integrated over the class's range under the cohort's log-normal and the
    model's probability of the patient's node count; the truth lies inside the 95% intervals."""
    data = simulated_patients(tmp_path, size_classes=True)
    st = per_patient_setup(tmp_path, data, RANGES)
    assert Objective(st).problems[0].covariates.needs_share
    res = fit(st, curves=False)
    assert res.status == "converged"
    for e in res.estimates:
        assert e.lower <= FREE[e.key] <= e.upper, (e.key, e.lower, FREE[e.key], e.upper)
