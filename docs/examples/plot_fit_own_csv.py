"""
Fit your own CSV
================

Write incidence data in the documented CSV format, describe the fit in a ``fit.toml`` set-up, fit
it with :func:`metakinetics.fit`, and look at the estimates and the data-versus-fit figure.

The data here are made by the model itself with a known bone efficiency, so the fit must find it
again; with real data the CSV holds published proportions (``docs/data_format.md``).
"""
import tempfile
from pathlib import Path

import metakinetics as mk
from metakinetics.figures.fit_plot import plot_fit

# %%
# Data: bone and lung involvement at 2, 5 and 10 years among 2,000 patients per row, from the
# default model with the bone efficiency doubled (the "truth" the fit should recover).
model = mk.load_model("breast")
truth = 2 * model.get("organs.bone.efficiency")
times = [2.0, 5.0, 10.0]
r = mk.incidence(model.with_values({"organs.bone.efficiency": truth}), "any", times=times, nodes=12)
folder = Path(tempfile.mkdtemp())
lines = ["group,organ,endpoint,time,value,denominator"]
for j, organ in enumerate(r.columns):
    if organ in ("bone", "lung"):
        lines += [f"all,{organ},any,{t:g},{r.values[i, j]:.6f},2000" for i, t in enumerate(times)]
(folder / "mine.csv").write_text("\n".join(lines) + "\n")
print((folder / "mine.csv").read_text())

# %%
# The set-up: the bundled breast model, the CSV with a binomial likelihood, one free parameter
# (searched on the log scale) and a coarse quadrature so that the example runs in seconds.
(folder / "fit.toml").write_text("""
[fit]
name = "mine"
seed = 1
nodes = { mu = 12, rate = 4, diameter = 4 }

[model]
name = "breast"

[[data]]
name = "mine.csv"
likelihood = "binomial"

[parameters."organs.bone.efficiency"]
value = 1e-5
min = 1e-9
max = 1e-2
log = true
""")
result = mk.fit(folder)
e = result.estimate("organs.bone.efficiency")
print(f"{result.status}: bone efficiency {e.value:.4g} (95% {e.lower:.4g} to {e.upper:.4g}); truth {truth:.4g}")
print(f"log L = {result.loglik:.3f}, AIC = {result.aic:.2f}")

# %%
# The fit figure of :mod:`metakinetics.figures` (the same one ``metakinetics fit`` writes), with a
# 95% band from 30 parameter draws of the fit's uncertainty (the CLI uses 200).
fig = plot_fit(result, draws=30, setup=folder / "fit.toml")
