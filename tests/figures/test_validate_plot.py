"""validate.png from a validation's dict (no refit): one panel per left-out data set with rows, a
panel with the reason for one without rows; nothing registered with pyplot."""
from __future__ import annotations

import io

from metakinetics.figures.validate_plot import plot_validation


def _row(label, observed, inside):
    return {"dataset": "a", "label": label, "observed": observed, "predicted": 0.2, "low": 0.15, "high": 0.25,
            "inside": inside}


def test_one_panel_per_data_set_with_rows_and_reasons():
    v = {"name": "toy", "level": 0.95, "target": 0.8, "n_rows": 2, "n_inside": 1, "share_inside": 0.5,
         "datasets": [{"label": "a", "status": "validated", "fixed": {}, "reason": "",
                       "rows": [_row("bone any 12 y", 0.21, True), _row("brain any 12 y", 0.4, False)]},
                      {"label": "b", "status": "not validated", "fixed": {"shedding.mu": 0.06}, "reason": "individual",
                       "rows": []}]}
    fig = plot_validation(v)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2          # the data set without rows: a panel saying why
    assert "individual" in [t.get_text() for t in visible[1].texts]
    assert "fixed at full fit: shedding.mu" in visible[1].get_title()
    assert "1 of 2 rows (50%; target 80%)" in fig._suptitle.get_text()
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["bone any 12 y", "brain any 12 y"]
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
    import matplotlib.pyplot as plt
    assert plt.get_fignums() == []
