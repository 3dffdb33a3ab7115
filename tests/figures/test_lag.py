"""The lag figure: several labelled curves (e.g. with and without death after relapse; secondary
seeding is added later as one more curve), medians consistent with the CDFs, captioned in the set."""
import math

import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.figures.figure_set import render_figure_set
from metakinetics.figures.lag import lag_curves, lag_figure, lag_median
from metakinetics.model import load_model


def test_lag_median_interpolates_the_half_point():
    lags = np.array([0.0, 1.0, 2.0, 3.0])
    assert lag_median(lags, np.array([0.0, 0.2, 0.6, 1.0])) == pytest.approx(1.75)
    assert math.isnan(lag_median(lags, np.array([0.0, 0.1, 0.2, 0.3])))


def test_lag_figure_draws_several_curves_and_death_shortens_the_lag(tmp_path):
    m = load_model("breast")
    curves = {"no death": m, "nu 3/y": m.with_values({"mortality.after_relapse": 3.0}),
              "nu 0.5/y": m.with_values({"mortality.after_relapse": 0.5})}
    nodes = {"mu": 6, "rate": 3, "diameter": 3}
    data = lag_curves(curves, points=6, within=5.0, nodes=nodes)
    med = {k: lag_median(*v) for k, v in data.items()}
    assert med["nu 3/y"] < med["nu 0.5/y"] < med["no death"]     # dying early removes the late organs
    fig = lag_figure(curves, points=6, within=5.0, nodes=nodes)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() in ("-", "--", ":")]
    assert len(fig.axes[0].get_legend().get_texts()) == 3 and lines
    fig.savefig(tmp_path / "lag.png")
    assert (tmp_path / "lag.png").stat().st_size > 10_000
    with pytest.raises(InputError, match="at least one curve"):
        lag_figure({})
    with pytest.raises(InputError, match="organ 'bones' is not in model"):
        lag_curves({"x": m}, "bones")


def test_lag_figure_in_the_model_figure_set_is_captioned(tmp_path):
    figs = render_figure_set("breast", tmp_path, ("png",), only=["lag"])
    assert [f.name for f in figs] == ["lag"]
    caption = (tmp_path / "lag.txt").read_text()
    assert "death after relapse" in caption and "Kennecke 2010" in caption and "model breast" in caption
