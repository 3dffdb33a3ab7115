"""The result protocol: solve, incidence and simulate return times, columns, values, method and
to_frame(); the frames hold the same numbers."""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.results import Result

pd = pytest.importorskip("pandas")


def test_incidence_result_frame():
    r = mk.incidence("breast", "any", [1.0, 5.0])
    assert isinstance(r, Result)
    f = r.to_frame()
    assert list(f.columns) == ["time", *r.columns]
    np.testing.assert_array_equal(f[list(r.columns)].to_numpy(), r.values)
    mc = mk.incidence("exponential_one_organ", "any", [5.0], method="monte-carlo", patients=2000, seed=1)
    assert list(mc.to_frame().columns) == ["time", "bone", "bone_se"]
    bs = mk.incidence("breast", "by_size", [1.0, 2.0], horizon=5.0).to_frame()
    assert list(bs.columns) == ["diameter_cm", "distant"]


def test_trajectory_frame():
    t = mk.solve("breast", [1.0, 5.0], params={"shedding.mu": [0.05, 0.07]})
    assert isinstance(t, Result) and t.values.shape == (2, 2, len(t.columns))
    f = t.to_frame()
    assert len(f) == 4 and list(f.columns[:2]) == ["set", "time"]
    np.testing.assert_array_equal(f.loc[f["set"] == 1, "C"].to_numpy(), t.C[1])


def test_ensemble_frame():
    e = mk.simulate("p2", [0.0, 1.0], method="ssa", paths=3, seed=2)
    assert isinstance(e, Result) and e.values.shape == (3, 2, len(e.columns))
    f = e.to_frame()
    assert len(f) == 6 and list(f.columns[:2]) == ["path", "time"]
    s = mk.simulate("p2", [0.0, 1.0], paths=3, seed=2, keep_paths=False).to_frame()
    assert f"{e.columns[0]}_sd" in s.columns


def test_simulate_takes_names_like_the_cli():
    a = mk.simulate("breast", [0.0, 1.0], method="tau", paths=2, seed=5, step=0.01)
    b = mk.simulate(mk.load_model("breast"), [0.0, 1.0], method="tau", paths=2, seed=5, step=0.01)
    np.testing.assert_array_equal(a.values, b.values)
    with pytest.raises(mk.InputError, match="paths must be"):
        mk.simulate("breast", [0.0, 1.0], paths=0)
