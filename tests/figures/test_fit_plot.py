"""The data-vs-fit figure carries confidence bands of the fitted curves: drawn on every axes with
a fitted curve, computed in inference (``inference.fit_bands``, batched over draws: a zero-width
covariance reproduces the stored curves exactly), seeded, and refused with a clear error when the
set-up cannot be found."""
from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from metakinetics.errors import FitError  # noqa: E402
from metakinetics.figures.fit_plot import plot_fit  # noqa: E402
from metakinetics.inference import fit_bands, read_result  # noqa: E402

FITS = Path(__file__).resolve().parents[2] / "fits"
# few draws: these tests check the drawing and the plumbing, not the band's sampling accuracy
DRAWS = 12


def _result(name):
    path = FITS / name / "result.json"
    if not path.is_file():
        pytest.skip(f"fits/{name}/result.json not present")
    return read_result(path)


def _fitted(ax):
    """Fitted curves of an axes: lines of >= 8 points (data are points and 2-point interval bars)
    that are not the step plots of the Aalen-Johansen estimates."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) >= 8 and not ln.get_drawstyle().startswith("steps")]


def _curve_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and _fitted(ax)]


@pytest.mark.parametrize("name", ["breast", "rotterdam"])
def test_every_fitted_curve_has_a_shaded_band(name):
    fig = plot_fit(_result(name), draws=DRAWS, seed=3, directory=FITS / name)
    try:
        axes = _curve_axes(fig)
        assert axes, "no fitted curve drawn"
        for ax in axes:
            polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
            n_curves = len(_fitted(ax))
            assert len(polys) >= n_curves, (ax.get_title(), len(polys), n_curves)
            # a band is a real area: its vertices span a positive height somewhere
            verts = np.concatenate([p.get_paths()[0].vertices for p in polys])
            assert np.ptp(verts[:, 1]) > 0
        assert "95% band" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_no_band_when_asked():
    fig = plot_fit(_result("breast"), band=False)
    try:
        assert not any(isinstance(c, PolyCollection) for ax in fig.axes for c in ax.collections)
    finally:
        plt.close(fig)


def test_zero_uncertainty_band_is_the_stored_fitted_curve():
    """With a zero covariance each draw is the estimate, so the band collapses onto the curves
    stored in result.json (at the band's points, every other point of the curve): the batched
    prediction equals the fit's own (agreement to 1e-9 relative: the margin is only for
    summation-order noise)."""
    res = _result("breast")
    p = len(res.estimates)
    zero = replace(res, covariance=tuple((0.0,) * p for _ in range(p)))
    bands = fit_bands(zero, draws=3, seed=0, directory=FITS / "breast")
    assert bands.method == "covariance" and bands.failed == 0
    n = 0
    for d, b in zip(res.datasets, bands.datasets):
        if b["kind"] == "curves":
            for cv, bc in zip(d.get("curves", []), b["curves"]):
                at = np.searchsorted(cv["x"], bc["x"])
                np.testing.assert_array_equal(np.asarray(cv["x"])[at], bc["x"])
                assert bc["x"][0] == cv["x"][0] and bc["x"][-1] == cv["x"][-1]
                for organ, y in cv["y"].items():
                    np.testing.assert_allclose(bc["lo"][organ], np.asarray(y)[at], rtol=1e-9, atol=1e-15)
                    np.testing.assert_allclose(bc["hi"][organ], np.asarray(y)[at], rtol=1e-9, atol=1e-15)
                    n += 1
        if "lo" in b:
            pred = [r["predicted"] for r in d["rows"]]
            np.testing.assert_allclose(b["lo"], pred, rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose(b["hi"], pred, rtol=1e-9, atol=1e-15)
    assert n >= 5  # hess2013: distant + 4 organs, pan2017: two landmark curves


def test_bands_are_seeded_and_bracket_the_fit():
    res = _result("breast")
    a = fit_bands(res, draws=DRAWS, seed=7, directory=FITS / "breast")
    b = fit_bands(res, draws=DRAWS, seed=7, directory=FITS / "breast")
    c = fit_bands(res, draws=DRAWS, seed=8, directory=FITS / "breast")
    assert a == b and a != c
    cv = res.datasets[0]["curves"][0]
    organ = next(iter(cv["y"]))
    lo, hi = np.array(a.datasets[0]["curves"][0]["lo"][organ]), np.array(a.datasets[0]["curves"][0]["hi"][organ])
    assert np.all(hi >= lo) and np.any(hi - lo > 0)
    # the fitted (distant) curve lies inside its band away from t ~ 0, where all draws are ~0; the
    # band is a percentile range of draws centred on the estimate, so the estimate falls inside it
    # unless the prediction is strongly skewed, which it is not at these small standard errors
    y = np.array(cv["y"][organ])[np.searchsorted(cv["x"], a.datasets[0]["curves"][0]["x"])]
    inside = (y >= lo - 1e-12) & (y <= hi + 1e-12)
    assert inside.mean() > 0.9
    assert "12 parameter sets" in a.caption() and "seed 7" in a.caption() and "covariance" in a.caption()


def test_missing_setup_is_a_clear_error(tmp_path):
    res = replace(_result("breast"), name="no_such_fit", setup_path=str(tmp_path / "gone" / "fit.toml"))
    with pytest.raises(FitError, match="cannot find its set-up"):
        plot_fit(res, draws=3)


@pytest.mark.parametrize("name, competing", [("rotterdam", True), ("gse2034", False)])
def test_death_competing_only_with_a_death_hazard(name, competing):
    """Rotterdam's fit has a death hazard; GSE2034's has none (no deaths recorded), so its axis
    must not say that death competes."""
    fig = plot_fit(_result(name), band=False)
    try:
        labels = [ax.get_ylabel() for ax in fig.axes if ax.get_visible() and ax.get_xlabel() == "years after surgery"]
        assert labels and all(lab.startswith("cumulative incidence") for lab in labels)
        assert all(("death competing" in lab) is competing for lab in labels)
    finally:
        plt.close(fig)
