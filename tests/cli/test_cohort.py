"""``metakinetics cohort``: writes the virtual cohort atomically; seeded; bad input."""
import csv

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
