"""Bad arguments to the library (issue 14 item 17): a one-line MetakineticsError, never a traceback."""
import pytest

from metakinetics import MetakineticsError, load_model
from metakinetics.inference import fit
from metakinetics.stochastic import simulate

MODEL = load_model("breast")


def _incidence(endpoint="any", times=(1.0,), **kw):
    from metakinetics.api import incidence

    return incidence(MODEL, endpoint, list(times), **kw)

CASES = [
    ("01_simulate_seed_fraction", lambda: simulate(MODEL, [0, 1], 2, 1.5), "seed"),
    ("02_simulate_seed_negative", lambda: simulate(MODEL, [0, 1], 2, -1), "seed"),
    ("03_simulate_times_string", lambda: simulate(MODEL, "1,2", 2, 1), "times"),
    ("04_simulate_times_complex", lambda: simulate(MODEL, [1j, 2], 2, 1), "times"),
    ("05_simulate_times_dict", lambda: simulate(MODEL, {"a": 1}, 2, 1), "times"),
    ("06_fit_none", lambda: fit(None), "fit: expected"),
    ("14_incidence_landmark_string", lambda: _incidence(landmark="5"), "landmark time must be a number of years, found str '5'"),
    ("15_incidence_landmark_boolean", lambda: _incidence(landmark=True), "landmark time must be a number of years, found bool"),
    ("16_by_size_horizon_string", lambda: _incidence("by_size", [2.0], horizon="2"), "horizon must be a number of years"),
    ("17_incidence_patients_nan", lambda: _incidence(patients=float("nan")), "number of patients must be at least 1"),
    ("18_incidence_seed_fraction", lambda: _incidence(patients=100, seed=1.5), "seed: expected a whole number"),
    ("19_incidence_seed_negative", lambda: _incidence(method="monte-carlo", patients=100, seed=-1), "seed: expected"),
    ("20_cohort_seed_fraction", lambda: _cohort(10, seed=1.5), "seed: expected a whole number"),
    ("21_multi_organ_window_zero", lambda: _incidence("multi_organ", window=0), "window must be a positive number of years"),
    ("22_multi_organ_window_negative", lambda: _incidence("multi_organ", window=-0.25), "window must be a finite number of years >= 0"),
    ("23_window_on_any", lambda: _incidence("any", window=0.25), "a window applies to the multi_organ endpoint only"),
    ("24_lag_within_zero", lambda: _incidence("lag", within=0.0), "within must be a positive number of years"),
    ("25_lag_horizon_before_landmark", lambda: _incidence("lag", horizon=2.0, landmark=3.0),
     "lag: the horizon (2 years) must come after the landmark (3)"),
    ("26_death_after_relapse_negative", lambda: _incidence(params={"mortality.after_relapse": -0.5}),
     "mortality.after_relapse must be zero or positive"),
    ("27_incidence_negative_secondary_shedding",
     lambda: _incidence(params={"organs.brain.secondary_shedding": -1.0}),
     "params: organs.brain.secondary_shedding must be zero or positive, found -1"),
    ("28_model_negative_secondary_shedding",
     lambda: MODEL.with_values({"organs.lung.secondary_shedding": -2.0}),
     "organs.lung.secondary_shedding: must be zero or positive, found -2"),
    ("29_death_after_relapse_with_colony_seeding_and_3_generations",
     lambda: _incidence(params={"organs.bone.secondary_shedding": 1e4, "mortality.after_relapse": 1.0}, generations=3),
     "'any' with metastasis-to-metastasis seeding and generations 3: with death after relapse"),
    ("30_multi_organ_with_colony_seeding_and_every_generation",
     lambda: _incidence("multi_organ", params={"organs.bone.secondary_shedding": 1e4}, generations=None),
     "'multi_organ' with metastasis-to-metastasis seeding and generations all"),
]


@pytest.mark.parametrize("number,call,words", CASES, ids=[c[0] for c in CASES])
def test_bad_library_argument_is_one_line(number, call, words):
    with pytest.raises(MetakineticsError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)


def _absurd_ssa():
    from metakinetics.model.network_file import load_network

    return simulate(load_network("immigration_death").with_parameters({"alpha": 1e12}), [0, 10], 2, 1)


def _many_ssa_paths():
    return simulate(MODEL, [0, 10], 100_000, 1)


def _cohort(patients, seed=1):
    from metakinetics.stochastic.cohort import simulate_cohort

    return simulate_cohort(MODEL, patients, seed=seed)


# work budgets (issue 14 item 12): refused before any simulating, saying what it would need
BUDGET_CASES = [
    ("07_ssa_absurd_rate", _absurd_ssa, "beyond the step cap"),
    ("08_ssa_too_many_events", _many_ssa_paths, "beyond the budget of 1e+09; use method 'tau' or 'cle'"),
    ("09_cohort_1e12_patients", lambda: _cohort(1e12), "would need ~1.62e+05 GB of memory"),
    ("10_cohort_fractional_patients", lambda: _cohort(1.5), "positive integer, found 1.5"),
    ("11_cohort_infinite_patients", lambda: _cohort(float("inf")), "positive integer, found inf"),
    ("12_tau_step_1e-12", lambda: simulate(MODEL, [0, 10], 200, 1, method="tau", step=1e-12),
     "1e+13 steps x 200 paths x 14 reactions: ~8e+04 GB for the step grid"),
    ("13_cle_step_1e-12", lambda: simulate(MODEL, [0, 10], 200, 1, method="cle", step=1e-12),
     "the budget is 1e+07 steps"),
]


@pytest.mark.parametrize("number,call,words", BUDGET_CASES, ids=[c[0] for c in BUDGET_CASES])
def test_request_beyond_a_budget_is_refused_in_one_line(number, call, words):
    import time

    t0 = time.perf_counter()
    with pytest.raises(MetakineticsError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)
    assert time.perf_counter() - t0 < 10      # refused up front, not after hours of work


@pytest.mark.parametrize("endpoint", ["at_diagnosis", "distant_at_diagnosis"])
@pytest.mark.parametrize("method", ["auto", "monte-carlo"])
def test_at_diagnosis_refuses_a_time_other_than_zero(endpoint, method):
    # the prevalence at diagnosis has no time axis: asking it at 5 years was answered with the
    # same number at every time, silently
    from metakinetics import incidence

    with pytest.raises(MetakineticsError, match=f"times: {endpoint} is the prevalence at diagnosis .*found the time 5"):
        incidence(MODEL, endpoint, [0, 5], method=method, patients=100 if method == "monte-carlo" else None)
    assert incidence(MODEL, endpoint, [0.0]).values.shape[0] == 1
