"""`metakinetics figures`: writes the requested figures and captions; bad input is one line."""
from metakinetics.cli.main import main


def test_figures_for_a_model(capsys, tmp_path):
    code = main(["figures", "breast", "--out", str(tmp_path), "--format", "png,svg",
                 "--only", "organotropism,trajectories", "--quiet"])
    assert code == 0
    for name in ("organotropism", "trajectories"):
        for ext in ("png", "svg", "txt"):
            assert (tmp_path / f"{name}.{ext}").stat().st_size > 100
    assert not (tmp_path / "fan.png").exists()


def test_figures_lists_files(capsys, tmp_path):
    assert main(["figures", "breast", "--out", str(tmp_path), "--only", "organotropism"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(tmp_path / "organotropism.png"), str(tmp_path / "organotropism.txt")]


def test_bad_format_and_figure(capsys, tmp_path):
    assert main(["figures", "breast", "--out", str(tmp_path), "--format", "bmp"]) == 2
    assert "bmp" in capsys.readouterr().err
    assert main(["figures", "breast", "--out", str(tmp_path), "--only", "pie"]) == 2
    assert "unknown figure 'pie'" in capsys.readouterr().err
