"""Do the data support a bone-marrow reservoir that feeds cells back into the blood after surgery?

Issue 10 item 5. Rack et al. 2014 (SUCCESS, 2,026 patients) found >= 1 CTC in 23-30 mL of blood in
21.5% of patients weeks *after* surgery, before chemotherapy; the model's CTCs clear within hours of
surgery (kappa = 4000/yr). A reservoir of the model's own dormant bone-marrow cells releasing each
cell back into the blood at rate rho (1/yr) gives C(t) = rho D_bone / kappa after surgery. This script
finds the rho that reproduces Rack's 21.5% in the default fit's M0 population (Monte Carlo over the
random effects, 2e5 patients, seed 1) and compares it with the dormancy the incidence curves need.
Run: python fits/breast/analyses/marrow_reservoir.py (prints Markdown; about 10 s).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from metakinetics.incidence import colony_counts, founded
from metakinetics.model import load_model
from metakinetics.model.params import broadcast, resolve
from metakinetics.population.ctc import mean_ctc
from metakinetics.population.effects import DIMENSIONS
from metakinetics.population.engine import Expectation, node_patients, spreads
from metakinetics.units import BLOOD_VOLUME_ML

RACK_POSITIVE, RACK_ML = 0.215, 26.5      # Rack 2014: 435/2026 with >= 1 CTC in 23-30 mL after surgery
PATIENTS, SEED = 200_000, 1


def main() -> None:
    model = load_model("breast")
    _, given = broadcast(model, None)
    base = resolve(model, None)
    sd = spreads(model, 1, given, False)
    sc = Expectation(None, PATIENTS, SEED, False).scores({k: bool(sd[k][0] > 0) for k in DIMENSIONS})
    pat, mu = node_patients(base, np.zeros(1, dtype=np.intp), sc, sd)
    mu = mu[:, 0]
    t_s = pat.surgery_time()
    K = len(pat.organs)
    _, phi = founded(pat, t_s[:, None, None] * np.ones((1, 1, K)), closed=False)
    dormant = mu[:, None] * phi[:, 0, :] / (pat.eps * pat.wake)        # dormant cells at surgery (P, K)
    M0, _ = colony_counts(pat, pat.diagnosis_time()[:, None], closed=False, rates=False)
    w = np.exp(-mu * M0[:, 0].sum(axis=1))                               # M0 selection
    w /= w.sum()
    kappa = float(pat.kappa[0])
    bone = dormant[:, 0]

    def positivity(rho: float) -> float:
        return float((w * -np.expm1(-rho * bone / kappa * RACK_ML / BLOOD_VOLUME_ML)).sum())

    rho = brentq(lambda r: positivity(r) - RACK_POSITIVE, 1e-6, 1e6)
    ctc_dx = mu * mean_ctc(pat, 0.0)
    at_dx = float((w * -np.expm1(-ctc_dx * RACK_ML / BLOOD_VOLUME_ML)).sum())
    f = pat.f[0]
    visceral = f[1:].sum()
    print("| quantity | value |\n| --- | --- |")
    print(f"| dormant bone-marrow cells at surgery (M0 mean; median) | {(w * bone).sum():.3g}; {np.median(bone):.3g} |")
    print(f"| model CTC positivity in {RACK_ML} mL at diagnosis (no reservoir; after surgery it is ~0) | {at_dx:.3f} |")
    print(f"| release rate rho reproducing Rack's {RACK_POSITIVE} after surgery | {rho:.3g} /yr (mean marrow stay {365.25 / rho:.0f} days) |")
    print(f"| the model's wake rate (dormancy the incidence curves need) | {pat.wake[0, 0]:.3g} /yr (mean {1 / pat.wake[0, 0]:.0f} years) |")
    print(f"| share of released cells re-arresting in lung, liver, brain | {visceral:.3f} |")
    print(f"| visceral dormant cells gained over the reservoir's life / visceral pool at surgery | "
          f"{(w * bone).sum() * visceral / (1 - f[0]) / (w * dormant[:, 1:].sum(axis=1)).sum():.3f} |")


if __name__ == "__main__":
    main()
