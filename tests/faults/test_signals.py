"""Fault suite (issue 14, items 13-16): a run killed by SIGTERM, SIGINT or SIGKILL at some point of a
fit, a cohort or the figure set, and two fits started together into one directory, leave either the
old or the new complete output and no stray temporary files.

Each case starts ``python -m metakinetics ...`` in a subprocess and sends the signal after a short
delay, so the signal lands at different points (loading, computing, drawing, writing) from case to
case. SIGKILL cannot be caught: the dead process's temporary files and lock file are removed by
the next write or lock into the same place, which the SIGKILL cases check too.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metakinetics.io_atomic import directory_lock, write_files_atomic
from metakinetics.inference import resolve_setup_path

SETUP = resolve_setup_path(None).parent          # the bundled fits/breast
OLD_RESULT = b'{"old": true}\n'
OLD_PNG = b"old figure"


def _start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "metakinetics", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def _signal_after(proc: subprocess.Popen, sig: int, delay: float) -> int:
    """Send ``sig`` after ``delay`` s; the exit status, checked against the expected ones."""
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=600)
    # 0: finished first; 130 / 143: interrupted / terminated through the CLI's clean-up path;
    # -sig: killed while Python was still starting (before the CLI's handler), nothing written yet
    assert proc.returncode in (0, 130, 143, -sig), err.decode()[-2000:]
    if proc.returncode in (130, 143):
        assert "Traceback" not in err.decode()
    return proc.returncode


def _stray(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _png_marker(png: bytes) -> str | None:
    from PIL import Image
    import io

    return Image.open(io.BytesIO(png)).text.get("metakinetics-result-sha256")


def _assert_fit_pair(out: Path) -> str:
    result, png = (out / "result.json").read_bytes(), (out / "fit.png").read_bytes()
    if result == OLD_RESULT:
        assert png == OLD_PNG, "new figure beside the old result"
        return "old"
    assert _png_marker(png) == hashlib.sha256(result).hexdigest(), "figure of another result"
    return "new"


def _old_fit_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "result.json").write_bytes(OLD_RESULT)
    (out / "fit.png").write_bytes(OLD_PNG)
    return out


@pytest.mark.parametrize("sig,delay", [(signal.SIGTERM, 1.5), (signal.SIGTERM, 5.0),
                                       (signal.SIGINT, 3.0), (signal.SIGKILL, 4.0)])
def test_fit_killed_leaves_old_or_new_pair(tmp_path, sig, delay):
    out = _old_fit_dir(tmp_path)
    code = _signal_after(_start("fit", "--out-dir", str(out), "--quiet"), sig, delay)
    state = _assert_fit_pair(out)
    # a clean exit always leaves the new pair; a signal may come before the commit (old pair, exit
    # by the signal) or after it, while the process exits (new pair, exit by the signal): the fit
    # takes 4.6-5.2 s on a loaded 2-core machine, so the 5 s SIGTERM lands on either side
    assert code != 0 or state == "new"          # a clean exit leaves the new pair (and old means killed)
    if sig == signal.SIGKILL:   # the next run into the directory removes what the dead one left
        with directory_lock(out):
            write_files_atomic([(out / "result.json", (out / "result.json").read_bytes())])
    assert _stray(out) == []


def test_two_concurrent_fits_one_refused_the_pair_consistent(tmp_path):
    out = _old_fit_dir(tmp_path)
    first = _start("fit", "--out-dir", str(out), "--quiet")
    time.sleep(1.0)
    second = _start("fit", "--out-dir", str(out), "--quiet")
    _, err2 = second.communicate(timeout=600)
    first.communicate(timeout=600)
    assert first.returncode == 0
    assert second.returncode == 2
    err2 = err2.decode()
    assert err2.count("\n") == 1 and ".fit.lock" in err2 and "in use by another run" in err2
    assert _assert_fit_pair(out) == "new"
    assert _stray(out) == []


def _cohort_ok(path: Path, old: bytes, patients: int) -> None:
    data = path.read_bytes()
    if data != old:
        assert data.endswith(b"\n") and data.count(b"\n") == patients + 1


@pytest.mark.parametrize("sig,delay", [(signal.SIGTERM, 1.0), (signal.SIGTERM, 4.0),
                                       (signal.SIGINT, 4.5), (signal.SIGKILL, 4.5)])
def test_cohort_killed_leaves_old_or_new_file(tmp_path, sig, delay):
    out = tmp_path / "cohort.csv"
    out.write_bytes(b"old\n")
    patients = 200_000
    code = _signal_after(_start("cohort", "breast", "--patients", str(patients), "--seed", "1",
                                "--out", str(out)), sig, delay)
    _cohort_ok(out, b"old\n", patients)
    if sig == signal.SIGKILL:
        write_files_atomic([(out, out.read_bytes())])
    assert _stray(tmp_path) == []


@pytest.mark.parametrize("sig,delay", [(signal.SIGTERM, 2.0), (signal.SIGINT, 3.0),
                                       (signal.SIGKILL, 3.5)])
def test_figures_killed_leave_complete_files(tmp_path, sig, delay):
    out = tmp_path / "figs"
    code = _signal_after(_start("figures", "breast", "--out", str(out), "-q"), sig, delay)
    if sig == signal.SIGKILL and out.exists():
        for png in out.glob("*.png"):
            write_files_atomic([(png, png.read_bytes())])
    if out.exists():
        for png in out.glob("*.png"):
            assert png.read_bytes().endswith(b"IEND\xaeB`\x82")   # complete PNG
        assert _stray(out) == []


def test_sigterm_exit_status_and_one_line(tmp_path):
    # a million patients take 8-16 s (0.75 GB), so the run is still going at 2 s on any machine
    # (200 000 patients finished inside 2 s on the CI runner and exited 0)
    proc = _start("cohort", "breast", "--patients", "1000000", "--out", str(tmp_path / "c.csv"))
    code = _signal_after(proc, signal.SIGTERM, 2.0)
    assert code == 143
    assert _stray(tmp_path) == []


@pytest.mark.parametrize("sig,status,word", [(signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])
@pytest.mark.parametrize("library_does", ["converts", "swallows"])
def test_signal_seen_through_a_library_that_rewrites_its_exception(monkeypatch, capsys, sig, status, word,
                                                                    library_does):
    # numpy reports an exception raised inside a structured-array comparison (np.unique over rows)
    # as a TypeError; CI once saw a SIGTERM at 1.5 s end a fit with that traceback and status 1
    from metakinetics.cli import main as cli_main
    from metakinetics.cli import models

    def run(args):
        try:
            os.kill(os.getpid(), sig)
            time.sleep(1.0)            # the handler runs here
        except KeyboardInterrupt as exc:
            if library_does == "converts":
                raise TypeError("Cannot compare structured arrays unless they have a common dtype") from exc
        return 0

    monkeypatch.setattr(models, "run", run)
    before = signal.getsignal(signal.SIGTERM)
    assert cli_main.main(["models"]) == status
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"metakinetics models: {word}"]
    assert signal.getsignal(signal.SIGTERM) is before          # handlers restored
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("sig,status,word", [(signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])
def test_signal_inside_a_finaliser_still_stops_the_run(monkeypatch, capsys, sig, status, word):
    # a signal handled while a __del__ or weakref callback runs raises where Python can only print
    # "Exception ignored in ..." with a traceback and go on (seen: matplotlib's WeakSet during
    # `figures`); the CLI delivers it again, so the run stops, with one line and no traceback
    from metakinetics.cli import main as cli_main
    from metakinetics.cli import models
    reached = []

    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), sig)
            time.sleep(0.5)            # the handler runs here, inside the finaliser

    def run(args):
        Finalised()
        time.sleep(2.0)                # the signal delivered again lands here
        reached.append("end")
        return 0

    monkeypatch.setattr(models, "run", run)
    hook = sys.unraisablehook
    assert cli_main.main(["models"]) == status
    assert sys.unraisablehook is hook                        # restored
    assert reached == []
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"metakinetics models: {word}"], err
