"""The brain-lag figure (metastasis-to-metastasis seeding): drawn, captioned, numbers consistent."""
import numpy as np

from metakinetics.figures.secondary import brain_lag_figure, brain_lags
from metakinetics.figures.style import save
from metakinetics.model import load_model


def test_brain_lag_figure_is_drawn_and_captioned(tmp_path):
    model = load_model("breast")
    fig, caption = brain_lag_figure(model, 1e8, patients=20_000, seed=3, horizon=15.0)
    paths = save(fig, tmp_path, "brain_lag", ("png",), caption)
    assert all(p.exists() for p in paths)
    assert "Median lag" in caption and "20,000" in caption
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("years from first detected metastasis")


def test_seeding_shortens_the_lag_to_brain():
    model = load_model("breast")
    on = model.with_values({**{f"organs.{o}.secondary_shedding": 1e8 for o in model.organ_names},
                            "shedding.secondary_gamma": 2 / 3})
    a = brain_lags(model, "off", patients=20_000, seed=4, horizon=15.0)
    b = brain_lags(on, "on", patients=20_000, seed=4, horizon=15.0)
    # same seed: the primary's colonies are the same draws, and with one detection delay for every
    # organ a daughter is always detected after its mother, so the first relapse is unchanged
    assert a.relapsed == b.relapsed
    assert b.median < 0.5 * a.median and b.brain_share > a.brain_share and b.multi_3m > a.multi_3m
    assert np.all(b.lags >= 0)
