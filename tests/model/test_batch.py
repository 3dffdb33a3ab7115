"""Parameter batches: overrides broadcast to (P,), diameters convert to cells, bad keys are named."""
import numpy as np
import pytest

from metakinetics import InputError, load_model
from metakinetics.model.batch import broadcast
from metakinetics.units import diameter_to_cells


def test_broadcast_and_defaults():
    m = load_model("breast")
    b = broadcast(m, {"shedding.mu": [0.1, 0.2, 0.3], "organs.bone.efficiency": 1e-6})
    assert b.P == 3
    np.testing.assert_array_equal(b.get("shedding.mu"), [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(b.get("circulation.clearance"), [m.circulation.clearance] * 3)
    eff = b.organ("efficiency")
    assert eff.shape == (3, 4) and np.all(eff[:, 0] == 1e-6) and np.all(eff[:, 1] == m.organ("lung").efficiency)
    np.testing.assert_allclose(b.size(), m.diagnosis.size)


def test_diameter_override_is_converted():
    b = broadcast(load_model("breast"), {"diagnosis.diameter_cm": [1.0, 3.0]})
    np.testing.assert_allclose(b.size(), diameter_to_cells(np.array([1.0, 3.0])))


@pytest.mark.parametrize("params, message", [
    ({"shedding.muu": 1.0}, "did you mean 'shedding.mu'"),
    ({"shedding.mu": [[1.0]]}, "1-D array"),
    ({"shedding.mu": [1.0, np.inf]}, "non-finite"),
    ({"shedding.mu": "a lot"}, "must be numbers"),
    ({"shedding.mu": [1.0, 2.0], "primary.rate": [0.1, 0.2, 0.3]}, "do not broadcast"),
    ({"diagnosis.size": 1e9, "diagnosis.diameter_cm": 1.0}, "not both"),
    ({"shedding.mu": [0.1, -0.2]}, "shedding.mu must be positive, found -0.2"),
    ({"organs.bone.efficiency": 1.5}, "must be a probability"),
    ({"organs.bone.wake": -1.0}, "must be zero or positive"),
])
def test_bad_overrides(params, message):
    with pytest.raises(InputError, match=message):
        broadcast(load_model("breast"), params)


def test_population_incidence_rejects_bad_scalar_override():
    from metakinetics.population import incidence

    with pytest.raises(InputError, match="shedding.mu must be positive"):
        incidence(load_model("breast"), "any", [1.0], params={"shedding.mu": -0.2})
