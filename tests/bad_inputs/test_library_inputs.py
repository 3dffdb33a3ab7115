"""Bad arguments to the library (issue 14 item 17): a one-line MetakineticsError, never a traceback."""
import pytest

from metakinetics import MetakineticsError, load_model
from metakinetics.inference import fit
from metakinetics.stochastic import simulate

MODEL = load_model("breast")

CASES = [
    ("01_simulate_seed_fraction", lambda: simulate(MODEL, [0, 1], 2, 1.5), "seed"),
    ("02_simulate_seed_negative", lambda: simulate(MODEL, [0, 1], 2, -1), "seed"),
    ("03_simulate_times_string", lambda: simulate(MODEL, "1,2", 2, 1), "times"),
    ("04_simulate_times_complex", lambda: simulate(MODEL, [1j, 2], 2, 1), "times"),
    ("05_simulate_times_dict", lambda: simulate(MODEL, {"a": 1}, 2, 1), "times"),
    ("06_fit_none", lambda: fit(None), "fit: expected"),
]


@pytest.mark.parametrize("number,call,words", CASES, ids=[c[0] for c in CASES])
def test_bad_library_argument_is_one_line(number, call, words):
    with pytest.raises(MetakineticsError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)
