"""Finite-difference derivatives of a fit's objective, their k + 1 evaluations spread over worker
processes (``[fit] workers``): the optimiser's step count is unchanged and every number is the one a
serial evaluation gives (the objective is deterministic), only the wall time drops.

Forward differences with step h_i = sqrt(machine eps) x max(1, abs(x_i)) on the search scale (log for
log parameters), as scipy's own '2-point' scheme; a step that would leave the bounds goes backwards.
Workers are forked from the fitting process (Linux and other fork-capable systems) and hold its
objective; where fork is not available the evaluations run in the calling process.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable

import numpy as np

#: step of the forward differences, relative to max(1, abs(x))
STEP = float(np.sqrt(np.finfo(float).eps))

_TARGET: Callable[[np.ndarray], np.ndarray] | None = None     # the objective, inherited by the workers


def _call(x: np.ndarray) -> np.ndarray:
    return np.atleast_1d(np.asarray(_TARGET(x), dtype=float))


#: held back while the workers fork (see :func:`_start_worker`)
_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _start_worker(initializer: Callable[[], None] | None) -> None:
    """Run in each worker as it starts: SIGTERM to its default action, Ctrl-C left to the parent
    (which closes the pool), then the signals the fork held back let through, then ``initializer``.

    The workers fork with SIGTERM blocked: a SIGTERM from the pool's terminate arriving between the
    fork and this point would otherwise meet the handler copied from the command line, whose
    pending flag Python clears after a fork, and be lost; the worker would then wait for a task
    for ever and the pool's join with it (seen on a loaded machine with a one-parameter refit)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    if initializer is not None:
        initializer()


class Differences:
    """Jacobian (residual vectors) or gradient (scalars) of ``target`` by forward differences on a
    pool of ``workers`` processes; use as a context manager (the pool closes on exit)."""

    def __init__(self, target: Callable[[np.ndarray], np.ndarray | float], lower: np.ndarray, upper: np.ndarray,
                 workers: int, initializer: Callable[[], None] | None = None):
        self.target, self.lower, self.upper = target, np.asarray(lower, float), np.asarray(upper, float)
        self.workers = int(workers)
        self.initializer = initializer          # run once in each worker (e.g. silence progress reports)
        self.evaluations = 0
        self._pool = None

    def __enter__(self) -> "Differences":
        global _TARGET
        if self.workers > 1 and "fork" in mp.get_all_start_methods():
            _TARGET = self.target
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)   # inherited by the workers
            try:
                self._pool = mp.get_context("fork").Pool(self.workers, initializer=_start_worker,
                                                         initargs=(self.initializer,))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes (if any; later evaluations run in this process). Call it before
        another pool is opened: a fork while this pool's threads run can leave the new worker
        holding a lock copied mid-use."""
        global _TARGET
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        _TARGET = None

    def steps(self, x: np.ndarray) -> np.ndarray:
        """(k,) signed steps at ``x``: forward, backward where forward would cross the upper bound."""
        h = STEP * np.maximum(1.0, np.abs(x))
        return np.where(x + h > self.upper, -h, h)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """(m, k) derivatives of the target's m outputs in the k search coordinates at ``x``.

        Parameters
        ----------
        x : numpy.ndarray
            (k,) point on the search scale.

        Returns
        -------
        numpy.ndarray
            d target_j / d x_i, column i for coordinate i (for a scalar target m = 1).
        """
        x = np.asarray(x, dtype=float)
        h = self.steps(x)
        points = [x] + [x + h[i] * np.eye(x.size)[i] for i in range(x.size)]
        if self._pool is not None:
            values = self._pool.map(_call, points, chunksize=1)
        else:
            values = [np.atleast_1d(np.asarray(self.target(p), dtype=float)) for p in points]
        self.evaluations += len(points)
        f0 = values[0]
        return np.stack([(values[i + 1] - f0) / h[i] for i in range(x.size)], axis=1)

    def values(self, points: list[np.ndarray]) -> list[np.ndarray]:
        """The target at each of ``points`` (on the pool when there is one), as 1-D arrays.

        Parameters
        ----------
        points : list of numpy.ndarray
            (k,) points on the search scale.

        Returns
        -------
        list of numpy.ndarray
            One array per point: the residual vector, or a scalar target as shape (1,).
        """
        if self._pool is not None:
            out = self._pool.map(_call, points, chunksize=max(1, len(points) // (4 * self.workers)))
        else:
            out = [np.atleast_1d(np.asarray(self.target(p), dtype=float)) for p in points]
        self.evaluations += len(points)
        return out

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """(k,) gradient of a scalar target at ``x`` (the one row of :meth:`jacobian`).

        Parameters
        ----------
        x : numpy.ndarray
            (k,) point on the search scale.

        Returns
        -------
        numpy.ndarray
            d target / d x_i.
        """
        return self.jacobian(x)[0]
