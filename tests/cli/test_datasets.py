"""``metakinetics datasets``: list, show with citation, formats, unknown names."""
from __future__ import annotations

import json

from metakinetics.cli.main import main


def test_list_names_every_bundled_dataset(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("hess2013", "pan2017", "xiao2018", "rotterdam", "seer_size_szczurek2020", "ctc_positivity",
                 "arvold2012", "metzgerfilho2013", "colleoni2016"):
        assert name in out


def test_show_prints_citation_and_rows(capsys):
    assert main(["datasets", "show", "hess2013"]) == 0
    out = capsys.readouterr().out
    assert "Breast Cancer Res Treat 2013" in out and "11011" in out and "0.36" in out


def test_show_json_and_csv(capsys):
    assert main(["datasets", "show", "pan2017", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["dataset"]["name"] == "pan2017" and d["columns"]["landmark"][0] == 5
    assert main(["datasets", "show", "xiao2018", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("group,organ,endpoint,time,value")


def test_unknown_dataset_is_one_line_error(capsys):
    assert main(["datasets", "show", "hess2014"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'hess2013'" in err and "Traceback" not in err
