"""scenarios.fits: what a fit argument names. A bare name that is no bundled model's is a bundled
fit (as `metakinetics fit NAME` reads it), so `predict breast_joint` works outside a checkout; a
bundled model's name stays the model."""
from __future__ import annotations

import pytest

from metakinetics.errors import InputError
from metakinetics.scenarios import resolve_source
from metakinetics.scenarios.fits import looks_like_fit, read_fit


def test_a_bundled_fit_by_name_outside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                       # no fits/ folder here
    assert looks_like_fit("breast_joint")
    result, file = read_fit("breast_joint")
    assert result.name == "breast_joint" and file.endswith("result.json")
    model, fit, what = resolve_source("breast_joint")
    assert fit is not None and model.name == "breast_cohorts" and what.startswith("fit breast_joint")


def test_a_bundled_model_name_stays_the_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not looks_like_fit("breast")             # both a model and a fit: the model, as before
    model, fit, what = resolve_source("breast")
    assert fit is None and what.startswith("model breast")


def test_an_unknown_name_is_still_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not looks_like_fit("no_such_fit")
    with pytest.raises(InputError, match="not a fit directory"):
        read_fit("no_such_fit")
