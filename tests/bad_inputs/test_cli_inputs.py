"""Numbered bad command-line inputs (issue 14): each gives exit status 2 and one line on stderr that
names the argument (or file) and the reason, before any computing; no traceback.

``{tmp}`` in an argument is the test's temporary folder; ``{file}`` an existing file in it.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from metakinetics.cli.main import main

NO_REACTIONS = Path(__file__).parent / "networks" / "17_no_reactions.toml"
#: the committed fits (select reads their result.json)
FITS = Path(__file__).parents[2] / "fits"
#: a one-parameter binomial fit (the fit.toml fixture 22 without its defect), the base of the fit cases
ONE_PARAM_FIT = (Path(__file__).parent / "fit_tomls" / "22_optimiser_is_a_list.toml").read_text().replace(
    'optimiser = ["lbfgsb"]\n', "")
#: the line of the fixtures that keeps hess2013's rows on the four organs (and distant)
HESS_SELECT = 'select = { organ = ["distant", "bone", "liver", "lung", "brain"] }  # hess2013 rows the model holds\n'
assert HESS_SELECT in ONE_PARAM_FIT

#: (number, argv, words the one-line error must contain)
CASES = [
    ("01_out_is_a_directory", ["solve", "breast", "--out", "{tmp}"], ["--out", "is a directory"]),
    ("02_out_parent_missing", ["incidence", "breast", "--out", "{tmp}/no/such/x.csv"],
     ["--out", "does not exist"]),
    ("03_out_dir_is_a_file", ["fit", "--out-dir", "{file}", "--quiet"], ["--out-dir", "not a directory"]),
    ("04_out_read_only_place", ["solve", "breast", "--out", "/proc/x.csv"], ["--out", "not writable"]),
    ("05_figures_out_is_a_file", ["figures", "breast", "--out", "{file}"], ["--out", "not a directory"]),
    ("06_cohort_out_is_a_directory", ["cohort", "breast", "--patients", "10", "--out", "{tmp}"],
     ["--out", "is a directory"]),
    ("07_scenario_figure_parent_missing", ["scenario", "breast", "-s", "surgery_delay=0.25",
                                            "--figure", "{tmp}/none/f.png"], ["--figure", "does not exist"]),
    ("08_simulate_out_full_device", ["simulate", "immigration_death", "--paths", "2", "--times", "0:1:1",
                                     "--out", "{full}"], ["full", "No space left on device"]),
    *[(f"09_seed_negative_{cmd[0]}", [*cmd, "--seed", "-1"], ["--seed", "zero or positive"]) for cmd in (
        ["incidence", "breast"], ["cohort", "breast", "--patients", "5", "--out", "-"],
        ["simulate", "breast", "--paths", "2"], ["scenario", "breast", "-s", "surgery_delay=0.25"],
        ["figures", "breast", "--out", "{tmp}/f"])],
    ("10_times_to_infinity", ["incidence", "breast", "--times", "0:inf:1"], ["--times", "finite"]),
    ("11_landmark_nan", ["incidence", "breast", "--landmark", "nan"], ["--landmark", "finite"]),
    ("12_horizon_nan", ["incidence", "breast", "--endpoint", "by_size", "--horizon", "nan"], ["--horizon", "finite"]),
    ("13_result_json_is_a_list", ["scenario", "{list_fit}", "-s", "surgery_delay=0.25"],
     ["result.json", "not a fit result"]),
    ("14_result_json_without_estimates", ["figures", "{noest_fit}", "--out", "{tmp}/f"],
     ["result.json", "not a fit result"]),
    ("15_workers_zero", ["scenario", "breast", "-s", "surgery_delay=0.25", "--workers", "0"],
     ["--workers", "at least 1"]),
    ("16_cohort_1e12_patients", ["cohort", "breast", "--patients", "1000000000000", "--out", "{tmp}/c.csv"],
     ["patients", "GB of memory", "budget is 20,000,000"]),
    ("17_ssa_absurd_rate", ["simulate", "immigration_death", "--set", "alpha=1e12", "--times", "0:10:1"],
     ["ssa", "1.37e+13 reaction events", "'tau' or 'cle'"]),
    ("18_ssa_too_many_paths", ["simulate", "breast", "--paths", "100000", "--times", "0:10:1", "--summary"],
     ["ssa", "beyond the budget of 1e+09"]),
    ("19_tau_step_1e-12", ["simulate", "breast", "--method", "tau", "--step", "1e-12", "--times", "0:10:1"],
     ["tau: step 1e-12", "GB for the step grid", "use a step of at least"]),
    ("20_conf_interval_one_parameter", ["fit", "{one_param_fit}", "--intervals", "conf_interval", "--quiet",
                                        "--out-dir", "{tmp}/one_param_fit"], ["conf_interval", "at least 2 free parameters"]),
    ("21_individual_times_all_zero", ["fit", "{all_zero_fit}", "--quiet", "--out-dir", "{tmp}/all_zero_fit"],
     ["data.csv", "column 'time'", "every time is 0"]),
    ("22_network_without_reactions_as_a_model", ["show", str(NO_REACTIONS)],
     ["network", "a reaction network without reactions (add [[reactions]]), not a model"]),
    ("23_figures_only_fit_on_a_model", ["figures", "breast", "--only", "fit", "--out", "{tmp}/f"],
     ["only: fit needs a fit", "breast is a model: nothing to draw"]),
    ("24_data_class_unknown_to_the_model", ["fit", "{class_fit}", "--quiet", "--out-dir", "{tmp}/class_fit"],
     ["data.csv", "row 3", "column 'class'", "unknown class 'luminal_c'", "luminal_a, luminal_b"]),
    ("25_multi_organ_window_zero", ["incidence", "breast", "--endpoint", "multi_organ", "--window", "0"],
     ["window", "must be a positive number of years"]),
    ("26_window_on_another_endpoint", ["incidence", "breast", "--endpoint", "site_share", "--window", "0.25"],
     ["window applies to the multi_organ endpoint only", "not 'site_share'"]),
    ("27_lag_within_negative", ["incidence", "breast", "--endpoint", "lag", "--within", "-1"],
     ["within", "finite number of years >= 0"]),
    ("28_death_after_relapse_negative", ["incidence", "breast", "--set", "mortality.after_relapse=-1"],
     ["mortality.after_relapse", "zero or positive"]),
    ("29_validate_a_single_data_set", ["validate", "{one_param_fit}", "--no-progress", "--out", "{tmp}/v"],
     ["fit.toml", "data", "leaves one [[data]] set out", "this set-up has 1"]),
    ("30_validate_missing_fit_toml", ["validate", "{tmp}/nowhere", "--no-progress"],
     ["nowhere", "no fit set-up there"]),
    ("31_validate_too_few_draws", ["validate", "{one_param_fit}", "--draws", "5"], ["--draws", "at least 20"]),
    ("32_select_fits_of_different_data", ["select", f"{FITS}/breast", f"{FITS}/breast_sites", "--out", "{tmp}/t.md"],
     ["fits 'breast' and 'breast_sites'", "not fitted to the same data", "data set 'hess2013'"]),
    ("33_select_not_a_fit_result", ["select", "{noest_fit}"], ["noest_fit", "not a fit result"]),
    ("34_select_no_result_yet", ["select", "{one_param_fit}"],
     ["one_param_fit", "no fit result at", "metakinetics fit"]),
    ("35_select_out_is_a_directory", ["select", f"{FITS}/breast", "--out", "{tmp}"], ["--out", "is a directory"]),
    ("36_select_validate_missing", ["select", "{result_only_fit}", "--validate"],
     ["--validate: fit", "result_only_fit has no validation at", "validate.json"]),
]

#: the data file of each fit set-up case
FIT_DATA = {"{all_zero_fit}": "id,time,event\n1,0,censored\n2,0,bone\n3,0,censored\n",
            "{class_fit}": "group,class,organ,endpoint,time,value,denominator\n"
                           "all,luminal_a,distant,distant,5,0.08,500\nall,luminal_c,distant,distant,5,0.2,400\n"}


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private copy of /dev/null (minor 3) or /dev/full (minor 7): a test must never risk
    replacing the machine's own device nodes."""
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return node


