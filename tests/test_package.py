"""Package-level helpers: atomic writes (the target is the old file or the whole new one, never half; readable by others) and the root public verbs."""
import os

import pytest

from metakinetics.io_atomic import write_text_atomic


def test_replaces_whole_file_with_shared_permissions(tmp_path):
    target = tmp_path / "sub" / "result.json"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_interrupted_write_leaves_old_file(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    write_text_atomic(target, "old")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_lazy_public_verbs():
    import metakinetics

    for name in metakinetics.__all__:
        assert getattr(metakinetics, name) is not None
    with pytest.raises(AttributeError):
        metakinetics.no_such_verb  # noqa: B018


def test_incidence_verb_survives_importing_the_incidence_subpackage():
    import importlib

    import metakinetics

    importlib.import_module("metakinetics.population")  # imports the subpackage metakinetics.incidence
    from metakinetics.incidence import colony_counts  # noqa: F401  the subpackage is still importable
    assert callable(metakinetics.incidence)
    r = metakinetics.incidence("exponential_one_organ", "any", times=[1.0])
    assert r.columns == ("bone",)
