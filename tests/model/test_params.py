"""The one resolver: overrides broadcast to (P,), diameters convert to cells, bad keys and values are named."""
import numpy as np
import pytest

from metakinetics import InputError, load_model
from metakinetics.model.params import resolve
from metakinetics.units import diameter_to_cells


def test_broadcast_and_defaults():
    m = load_model("breast")
    p = resolve(m, {"shedding.mu": [0.1, 0.2, 0.3], "organs.bone.efficiency": 1e-6})
    assert p.n == 3
    np.testing.assert_array_equal(p.mu, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(p.kappa, [m.circulation.clearance] * 3)
    assert p.eps.shape == (3, 4) and np.all(p.eps[:, 0] == 1e-6) and np.all(p.eps[:, 1] == m.organ("lung").efficiency)
    np.testing.assert_allclose(p.size, m.diagnosis.size)


def test_diameter_override_is_converted():
    p = resolve(load_model("breast"), {"diagnosis.diameter_cm": [1.0, 3.0]})
    np.testing.assert_allclose(p.size, diameter_to_cells(np.array([1.0, 3.0])))


@pytest.mark.parametrize("params, message", [
    ({"shedding.muu": 1.0}, "did you mean 'shedding.mu'"),
    ({"shedding.mu": [[1.0]]}, "1-D array"),
    ({"shedding.mu": [1.0, np.inf]}, "shedding.mu must be a finite number .parameter set 1."),
    ({"shedding.mu": "a lot"}, "must be numbers"),
    ({"shedding.mu": [1.0, 2.0], "primary.rate": [0.1, 0.2, 0.3]}, "do not broadcast"),
    ({"diagnosis.size": 1e9, "diagnosis.diameter_cm": 1.0}, "not both"),
    ({"shedding.mu": [0.1, -0.2]}, "shedding.mu must be positive, found -0.2"),
    ({"organs.bone.efficiency": 1.5}, "must be a probability"),
    ({"organs.bone.wake": -1.0}, "must be zero or positive"),
    ({"diagnosis.diameter_cm": [1.0, 1e5]}, "diagnosis.size .* carrying capacity .*parameter set 1"),
    ({"organs.bone.arrest_fraction": 0.9}, "arrest fractions sum to"),
    ({"shedding.gamma": 2.5}, "shedding.gamma exponent must be in"),
])
def test_bad_overrides(params, message):
    with pytest.raises(InputError, match=message):
        resolve(load_model("breast"), params)


def test_the_loader_and_overrides_share_the_rules(tmp_path):
    """A value the file loader refuses is refused as an override with the same reason."""
    from metakinetics import ModelFileError
    from metakinetics.model import dump_toml

    m = load_model("breast")
    text = dump_toml(m).replace("arrest_fraction = 0.2\n", "arrest_fraction = 0.9\n", 1)
    assert text != dump_toml(m)
    (tmp_path / "m.toml").write_text(text)
    with pytest.raises(ModelFileError, match="arrest fractions sum to"):
        load_model(tmp_path / "m.toml")
    with pytest.raises(ModelFileError, match="arrest fractions sum to"):
        m.with_values({"organs.lung.arrest_fraction": 0.9})
    with pytest.raises(InputError, match="arrest fractions sum to"):
        resolve(m, {"organs.lung.arrest_fraction": 0.9})


def test_population_incidence_rejects_bad_scalar_override():
    from metakinetics.population import incidence

    with pytest.raises(InputError, match="shedding.mu must be positive"):
        incidence(load_model("breast"), "any", [1.0], params={"shedding.mu": -0.2})