def _fill(argv, tmp_path):
    file = tmp_path / "a_file"
    file.write_text("x")
    for key, body in (("{list_fit}", "[]"), ("{noest_fit}", '{"name": "x"}'),
                      ("{result_only_fit}", (FITS / "breast" / "result.json").read_text())):
        if key in argv:
            folder = tmp_path / key.strip("{}")
            folder.mkdir()
            (folder / "result.json").write_text(body)
            argv = [str(folder) if a == key else a for a in argv]
    for key, change in (("{one_param_fit}", {}),
                        ("{all_zero_fit}", {'"breast"': '"exponential_one_organ"', '"hess2013"': '"data.csv"',
                                            '"binomial"': '"time_to_event"', HESS_SELECT: ""}),
                        ("{class_fit}", {'"breast"': '"breast_subtypes"', '"hess2013"': '"data.csv"', HESS_SELECT: ""})):
        if key in argv:   # a fit set-up (and its data) in a folder of its own
            folder = tmp_path / key.strip("{}")
            folder.mkdir()
            (folder / "data.csv").write_text(FIT_DATA.get(key, FIT_DATA["{all_zero_fit}"]))
            text = ONE_PARAM_FIT
            for old, new in change.items():
                text = text.replace(old, new)
            (folder / "fit.toml").write_text(text)
            argv = [str(folder) if a == key else a for a in argv]
    if "{full}" in argv:
        argv = [str(_device(tmp_path, "full", 7)) if a == "{full}" else a for a in argv]
    return [a.replace("{tmp}", str(tmp_path)).replace("{file}", str(file)) for a in argv]


