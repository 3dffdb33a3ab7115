"""The reaction network has constant rates: endocrine therapy is refused by name (SSA, tau, CLE
and SBML export all build it), never silently dropped."""
import pytest

from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.symbolic.model_network import network_from_model


def test_network_refuses_endocrine_therapy_and_builds_without_it():
    model = load_model("exponential_one_organ")
    network_from_model(model.with_values({"treatment.endocrine_years": 5.0}))      # factor 1: nothing to refuse
    for over in ({"treatment.endocrine_wake": 0.5}, {"treatment.endocrine_death": 0.1}):
        with pytest.raises(InputError, match="reaction network: endocrine therapy.*solve"):
            network_from_model(model.with_values({"treatment.endocrine_years": 5.0, **over}))
