"""Seeding with death after relapse in a model with intrinsic classes: each class has its own nu
(classes.<c>.mortality.after_relapse), and each class's value in the mixture is that of the class
alone (Model.of_class), exactly: the engine evaluates the classes as parameter sets of their own."""
import numpy as np

from metakinetics.model import load_model
from metakinetics.population import incidence


def test_per_class_death_after_relapse_with_seeding():
    m = load_model("breast_subtypes")
    m = m.with_values({**{f"organs.{o}.secondary_shedding": 1e4 for o in m.organ_names}, "mortality.hazard": 0.03,
                       "mortality.after_relapse": 1.0, "classes.her2_enriched.mortality.after_relapse": 3.0})
    t = np.array([3.0, 8.0])
    r = incidence(m, "site_share", t, individual=True, by_class=True)
    for c in ("luminal_a", "her2_enriched"):
        alone = incidence(m.of_class(c), "site_share", t, individual=True).values
        assert np.array_equal(r.by_class[c].values, alone)
    # her2_enriched (nu = 3/year) finds fewer second organs alive than with the default nu = 1/year
    slow = incidence(m.with_values({"classes.her2_enriched.mortality.after_relapse": 1.0}).of_class("her2_enriched"),
                     "site_share", t, individual=True).values
    assert r.by_class["her2_enriched"].values[-1, 1:].sum() < slow[-1, 1:].sum()
