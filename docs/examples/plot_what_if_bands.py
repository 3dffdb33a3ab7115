"""
A what-if with uncertainty bands
================================

Compare scenarios (operate three months later, an adjuvant drug that kills half the dormant
cells, a bone-protecting drug) against the baseline of the default fit, with 95% bands from
parameter draws of the fit's covariance, and draw the comparison figure.
"""
import metakinetics as mk
from metakinetics.figures.scenarios import scenario_figure
from metakinetics.inference import resolve_setup_path

fit_dir = resolve_setup_path("breast").parent  # the default fit (fits/breast), from any directory

# %%
# 20 draws keep the example fast; an analysis would use 200 or more (``--draws 200``), on
# several workers or a Dask cluster (``workers=``, ``executor=``), with the same numbers.
comparison = mk.compare(fit_dir, ["surgery_delay=0.25", "adjuvant:kill_dormant=0.5",
                                        "organ_drug:bone=0.619"],
                        endpoint="any", times=range(0, 21, 2), draws=20, seed=1)
print(comparison.names)

# %%
# The table: one row per scenario, organ and time, with the estimate, its band and the
# difference from the baseline.
table = comparison.table
print(comparison.to_csv()[:800])

# %%
fig = scenario_figure(comparison)
