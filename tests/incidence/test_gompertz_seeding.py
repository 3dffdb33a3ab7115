"""First-generation Lambda(c) with Gompertz colonies (incidence.secondary with the tabulated kernel
of model.colony_tables): the table path on an exponential model = the closed form; a finer table
changes nothing; the saturation shortcut is a true bound; later generations are refused by name."""
import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.incidence import secondary as sec
from metakinetics.model import colony_tables, load_model
from metakinetics.model.chain import regularised
from metakinetics.model.colony_shedding import tabulated_kernel
from metakinetics.model.colony_tables import crossing
from metakinetics.model.params import resolve
from metakinetics.population.incidence import incidence

HUB = load_model("tests/incidence/gompertz_hub.toml")
TWO = load_model("tests/incidence/exp_two_organs.toml").with_values(
    {"treatment.kill_colony": 0.0, "organs.bone.secondary_shedding": 1e3, "organs.liver.secondary_shedding": 1e3})
TIMES = np.array([3.0, 6.0, 10.0, 15.0])


def _lambda(pat, u, grad=False):
    tdx = pat.diagnosis_time()
    c = np.broadcast_to((tdx[:, None] + u)[:, :, None], (pat.n, u.size, len(pat.organs))).copy()
    c[:, 1, 0] = tdx - 1.0                          # unequal thresholds too
    return sec.cluster_lambda(pat, c, closed=True, grad=grad)


@pytest.mark.parametrize("ep", ["any", "first", "site_share"])
def test_table_path_on_exponential_colonies_is_the_closed_form(ep, monkeypatch):
    """The tabulated kernel forced on exponential colonies (kill_dormant 0.3 and background mortality
    in this model) gives the closed-form path's incidence to 1e-8 relative (measured 1.3e-9)."""
    closed = incidence(TWO, ep, TIMES).values
    monkeypatch.setattr(sec, "exponential_colonies", lambda pat: False)
    table = incidence(TWO, ep, TIMES).values
    assert np.allclose(table, closed, rtol=1e-8, atol=1e-15)


def test_deadlines_before_the_first_cell_are_within_the_table():
    """A deadline before t = 0 (an organ whose colonies would have to be founded before the first
    cell) is where the gradient asks the kernel at its oldest age: the table reaches it."""
    pat = resolve(HUB, {"shedding.mu": 1.0, "organs.liver.secondary_shedding": 1.0})
    tdx = pat.diagnosis_time()
    c = np.broadcast_to((tdx[:, None] + np.array([1.0, 5.0, 25.0]))[:, :, None], (pat.n, 3, 3)).copy()
    c[:, 2, 1] = -5.0
    lam, grad = sec.cluster_lambda(pat, c, closed=True, grad=True)
    assert np.all(np.isfinite(lam)) and np.all(np.isfinite(grad))


def test_a_finer_table_changes_nothing(monkeypatch):
    pat = resolve(HUB, {"shedding.mu": 1.0, "organs.liver.secondary_shedding": 1.0})
    u = np.array([1.0, 5.0, 12.0])
    lam, grad = _lambda(pat, u, grad=True)
    monkeypatch.setattr(colony_tables, "STEP_SCALE", colony_tables.STEP_SCALE / 2)
    monkeypatch.setattr(colony_tables, "GRADE", colony_tables.GRADE / 2)
    colony_tables.clear_cache()
    fine, fine_grad = _lambda(pat, u, grad=True)
    colony_tables.clear_cache()
    assert np.allclose(lam, fine, rtol=1e-10, atol=0)
    assert np.allclose(grad, fine_grad, rtol=1e-8, atol=1e-14)


def test_saturation_shortcut_is_exact(monkeypatch):
    """Strong seeding (daughter kernels pass SATURATED): the shortcut = the full quadrature."""
    pat = resolve(HUB, {"shedding.mu": 1.0, "organs.liver.secondary_shedding": 10.0,
                        "organs.lung.secondary_shedding": 10.0})
    u = np.array([1.0, 5.0, 12.0])
    kern = tabulated_kernel(regularised(pat), 40.0)
    assert np.isfinite(crossing(np.full(kern.scale.shape, sec.SATURATED), kern, above=True)).any()
    lam, _ = _lambda(pat, u)
    monkeypatch.setattr(sec, "SATURATED", np.inf)                 # no kernel ever saturates
    assert np.allclose(lam, _lambda(pat, u)[0], rtol=1e-9, atol=0)


