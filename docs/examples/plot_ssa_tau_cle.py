"""
SSA, tau-leaping and the chemical Langevin equation
===================================================

The circulation compartment with constant shedding is an immigration-death process:
cells arrive at rate alpha and clear at rate mu per cell, so from X(0) = 0 the count X(t) is
Poisson with mean (alpha/mu)(1 - exp(-mu t)). Simulate it three ways and compare with that
closed form.
"""
import matplotlib.pyplot as plt
import numpy as np

from metakinetics.stochastic import load_network, simulate

net = load_network("immigration_death")
alpha, mu = dict(net.parameters)["alpha"], dict(net.parameters)["mu"]
times = np.linspace(0.0, 40.0, 41)
exact_mean = alpha / mu * (1 - np.exp(-mu * times))

# %%
# 2,000 paths each, seeded: the exact SSA, Poisson leaps of 0.1, and the CLE with steps of 0.1.
runs = {m: simulate(net, times, 2000, rng=1, method=m, **({"step": 0.1} if m != "ssa" else {}))
        for m in ("ssa", "tau", "cle")}

fig, (ax_mean, ax_sd) = plt.subplots(1, 2, figsize=(9, 3.4))
for m, ens in runs.items():
    ax_mean.plot(times, ens.mean[:, 0], label=m)
    ax_sd.plot(times, ens.sd[:, 0], label=m)
ax_mean.plot(times, exact_mean, "k:", label="exact")
ax_sd.plot(times, np.sqrt(exact_mean), "k:", label="exact (Poisson)")
ax_mean.set(xlabel="time", ylabel="mean X")
ax_sd.set(xlabel="time", ylabel="SD of X")
ax_mean.legend()
fig.tight_layout()

# %%
# Largest deviation of the mean from the closed form, in standard errors of the mean:
for m, ens in runs.items():
    se = np.sqrt(np.maximum(exact_mean, 1e-12) / 2000)
    z = np.abs(ens.mean[1:, 0] - exact_mean[1:]) / se[1:]
    print(f"{m}: max |z| = {z.max():.2f}")
