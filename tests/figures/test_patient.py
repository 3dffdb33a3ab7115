"""The patient page: a column per scenario (baseline first), organ curves above and DMFS below, bands
when there are draws, the look-alike range when there is a spread; the caption names what was not used."""
import numpy as np

import metakinetics as mk
from metakinetics.figures.patient import patient_caption, patient_figure


def test_page_layout_bands_and_caption():
    pred = mk.predict("fits/breast", mk.Patient(2.1, 2, "luminal_b", "endocrine", id="Mrs B"),
                      times=np.arange(0.0, 20.5, 2.0), draws=5, seed=2, scenarios=["adjuvant:kill_dormant=0.5"])
    fig = patient_figure(pred)
    axes = fig.axes
    assert len(axes) == 4
    assert [a.get_title() for a in axes[:2]] == ["baseline", pred.scenarios[1]]
    top, bottom = axes[0], axes[2]
    assert len(top.get_lines()) == len(pred.organs) and len(top.collections) == len(pred.organs)   # bands
    assert len(bottom.get_lines()) == 3                      # DMFS and the look-alike 10th / 90th percentile
    np.testing.assert_allclose(bottom.get_lines()[0].get_ydata(), 1 - pred.value("distant"))
    caption = patient_caption(pred)
    assert "Mrs B: 2.1 cm, 2 nodes" in caption and "Not used: nodes" in caption and "5 parameter draws" in caption


def test_a_model_without_spread_has_neither_bands_nor_the_range():
    pred = mk.predict("breast_cohorts", mk.Patient(2.1), times=[0.0, 5.0, 10.0], spread=False)
    fig = patient_figure(pred)
    assert len(fig.axes) == 2 and len(fig.axes[1].get_lines()) == 1 and not fig.axes[0].collections
    assert "No parameter bands" in patient_caption(pred)