@pytest.mark.parametrize("number,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_cli_input_one_line_exit_2(number, argv, words, tmp_path, capsys):
    before = set(os.listdir(tmp_path))
    code = main(_fill(argv, tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"metakinetics {argv[0]}: error: ")
    for word in words:
        assert word in err
    assert set(os.listdir(tmp_path)) - before <= {"a_file", "full", "list_fit", "noest_fit",  # nothing written
                                                  "one_param_fit", "all_zero_fit", "class_fit",
                                                  "result_only_fit"}


def test_out_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert main(["solve", "breast", "--times", "0,1", "--format", "csv", "--out", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("time,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_out_to_a_device_writes_in_place(tmp_path):
    null = _device(tmp_path, "null", 3)
    before = os.stat(null)
    assert main(["solve", "breast", "--times", "0,1", "--out", str(null)]) == 0
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_out_to_a_fifo_writes_into_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    assert main(["solve", "breast", "--times", "0,1", "--format", "csv", "--out", str(fifo)]) == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got[0].startswith("time,")


def test_dash_is_stdout_for_cohort(capsys, tmp_path):
    assert main(["cohort", "breast", "--patients", "3", "--seed", "1", "--out", "-"]) == 0
    assert capsys.readouterr().out.startswith("patient") and not (Path.cwd() / "-").exists()


@pytest.mark.parametrize("how", ["closed before start", "closed while running"])
def test_closed_stdout_is_one_line(how):
    if how == "closed before start":
        cmd = f"'{sys.executable}' -m metakinetics solve breast >&-"
    else:
        cmd = (f"'{sys.executable}' -c \"import os, sys; os.close(1); from metakinetics.cli.main import main; "
               f"sys.exit(main(['solve', 'breast']))\"")
    proc = subprocess.run(["sh", "-c", cmd], stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "standard output is closed" in proc.stderr or "Bad file descriptor" in proc.stderr


def test_workers_capped_at_the_cpus(monkeypatch):
    import argparse

    from metakinetics.cli.common import check_common_arguments
    from metakinetics.scenarios import default_workers

    args = argparse.Namespace(workers=1000)
    check_common_arguments(args)
    assert args.workers == default_workers()


def test_workers_capped_at_the_tasks_and_cpus():
    # --workers 1000 once spawned 540 processes for 3 tasks: min(workers, tasks, CPUs)
    from metakinetics.scenarios import default_workers, make_executor

    with make_executor(workers=1000) as pool:
        assert pool is None or pool._max_workers <= default_workers()
    with make_executor(workers=1000, tasks=1) as pool:
        assert pool is None
    if default_workers() >= 2:
        with make_executor(workers=1000, tasks=2) as pool:
            assert pool._max_workers == 2


def test_scenario_on_a_fit_that_did_not_converge_warns_on_one_line(tmp_path, capsys):
    import json

    result = json.loads((Path(__file__).parents[2] / "fits" / "breast" / "result.json").read_text())
    result.update(status="not_converged", message="the optimiser stopped without converging: max nfev")
    (tmp_path / "result.json").write_text(json.dumps(result))
    assert main(["scenario", str(tmp_path), "-s", "surgery_delay=0.25", "--times", "0:2:1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err == ("metakinetics scenario: warning: the fit 'breast' did NOT converge (the optimiser stopped "
                   "without converging: max nfev); scenarios on its estimates may mislead\n")
