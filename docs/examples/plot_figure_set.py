"""
A figure set
============

The figures ``metakinetics figures`` draws, from the figure functions of
:mod:`metakinetics.figures`: population incidence by organ, the compartments of a typical patient,
and organotropism. ``render_figure_set`` saves them with a caption file each.
"""
import tempfile

import metakinetics as mk
from metakinetics.figures import render_figure_set
from metakinetics.figures.incidence import incidence_figure
from metakinetics.figures.organotropism import organotropism_figure
from metakinetics.figures.trajectories import trajectory_figure

model = mk.load_model("breast")

# %%
# Population incidence among M0 patients, by endpoint and organ.
fig = incidence_figure(model, points=21, nodes=12)

# %%
# Expected compartments of the typical patient, before and after surgery.
fig = trajectory_figure(model, points=200)

# %%
# Each organ's share of colonies beside its share of blood flow.
fig = organotropism_figure(model)

# %%
# Saved as files with captions (here PNG only, into a temporary folder).
out = tempfile.mkdtemp()
for f in render_figure_set(model, out, only=["organotropism"]):
    print(f.name, [p.name for p in f.paths])
    print(f.caption)
