"""The joint fit (fits/breast_joint) and its model-selection ladder (fits/breast_joint/ladder/*):
every level fits exactly the joint fit's data, each level frees what the level below frees and
fixes less, and the committed results are nested as maximum likelihood requires (a larger model never
fits worse: a level whose log-likelihood fell below the smaller model's would be an optimiser that
stopped short, not a result)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from metakinetics.inference import load_setup, read_result

FITS = Path(__file__).resolve().parents[2] / "fits"
JOINT = FITS / "breast_joint"
LADDER = [JOINT / "ladder" / "1_one_class", JOINT / "ladder" / "2_classes", JOINT / "ladder" / "4_nodes", JOINT]


def _keys(setup) -> set[str]:
    return {p.key for p in setup.parameters}


def test_every_level_fits_the_joint_data():
    joint = load_setup(JOINT)
    for level in LADDER[:-1]:
        s = load_setup(level)
        assert s.data == joint.data, level.name
        assert s.model == joint.model and s.nodes == joint.nodes and s.grid_step == joint.grid_step


def test_levels_are_nested():
    """Each level frees what the level below frees, and fixes less: + treatment frees nothing (the
    EBCTCG effects are fixed) but drops the level below's 'no endocrine effect' values."""
    setups = [load_setup(level) for level in LADDER]
    for small, big in zip(setups, setups[1:]):
        assert _keys(small) <= _keys(big)
        assert set(big.model_set.items()) < set(small.model_set.items()) or _keys(small) < _keys(big)


def _result(level: Path):
    path = level / "result.json"
    if not path.is_file():
        pytest.skip(f"{path.relative_to(FITS.parent)} not committed")
    return read_result(path)


def test_committed_results_share_their_data_and_are_nested():
    results = [_result(level) for level in LADDER]
    sums = [json.dumps([(d["label"], d["sha256"], d["n_rows"]) for d in r.datasets]) for r in results]
    assert len(set(sums)) == 1
    setups = [load_setup(level) for level in LADDER]
    for (small, big), (s_small, s_big) in zip(zip(results, results[1:]), zip(setups, setups[1:])):
        assert big.n_par >= small.n_par and big.n_obs == small.n_obs
        if _keys(s_small) < _keys(s_big):
            # nested maximum likelihood, within the optimiser's tolerance (0.5 log-likelihood units);
            # + treatment frees nothing (EBCTCG's effects replace 'no effect'): not nested, compared
            assert big.loglik >= small.loglik - 0.5, (small.name, big.name)


ENDOCRINE_FREE = JOINT / "ladder" / "5_endocrine_free"


def test_free_endocrine_effects_nest_both_fixed_choices():
    """ladder/5_endocrine_free frees the two effects that ladder/4_nodes fixes at 'none' (1, 0) and
    the joint fit at EBCTCG's (0.131, 0.169/year): its data are theirs, its parameters a superset,
    and both fixed choices lie inside its bounds; its committed result fits at least as well as
    either (maximum likelihood over a larger set)."""
    free, nodes, joint = load_setup(ENDOCRINE_FREE), load_setup(LADDER[2]), load_setup(JOINT)
    assert free.data == joint.data and free.model == joint.model
    assert _keys(nodes) < _keys(free) and _keys(joint) < _keys(free)
    bounds = {p.key: (p.min, p.max) for p in free.parameters}
    for key, fixed in (("treatment.endocrine_wake", (1.0, 0.131)), ("treatment.endocrine_death", (0.0, 0.169))):
        assert all(bounds[key][0] <= v <= bounds[key][1] for v in fixed), key
    r = _result(ENDOCRINE_FREE)
    for other in (LADDER[2], JOINT):
        assert r.loglik >= _result(other).loglik - 0.5, other.name


SHEDDING = JOINT / "ladder" / "6_shedding_exponent"


def test_shedding_exponent_level_nests_4_nodes():
    """ladder/6_shedding_exponent fits the joint data with 4_nodes' parameters plus the shedding
    exponent gamma (fixed at 2/3 below it), so its maximum is at least 4_nodes' (within the
    optimiser's 0.5 units)."""
    four, six = load_setup(JOINT / "ladder" / "4_nodes"), load_setup(SHEDDING)
    assert six.data == load_setup(JOINT).data
    assert _keys(six) == _keys(four) | {"shedding.gamma"}
    assert six.model_set == four.model_set
    small, big = _result(JOINT / "ladder" / "4_nodes"), _result(SHEDDING)
    assert big.n_par == small.n_par + 1 and big.loglik >= small.loglik - 0.5


def test_readme_cv_column_is_the_committed_validations():
    """The CV log L column of fits/breast_joint/README.md's selection table is each level's
    committed validate/validate.json (to 0.1), and 'not run' exactly where a level has none: the
    table cannot go stale when a validation is re-run."""
    rows = [line.split("|") for line in (JOINT / "README.md").read_text().splitlines()
            if line.startswith("| `")]
    seen = 0
    for cells in rows:
        name = cells[1].split("`")[1]           # the level's folder, between the first backticks
        level = JOINT if name == "." else JOINT / name
        if not (level / "fit.toml").exists() or len(cells) < 11:
            continue
        cv = cells[-2].strip().strip("*")
        report = level / "validate" / "validate.json"
        if report.exists():
            assert cv == f"{json.loads(report.read_text())['cv_loglik']:.1f}", name
        else:
            assert cv == "not run", name
        seen += 1
    assert seen >= 6


SEEDING = JOINT / "ladder" / "3_seeding"


def test_seeding_level_nests_2_classes():
    """ladder/3_seeding fits the joint data with 2_classes' parameters plus one seeding rate mu'
    (organs.*.secondary_shedding), its colonies Gompertz: without seeding a Gompertz colony with the
    same detection delay predicts what the exponential one does, so the level nests 2_classes at
    mu' -> 0 and its maximum is at least 2_classes' (within the optimiser's 0.5 units)."""
    two, seeding = load_setup(JOINT / "ladder" / "2_classes"), load_setup(SEEDING)
    assert seeding.data == load_setup(JOINT).data and seeding.model == two.model
    assert _keys(seeding) == _keys(two) | {"organs.*.secondary_shedding"}
    assert {k: v for k, v in seeding.model_set.items() if not k.endswith((".growth", ".K", "secondary_gamma"))} \
        == two.model_set
    small, big = _result(JOINT / "ladder" / "2_classes"), _result(SEEDING)
    assert big.n_par == small.n_par + 1 and big.loglik >= small.loglik - 0.5
