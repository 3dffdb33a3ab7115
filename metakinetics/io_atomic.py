"""Safe file output: atomic writes, writability checks before computing, and a directory lock.

A regular file is written to a temporary file beside it, then renamed over it, so an interrupted
run never leaves a half-written result (fit results, cohorts, figures). Special files are written
in place instead, never replaced: a FIFO, a device (``/dev/null``, ``/dev/full``), a socket. A
symlink is followed and its target is written (atomically when the target is a regular file), so
the link stays a link. ``-`` is stdout and is handled by the callers.

Temporary files are named ``.NAME.PID.XXXX.tmp``. A process that is interrupted (SIGINT, or SIGTERM
through the CLI's handler) removes its own; one killed outright (SIGKILL) cannot, so each write
first removes the temporary files of the same target left by processes that no longer exist.
"""
from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import OutputError

#: The lock file a fit holds in its output directory while it runs (see :func:`directory_lock`).
LOCK_NAME = ".fit.lock"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _target(path: str | os.PathLike) -> Path:
    """The file actually written: a symlink's final target, else the path itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _is_special(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: str | os.PathLike, *, what: str = "--out") -> None:
    """Raise :class:`OutputError` unless ``path`` can be written as a file (call before computing).

    ``-`` (stdout) always passes. A directory, a missing parent directory, a parent that is a file
    or a parent where no file can be created (read-only) is refused, naming ``what``."""
    if str(path) == "-":
        return
    target = _target(path)
    if target.is_dir():
        raise OutputError(f"{what}: cannot write '{path}': it is a directory (give a file name)")
    if _is_special(target):
        if not os.access(target, os.W_OK):
            raise OutputError(f"{what}: cannot write '{path}': permission denied")
        return
    _check_directory(target.parent, what=what, path=path)


def check_writable_dir(path: str | os.PathLike, *, what: str = "--out-dir") -> None:
    """Raise :class:`OutputError` unless ``path`` is (or can be created as) a writable directory."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what}: '{path}' exists and is not a directory")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise OutputError(f"{what}: cannot create '{path}': '{existing}' is a file")
    _check_directory(existing, what=what, path=path)


def _check_directory(folder: Path, *, what: str, path) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.exists():
        raise OutputError(f"{what}: cannot write '{path}': directory '{folder}' does not exist")
    if not folder.is_dir():
        raise OutputError(f"{what}: cannot write '{path}': '{folder}' is not a directory")
    # probe by creating a file: os.access says yes to root on a read-only file system
    try:
        fd, probe = tempfile.mkstemp(prefix=".metakinetics-probe.", dir=folder)
    except OSError as exc:
        raise OutputError(f"{what}: cannot write '{path}': directory '{folder}' is not writable "
                          f"({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _sweep_stale(target: Path) -> None:
    """Remove temporary files of ``target`` left by processes that no longer exist (SIGKILL)."""
    try:
        names = os.listdir(target.parent if str(target.parent) else ".")
    except OSError:
        return
    prefix = f".{target.name}."
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(target.parent / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stage(target: Path, data: bytes) -> str:
    """Write ``data`` to a fsynced temporary file beside ``target``; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                               dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends (the renames of a set of files go together)."""
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _oserror(path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write '{path}': {exc.strerror or exc}")


def write_files_atomic(items: Sequence[tuple[str | os.PathLike, bytes]]) -> list[Path]:
    """Write several files as one step: all are staged first, then renamed in the given order with
    SIGINT/SIGTERM held, so an interruption leaves all old files or all new ones. Special files and
    symlinks are handled as in :func:`write_bytes_atomic`."""
    staged: list[tuple[Path, str]] = []
    in_place: list[tuple[Path, bytes]] = []
    try:
        for path, data in items:
            target = _target(path)
            if target.is_dir():
                raise OutputError(f"cannot write '{path}': it is a directory")
            if _is_special(target):
                in_place.append((target, data))
            else:
                staged.append((target, _stage(target, data)))
        with _signals_deferred():
            for target, tmp in staged:
                os.replace(tmp, target)
    except BaseException as exc:
        for _, tmp in staged:
            _unlink(tmp)
        if isinstance(exc, OSError):
            raise _oserror(exc.filename or "output", exc) from None
        raise
    for target, data in in_place:
        try:
            with open(target, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise _oserror(target, exc) from None
    return [Path(p) for p, _ in items]


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (same-directory temp file + os.replace); a special
    file is written in place and a symlink's target is written (see the module docstring)."""
    return write_files_atomic([(path, data)])[0]


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write text (UTF-8) to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def directory_lock(folder: str | os.PathLike, *, what: str = "output directory") -> Iterator[Path]:
    """Hold an exclusive ``fcntl`` lock on ``folder/.fit.lock`` for the block, or raise
    :class:`OutputError` at once when another process holds it. The lock file is removed on exit."""
    import fcntl

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _oserror(folder, exc) from None
    lock = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as exc:
            raise _oserror(lock, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"{what} '{folder}' is in use by another run (lock file {lock} is "
                              f"held); wait for it to finish or write elsewhere") from None
        # the holder before us may have removed the file after we opened it: lock the live one
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)
