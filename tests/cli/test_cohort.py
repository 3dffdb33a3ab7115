"""``metakinetics cohort``: writes the virtual cohort atomically; seeded; bad input."""
import csv

import pytest

from metakinetics.cli.main import main


def test_writes_cohort_csv(tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert main(["cohort", "breast", "--patients", "500", "--seed", "4", "--out", str(out)]) == 0
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 500
    assert set(rows[0]) >= {"patient", "mu", "rate", "diameter_cm", "t_dx", "m0", "detect_bone", "death"}
    again = tmp_path / "d.csv"
    main(["cohort", "breast", "--patients", "500", "--seed", "4", "--out", str(again)])
    assert out.read_text() == again.read_text()             # same seed, same cohort
    assert "wrote 500 patients" in capsys.readouterr().err


def test_zero_patients_is_an_error(tmp_path, capsys):
    assert main(["cohort", "breast", "--patients", "0", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "at least 1" in err and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_follow_up_and_accrual_censor_and_add_columns(tmp_path, capsys):
    out, plain = tmp_path / "c.csv", tmp_path / "p.csv"
    args = ["cohort", "breast", "--patients", "400", "--seed", "4"]
    assert main(args + ["--follow-up", "3", "--accrual", "5", "--loss-rate", "0.05", "--out", str(out)]) == 0
    assert "median censoring" in capsys.readouterr().err
    rows = list(csv.DictReader(open(out)))
    assert set(rows[0]) >= {"censor", "time_bone", "status_bone", "status_brain"}
    cens = [float(r["censor"]) for r in rows]
    assert all(0 < c <= 8.0 for c in cens) and len(set(cens)) == 400     # ~ min(U(3, 8), Exp(0.05))
    assert {r["status_bone"] for r in rows} <= {"detected", "death", "censored"}
    assert any(r["status_bone"] == "censored" and float(r["time_bone"]) == float(r["censor"]) for r in rows)
    main(args + ["--out", str(plain)])
    base = list(csv.DictReader(open(plain)))
    assert all(b["detect_bone"] == r["detect_bone"] and b["mu"] == r["mu"] for b, r in zip(base, rows))
    assert all(b["censor"] == "inf" for b in base)                         # no follow-up: never censored


def test_bad_follow_up_is_a_one_line_error(tmp_path, capsys):
    for bad in (["--follow-up", "-1"], ["--follow-up", "nan"], ["--accrual", "5"]):
        assert main(["cohort", "breast", "--patients", "10", *bad, "--out", str(tmp_path / "x.csv")]) == 2
        err = capsys.readouterr().err
        assert ("zero or positive" in err or "accrual needs" in err) and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_generations_and_horizon_reach_the_cohort_command(tmp_path, capsys):
    """--generations and --horizon are simulate_cohort's: the same seed gives the same cohort."""
    from metakinetics.model import load_model
    from metakinetics.stochastic.cohort import simulate_cohort

    out = tmp_path / "c.csv"
    assert main(["cohort", "tests/incidence/exp_hub.toml", "--set", "organs.liver.secondary_shedding=1e4",
                 "--patients", "500", "--seed", "3", "--generations", "2", "--horizon", "10", "--out", str(out)]) == 0
    assert "followed to 10 y" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open()))
    model = load_model("tests/incidence/exp_hub.toml").with_values({"organs.liver.secondary_shedding": 1e4})
    coh = simulate_cohort(model, 500, seed=3, generations=2, horizon=10.0)
    assert [float(r["detect_bone"]) for r in rows] == pytest.approx(coh.detect[:, 0].tolist(), rel=1e-12)


def test_case_mix_sets_the_cohorts_values_and_refuses_a_nodal_mix(tmp_path, capsys):
    from metakinetics.cli.main import main

    out = tmp_path / "c.csv"
    assert main(["cohort", "breast_subtypes", "--case-mix", "hess2013", "--patients", "500", "--seed", "1",
                 "--out", str(out)]) == 0
    assert "cohort hess2013" in capsys.readouterr().err and out.is_file()
    code = main(["cohort", "breast", "--set", "nodes.ratio=4.8e-6", "--case-mix", "rotterdam", "--patients", "500",
                 "--out", str(tmp_path / "d.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "a nodal mix" in err and err.count("\n") == 1 and not (tmp_path / "d.csv").exists()
