"""``metakinetics incidence``: formats, methods, errors as one line with exit status 2."""
import csv
import io
import json

import numpy as np

from metakinetics.cli.main import main
from metakinetics.population import incidence


def _run(capsys, *argv):
    code = main(["incidence", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_has_time_then_organs_and_matches_api(capsys):
    code, out, _ = _run(capsys, "breast", "--endpoint", "any", "--times", "0:10:5", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["time", "bone", "lung", "liver", "brain"]
    vals = np.array([[float(x) for x in r] for r in rows[1:]])
    api = incidence("breast", "any", [0.0, 5.0, 10.0])
    np.testing.assert_allclose(vals[:, 0], [0, 5, 10])
    np.testing.assert_allclose(vals[:, 1:], api.values, rtol=1e-12)


def test_distant_json_and_landmark(capsys):
    code, out, _ = _run(capsys, "breast", "--endpoint", "distant", "--times", "5,10,20", "--landmark", "5",
                        "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert list(d["columns"]) == ["time", "distant"] and d["endpoint"]["name"] == "landmark"
    assert d["columns"]["distant"][0] == 0.0 and d["columns"]["distant"][2] > 0


def test_individual_closed_form_and_set(capsys):
    code, out, _ = _run(capsys, "exponential_one_organ", "--method", "closed-form", "--individual",
                        "--set", "shedding.mu=0.01", "--times", "0:20:10", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "time,bone"


def test_monte_carlo_table_has_standard_errors(capsys):
    code, out, _ = _run(capsys, "breast", "--method", "monte-carlo", "--patients", "2000", "--seed", "1",
                        "--times", "0,10")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "# cohort: breast: the model file's own population" and "bone_se" in lines[1]


def test_case_mix_names_the_cohort_and_weights_the_nodal_classes(capsys):
    spread = ["--set", "nodes.ratio=4.8e-6", "--set", "nodes.coupling=0.24", "--set", "nodes.dispersion=1.4"]
    code, out, _ = _run(capsys, "breast", *spread, "--case-mix", "rotterdam", "--endpoint", "distant",
                        "--times", "5,10", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["cohort"].startswith("rotterdam: Rotterdam tumour bank")
    code, out, err = _run(capsys, "breast", "--case-mix", "xiao2018", "--times", "5")
    assert code == 2 and "states no case mix" in err and err.count("\n") == 1


def test_errors_are_one_line(capsys):
    for argv, msg in [(["breast", "--endpoint", "anyy"], "did you mean 'any'"),
                      (["breast", "--times", "3,1"], "strictly increasing"),
                      (["breast", "--times=-1,2"], "zero or positive"),
                      (["breast", "--method", "monte-carlo", "--patients", "0"], "at least 1"),
                      (["breast", "--method", "closed-form"], "no closed form")]:
        code, out, err = _run(capsys, *argv)
        assert code == 2 and msg in err and err.count("\n") == 1, (argv, err)


def test_colony_seeding_with_death_after_relapse(capsys):
    """The seeding formulas with mortality.after_relapse > 0 through the CLI verb (organs found
    alive: any, site_share, organs_per_relapse, multi_organ) = the library; every generation with
    it is refused in one line."""
    seeding = ["--set", "organs.liver.secondary_shedding=1e4", "--set", "mortality.after_relapse=1",
               "--set", "mortality.hazard=0.03"]
    model = "tests/incidence/exp_hub.toml"
    for ep in ("any", "site_share", "organs_per_relapse", "multi_organ"):
        code, out, _ = _run(capsys, model, "--endpoint", ep, *seeding, "--times", "6,10", "--individual",
                            "--format", "csv")
        assert code == 0
        vals = np.array([[float(x) for x in r] for r in list(csv.reader(io.StringIO(out)))[1:]])
        api = incidence(model, ep, [6.0, 10.0], individual=True,
                        params={"organs.liver.secondary_shedding": 1e4, "mortality.after_relapse": 1.0,
                                "mortality.hazard": 0.03})
        np.testing.assert_allclose(vals[:, 1:], api.values, rtol=1e-5)
    code, _, err = _run(capsys, model, "--endpoint", "any", *seeding, "--times", "6", "--individual",
                        "--generations", "all")
    assert code == 2 and "'any' with metastasis-to-metastasis seeding and generations all" in err
    assert "monte-carlo" in err
    assert len(err.strip().splitlines()) == 1
