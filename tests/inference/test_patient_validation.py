"""Patient-level cross-validation (metakinetics.inference.patient_validation): calibration by decile,
the Cox model's crude risk against its closed form, and a small end-to-end run on simulated patients."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("lifelines", reason="patient validation needs the optional extra metakinetics[validation]")
pytest.importorskip("sksurv", reason="patient validation needs the optional extra metakinetics[validation]")

from metakinetics.errors import InputError  # noqa: E402
from metakinetics.inference.patient_validation import calibration, cox_risk, validate_patients  # noqa: E402
from metakinetics.inference.problem import DataSpec, Problem  # noqa: E402
from metakinetics.inference.likelihood import CensoredTimeToEvent  # noqa: E402

from .test_covariates import per_patient_setup, simulated_patients  # noqa: E402


def _exponential(n, seed, death=0.0):
    """Times to distant metastasis at rate lam_i = 0.02 x 3^x (x ~ U(0, 2)), death at ``death`` / year
    competing, censored at 12 years: codes 1, 2, 0."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2, n)
    lam = 0.02 * 3.0 ** x
    t1 = rng.exponential(1 / lam)
    t2 = rng.exponential(1 / death, n) if death > 0 else np.full(n, np.inf)
    t = np.minimum(np.minimum(t1, t2), 12.0)
    code = np.where(t1 == t, 1, np.where(t2 == t, 2, 0))
    return x, lam, t, code


def test_calibration_slope_of_true_risks_is_one():
    """True risks against the Aalen-Johansen estimate by decile: slope 1 within 0.1 (20,000 patients:
    each decile's estimate has SE ~0.01 over a spread of ~0.3) and intercept 0 within 0.03; risks
    halved on the logit-free scale (predicted / 2) have slope 2 within 0.2."""
    x, lam, t, code = _exponential(20_000, 1)
    true = 1 - np.exp(-lam * 5.0)
    cal = calibration(t, code, true, 5.0)
    assert cal["slope"] == pytest.approx(1.0, abs=0.1) and abs(cal["intercept"]) < 0.03
    assert sum(cal["patients"]) == 20_000 and len(cal["predicted"]) == 10
    assert cal["ratio"] == pytest.approx(1.0, abs=0.03)
    assert calibration(t, code, true / 2, 5.0)["slope"] == pytest.approx(2.0, abs=0.2)


def test_calibration_groups_never_split_equal_predictions():
    """Predictions that take few values (one binary covariate: fits/gse2034) form groups of whole
    values, not deciles cut through tied patients in file order; with two groups the slope is not
    defined."""
    x, lam, t, code = _exponential(4_000, 3)
    two = np.where(x > 1, 0.4, 0.2)                    # two distinct predictions
    cal = calibration(t, code, two, 5.0)
    assert sorted(cal["predicted"]) == pytest.approx([0.2, 0.4]) and sum(cal["patients"]) == 4_000
    assert np.isnan(cal["slope"]) and np.isnan(cal["intercept"])
    few = np.round(1 - np.exp(-lam * 5.0), 1)           # a handful of values, unequal counts
    cal = calibration(t, code, few, 5.0)
    _, counts = np.unique(few, return_counts=True)
    # every group boundary is a boundary between values: the groups' cumulative counts are among the values'
    assert set(np.cumsum(cal["patients"]).tolist()) <= set(np.cumsum(counts).tolist())
    assert 3 <= len(cal["predicted"]) <= counts.size and not np.isnan(cal["slope"])


def test_cox_crude_risk_matches_the_closed_form():
    """Cause-specific Cox models of data with proportional exponential hazards (distant at
    0.02 x 3^x, death at 0.03 / year) give the crude risk lam / (lam + h) (1 - exp(-(lam + h) tau)):
    within 0.015 at 5 and 10 years (10,000 patients; Breslow baselines, SE of a risk ~0.005)."""
    x, lam, t, code = _exponential(10_000, 2, death=0.03)
    cause = np.where(code == 1, 0, np.where(code == 2, CensoredTimeToEvent.DEATH, CensoredTimeToEvent.CENSORED))
    prob = Problem(spec=DataSpec(name="x"), data=None,
                   likelihood=CensoredTimeToEvent(time=t, cause=cause, group=np.zeros(t.size, dtype=int)))
    train = np.ones(t.size, dtype=bool)
    X = x[:, None]
    got = cox_risk(X, prob, train, np.array([[0.0], [1.0], [2.0]]), (5.0, 10.0), ["x"])
    for i, xi in enumerate((0.0, 1.0, 2.0)):
        a = 0.02 * 3.0 ** xi + 0.03
        want = [0.02 * 3.0 ** xi / a * (1 - np.exp(-a * tau)) for tau in (5.0, 10.0)]
        assert got[i] == pytest.approx(want, abs=0.015)


def test_validate_patients_end_to_end(tmp_path):
    """Two folds on 1,000 simulated patients: every patient held out once with both methods' risks,
    folds fixed by the seed, risks rising with the horizon, C indices above chance (node counts and
    diameters carry the risk in the simulation), the report's JSON and CSV complete."""
    data = simulated_patients(tmp_path, patients=1000)
    st = per_patient_setup(tmp_path, data)
    v = validate_patients(st, folds=2, seed=4)
    assert len(v.patients) == len({p["row"] for p in v.patients}) and {p["fold"] for p in v.patients} == {0, 1}
    for m in ("model", "cox"):
        r5 = np.array([p[f"{m}_risk_5y"] for p in v.patients])
        r10 = np.array([p[f"{m}_risk_10y"] for p in v.patients])
        assert np.all((r5 >= 0) & (r5 <= r10 + 1e-12) & (r10 <= 1))
        for tau in ("5", "10"):
            assert v.metrics[m][tau]["harrell"] > 0.55 and v.metrics[m][tau]["harrell_se"] > 0
    assert [r["status"] for r in v.refits] == ["converged", "converged"]
    d = json.loads(v.to_json())
    assert set(d["verdict"]) == {"5", "10"} and d["anchor"]["c_index"] == 0.65
    assert v.to_csv().count("\n") == len(v.patients) + 1
    again = validate_patients(st, folds=2, seed=4)
    assert [p["fold"] for p in again.patients] == [p["fold"] for p in v.patients]
    # an undefined slope (too few groups of distinct predictions) is written as null, strict JSON
    v.metrics["model"]["5"]["calibration"]["slope"] = float("nan")
    strict = json.loads(v.to_json(), parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert strict["metrics"]["model"]["5"]["calibration"]["slope"] is None


def test_bad_options_are_one_line_errors(tmp_path):
    data = simulated_patients(tmp_path, patients=200)
    st = per_patient_setup(tmp_path, data)
    with pytest.raises(InputError, match="--folds"):
        validate_patients(st, folds=1)
    with pytest.raises(InputError, match="horizon 40 y is beyond"):
        validate_patients(st, horizons=(5.0, 40.0))
    with pytest.raises(InputError, match="individual patients"):
        validate_patients(st, "gse2034_summary")
