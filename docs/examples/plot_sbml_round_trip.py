"""
An SBML round trip
==================

Write a reaction network as SBML (for COPASI, Tellurium or libRoadRunner), read it back, and
check that the network read back simulates exactly like the original (same seed, same paths).
Needs the ``sbml`` extra (python-libsbml).
"""
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import metakinetics as mk
from metakinetics.interop import read_sbml, save_sbml, write_sbml
from metakinetics.stochastic import load_network, ssa

net = load_network("immigration_death")
path = Path(tempfile.mkdtemp()) / "immigration_death.xml"
save_sbml(net, path)
print(path.read_text()[:600], "...")

# %%
# Read back and simulate both with the same seed.
back = read_sbml(path)
times = np.linspace(0, 30, 31)
a = ssa(net, times, 500, rng=7)
b = ssa(back, times, 500, rng=7)
print("identical paths:", np.array_equal(a.paths, b.paths))

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(times, a.paths[:20, :, 0].T, color="0.7", lw=0.8)
ax.plot(times, a.mean[:, 0], label="original: mean of 500 paths")
ax.plot(times, b.mean[:, 0], "--", label="read back from SBML")
ax.set(xlabel="time", ylabel="X")
ax.legend()

# %%
# A whole metastasis model becomes SBML too: its shedding as an assignment rule in time and
# surgery as a time event.
text = write_sbml(mk.load_model("breast"))
print(len(text), "characters;", text.count("<reaction "), "reactions;", text.count("<event "), "events")
