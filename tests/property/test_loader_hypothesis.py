"""Property: the loader, fed random TOML documents and values, only ever returns a Model or raises
the project's own error type (never a bare KeyError/TypeError/ValueError/ZeroDivisionError)."""
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from metakinetics import MetakineticsError, Model
from metakinetics.model import dump_toml, load_model, load_model_text
from metakinetics.model.file import apply_overrides, model_from_dict

BASE = load_model("breast").to_dict()
KEYS = sorted(load_model("breast").values())

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(),
    st.text(max_size=20), st.just(0), st.just(-1.0), st.just(1e300), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _check(result_or_exc):
    if isinstance(result_or_exc, Model):
        for v in result_or_exc.values().values():
            assert math.isfinite(v)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS + ["organs.bone.bogus", "primary.alpha", "diagnosis.size",
                                               "population.alpha_sd", "primary.growth", "organs.lung.growth"]),
                       scalars, min_size=1, max_size=4))
@example(changes={"diagnosis.diameter_cm": 1e300})  # once overflowed to inf cells
def test_random_values_in_a_valid_document(changes):
    try:
        data = apply_overrides(BASE, changes)
        model = model_from_dict(data, path="random.toml")
    except MetakineticsError:
        return
    _check(model)


toml_values = st.recursive(
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-1000, 1000), st.booleans(),
              st.text(alphabet="abcxyz_ .", max_size=8)),
    lambda children: st.dictionaries(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8),
                                     children, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["model", "primary", "diagnosis", "shedding", "circulation", "organs",
                                        "population", "treatment", "mortality", "extra"]),
                       toml_values, max_size=9))
def test_random_documents(doc):
    try:
        model = model_from_dict(doc, path="random.toml")
    except MetakineticsError:
        return
    _check(model)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text):
    try:
        load_model_text(text, path="random.toml")
    except MetakineticsError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(dump_toml(load_model("breast"))) - 1), st.text(max_size=5))
def test_corrupted_bundled_file(pos, junk):
    text = dump_toml(load_model("breast"))
    try:
        load_model_text(text[:pos] + junk + text[pos + 1:], path="corrupt.toml")
    except MetakineticsError:
        pass
