"""Run a sweep's chunks on any ``concurrent.futures.Executor``: serial, a process pool or Dask.

Work is cut into chunks that depend only on the problem size (never on the number of workers),
every chunk carries its own seeds (``numpy.random.SeedSequence.spawn``), and results are put
back in chunk order, so a run on 1 process, 8 processes or a Dask cluster gives bit-identical
numbers for the same seed. Progress is reported through a callback (the CLI draws a tqdm bar);
nothing here prints.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from ..errors import InputError

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)


def task_seeds(seed: int | np.random.SeedSequence | None, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of ``seed`` (same seed, same children, in order).

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or None
        The root seed.
    n : int
        How many children.

    Returns
    -------
    list of numpy.random.SeedSequence
    """
    if n < 0:
        raise InputError(f"number of tasks must be zero or positive, found {n}")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(n)


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, stop)`` blocks of ``chunk_size`` covering ``range(n)`` in order.

    Parameters
    ----------
    n : int
        Number of items.
    chunk_size : int
        Items per block (at least 1; the last block may be shorter).

    Returns
    -------
    list of (int, int)
    """
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, found {chunk_size}")
    return [(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__name__ == "Client" and hasattr(obj, "get_executor")


def as_executor(obj: Any) -> Executor | None:
    """An Executor from an Executor, a dask.distributed Client (``client.get_executor()``) or
    None (serial)."""
    if obj is None or isinstance(obj, Executor):
        return obj
    if _is_dask_client(obj):
        return obj.get_executor()
    raise InputError(f"executor: expected a concurrent.futures.Executor or a dask.distributed "
                     f"Client, found {type(obj).__name__}")


@contextlib.contextmanager
def make_executor(workers: int | None = None, scheduler: Any = None,
                  tasks: int | None = None) -> Iterator[Executor | None]:
    """Executor for a sweep, closed on exit (a context manager).

    A Dask cluster's executor when ``scheduler`` is an address (``tcp://host:8786``) or a Client,
    else a local process pool of min(workers, tasks, CPUs) processes, else serial: more processes
    than tasks would idle and more than CPUs only contend (``--workers 1000`` once spawned 540
    processes for 3 tasks).

    Parameters
    ----------
    workers : int, optional
        Processes of a local pool at most; None, 0 or 1 means serial.
    scheduler : str or dask.distributed.Client, optional
        A Dask scheduler (not together with ``workers`` > 1).
    tasks : int, optional
        Number of tasks the pool will run (caps its size; 1 means serial).

    Yields
    ------
    concurrent.futures.Executor or None
        None for a serial run.
    """
    if scheduler is not None and workers not in (None, 0, 1):
        raise InputError("give either workers (a local process pool) or a Dask scheduler, not both")
    if scheduler is not None:
        if _is_dask_client(scheduler):
            yield scheduler.get_executor()
            return
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise InputError(f"scheduler: expected an address such as tcp://127.0.0.1:8786, found {scheduler!r}")
        try:
            from dask.distributed import Client
        except ImportError:  # pragma: no cover - dask is in the test extra
            raise InputError("a Dask scheduler needs dask.distributed: pip install 'metakinetics[dask]'") from None
        try:
            client = Client(scheduler, timeout=10, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"scheduler: cannot connect to Dask scheduler at {scheduler} ({exc})") from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if workers is not None and (not isinstance(workers, (int, np.integer)) or workers < 0):
        raise InputError(f"workers: expected a whole number >= 0, found {workers!r}")
    if tasks is not None and (not isinstance(tasks, (int, np.integer)) or tasks < 0):
        raise InputError(f"tasks: expected a whole number >= 0, found {tasks!r}")
    size = min(int(workers or 0), default_workers(), *(() if tasks is None else (int(tasks),)))
    if size <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=size) as pool:
        yield pool


def default_workers() -> int:
    """Workers for a local pool: the CPUs this process may use.

    Returns
    -------
    int
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_chunks(fn: Callable[[Any], Any], payloads: Sequence[Any], *, executor: Any = None,
               progress: Progress | None = None) -> list[Any]:
    """``[fn(p) for p in payloads]`` on ``executor`` (None: in this process), in payload order.

    ``fn`` must be a module-level function and the payloads picklable for a process pool or a
    Dask cluster. On any error the pending tasks are cancelled.

    Parameters
    ----------
    fn : callable
        Applied to each payload.
    payloads : sequence
        One task each.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run them.
    progress : callable, optional
        ``progress(done, total)`` after each chunk.

    Returns
    -------
    list
        The results, in the order of ``payloads``.
    """
    ex = as_executor(executor)
    total = len(payloads)
    results: list[Any] = [None] * total
    if ex is None:
        for i, p in enumerate(payloads):
            results[i] = fn(p)
            if progress:
                progress(i + 1, total)
        return results
    futures = {ex.submit(fn, p): i for i, p in enumerate(payloads)}
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            if progress:
                progress(done, total)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    return results