def test_seeding_off_is_todays_model():
    off = HUB.with_values({"organs.liver.secondary_shedding": 0.0, "organs.lung.secondary_shedding": 0.0})
    today = incidence(off, "any", TIMES).values
    tiny = off.with_values({"organs.liver.secondary_shedding": 1e-30})
    assert np.abs(incidence(tiny, "any", TIMES).values - today).max() <= 1e-12


@pytest.mark.parametrize("generations", [3, None])
def test_later_generations_on_the_table_are_the_closed_form(generations, monkeypatch):
    """The later-generation correction with the tabulated kernel (product integration, O(N^2) per
    iteration) forced on exponential colonies = the closed form's exponential tails, typical
    patient of the exponential hub, to 1e-6 relative (measured ~1e-8: both grids' step^2 errors
    removed by Richardson)."""
    hub = load_model("tests/incidence/exp_hub.toml")
    t = np.array([6.0, 10.0])
    closed = incidence(hub, "any", t, individual=True, generations=generations).values
    monkeypatch.setattr(sec, "exponential_colonies", lambda pat: False)
    table = incidence(hub, "any", t, individual=True, generations=generations).values
    assert np.allclose(table, closed, rtol=1e-6, atol=1e-15)
    assert closed[-1, 0] > incidence(hub, "any", t, individual=True).values[-1, 0] * (1 + 1e-4)


def test_truncation_bound_is_refused_for_tabulated_kernels():
    from metakinetics.incidence.generations import truncation_bound

    pat = resolve(HUB)
    kern = tabulated_kernel(regularised(pat), 40.0)
    c = (pat.diagnosis_time()[:, None, None] + np.full((1, 1, 3), 5.0))
    with pytest.raises(InputError, match="not defined for non-exponential colonies"):
        truncation_bound(pat, c, 2, closed=True, kern=kern)


def test_detection_delay_is_the_gompertz_time_to_detection():
    pat = resolve(HUB)
    liver = HUB.organ_names.index("liver")
    assert pat.detection_delay()[0, liver] == pytest.approx(np.log(np.log(1e9) / np.log(1e9 / 1e8)) / 0.275,
                                                            rel=1e-12)


def test_gradient_is_the_derivative_of_lambda():
    pat = resolve(HUB, {"shedding.mu": 1.0, "organs.liver.secondary_shedding": 1.0,
                        "treatment.kill_dormant": 0.3})
    tdx = pat.diagnosis_time()
    c = np.broadcast_to((tdx[:, None] + np.array([1.0, 5.0, 12.0]))[:, :, None], (pat.n, 3, 3)).copy()
    c[:, 1, 0] = tdx + 2.0
    lam, grad = sec.cluster_lambda(pat, c, closed=True, grad=True)
    h = 1e-4                  # Lambda is ~1e4 x this gradient: rounding ~ 1e-16 Lambda / h (measured 2.3e-7)
    for k in range(3):
        up, dn = c.copy(), c.copy()
        up[:, :, k] += h
        dn[:, :, k] -= h
        num = (sec.cluster_lambda(pat, up, closed=True)[0] - sec.cluster_lambda(pat, dn, closed=True)[0]) / (2 * h)
        assert grad[:, :, k] == pytest.approx(num, rel=1e-6, abs=1e-12)


def test_quadrature_is_converged(monkeypatch):
    pat = resolve(HUB, {"shedding.mu": 1.0, "organs.liver.secondary_shedding": 1.0})
    u = np.array([1.0, 5.0, 12.0])
    lam, grad = _lambda(pat, u, grad=True)
    monkeypatch.setattr(sec, "PIECES", 4 * sec.PIECES)
    fine, gfine = _lambda(pat, u, grad=True)
    assert lam == pytest.approx(fine, rel=1e-8)
    assert grad == pytest.approx(gfine, rel=1e-6, abs=1e-14)
