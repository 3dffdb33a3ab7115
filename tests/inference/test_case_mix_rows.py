"""A data set fitted as a cohort (issue 11 item 5): ``case_mix`` in a [[data]] table applies the
cohort's values and class shares to its rows and predicts rows without a nodal class of their own
over its nodal mix, by the same combination as ``incidence(..., case_mix=)`` (one path)."""
from __future__ import annotations

import numpy as np
import pytest

import metakinetics as mk
from metakinetics.errors import FitError
from metakinetics.inference.objective import Objective
from metakinetics.inference.problem import parse_setup

from .synthetic_data import write_dataset

MIX = ('[case_mix]\nname = "clinic"\ndescription = "a node-positive-rich cohort"\n[set]\n'
       '"diagnosis.diameter_cm" = 2.4\n[nodes]\nN0 = 0.4\n"N1-3" = 0.3\n"N4-9" = 0.2\n"N10+" = 0.1\n')
SPREAD = '"nodes.ratio" = 4.8e-6, "nodes.coupling" = 0.24, "nodes.dispersion" = 1.4'


def _setup(tmp_path, case_mix: str, extra_rows: str = ""):
    write_dataset(tmp_path, "clinic", "group,organ,endpoint,time,value,denominator,nodes\n"
                  "all,distant,distant,5,0.30,1000,\nall,distant,distant,10,0.40,1000,\n"
                  "all,bone,site_share,10,0.7,400,\nall,distant,distant,10,0.6,300,N4-9\n" + extra_rows, "binomial")
    (tmp_path / "mix.toml").write_text(MIX)
    text = (f'[fit]\nname = "c"\nnodes = 6\n[model]\nname = "breast"\nset = {{ {SPREAD} }}\n'
            f'[[data]]\nname = "clinic.csv"\nlikelihood = "binomial"\ncase_mix = "{case_mix}"\n'
            '[parameters."shedding.mu"]\nmin = 0.01\nmax = 1.0\nlog = true\n')
    (tmp_path / "fit.toml").write_text(text)
    return parse_setup(text, path=str(tmp_path / "fit.toml"))


def test_rows_are_predicted_for_the_cohort_as_incidence_predicts_it(tmp_path):
    obj = Objective(_setup(tmp_path, "mix.toml"))
    x = np.array([np.log(0.08)])                      # shedding.mu = 0.08 on the search scale
    pred = obj.evaluate(x).predictions[0]
    model = mk.load_model("breast").with_values({"nodes.ratio": 4.8e-6, "nodes.coupling": 0.24,
                                                 "nodes.dispersion": 1.4, "shedding.mu": 0.08})
    mix = str(tmp_path / "mix.toml")
    d = mk.incidence(model, "distant", [5.0, 10.0], case_mix=mix, nodes=6).values[:, 0]
    share = mk.incidence(model, "site_share", [10.0], case_mix=mix, nodes=6).values[0, 0]
    n49 = mk.incidence(model.with_values({"diagnosis.diameter_cm": 2.4, "nodes.min": 4, "nodes.max": 9}), "distant",
                       [10.0], nodes=6).values[0, 0]            # a row with its own class: that class, not the mix
    np.testing.assert_allclose(pred, [d[0], d[1], share, n49], rtol=1e-10)


def test_a_data_set_without_a_case_mix_is_refused_by_name(tmp_path):
    with pytest.raises(Exception, match="states no case mix"):
        Objective(_setup(tmp_path, "own"))


def test_individual_patients_take_the_cohorts_values_but_not_a_nodal_mix(tmp_path):
    (tmp_path / "mix.toml").write_text(MIX)
    text = ('[fit]\nname = "c"\nnodes = 4\n[model]\nname = "breast"\n'
            f'[[data]]\nname = "rotterdam"\nlikelihood = "time_to_event"\ncase_mix = "mix.toml"\n'
            '[parameters."shedding.mu"]\nmin = 0.01\nmax = 1.0\nlog = true\n')
    with pytest.raises(FitError, match="individual patients are split by their own nodal class"):
        Objective(parse_setup(text, path=str(tmp_path / "fit.toml")))
