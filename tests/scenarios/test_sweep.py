"""Sweeps give bit-identical numbers serially, on a process pool and on a Dask cluster, for the
same seed; seeds and chunks do not depend on the number of workers."""
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.scenarios import chunk_ranges, compare, make_executor, run_chunks, task_seeds

SCENARIOS = ["surgery_delay=0.25", "organ_drug:bone=0.7"]
# Monte Carlo over the random effects (500 virtual patients per task) so that every task
# really uses its spawned seed, plus 3 parameter draws from the fit: draws x scenarios x cohorts.
OPTIONS = dict(endpoint="distant", times=[2.0, 10.0], draws=3, seed=11, patients=500, chunk_size=1)


@pytest.fixture(scope="module")
def serial(synthetic_fit):
    return compare(synthetic_fit, SCENARIOS, **OPTIONS)


def test_serial_is_reproducible(synthetic_fit, serial):
    again = compare(synthetic_fit, SCENARIOS, **OPTIONS)
    assert np.array_equal(again.sweep.values, serial.sweep.values)
    other = compare(synthetic_fit, SCENARIOS, **dict(OPTIONS, seed=12))
    assert not np.array_equal(other.sweep.values, serial.sweep.values)


def test_process_pool_matches_serial(synthetic_fit, serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        par = compare(synthetic_fit, SCENARIOS, executor=pool, **OPTIONS)
    assert np.array_equal(par.sweep.values, serial.sweep.values)  # bit-identical, not approx
    for name in serial.names:
        a, b = serial.column(name), par.column(name)
        assert all(x == y or (x != x and y != y) for x, y in zip(a, b)), name


def test_dask_cluster_matches_serial(synthetic_fit, serial):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        by_client = compare(synthetic_fit, SCENARIOS, scheduler=client, **OPTIONS)
        by_address = compare(synthetic_fit, SCENARIOS, scheduler=cluster.scheduler_address, **OPTIONS)
    assert np.array_equal(by_client.sweep.values, serial.sweep.values)
    assert np.array_equal(by_address.sweep.values, serial.sweep.values)


def test_progress_callback_counts_chunks(synthetic_fit):
    seen = []
    compare(synthetic_fit, SCENARIOS, progress=lambda d, n: seen.append((d, n)), **OPTIONS)
    assert seen == [(i, 4) for i in range(1, 5)]  # 1 estimate + 3 draws, one row per chunk


def test_seeds_and_chunks_are_deterministic():
    a = [s.generate_state(2) for s in task_seeds(5, 4)]
    b = [s.generate_state(2) for s in task_seeds(5, 4)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert chunk_ranges(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert run_chunks(abs, [-1, -2, 3]) == [1, 2, 3]


def test_bad_executor_arguments():
    with pytest.raises(InputError, match="not both"):
        with make_executor(workers=2, scheduler="tcp://127.0.0.1:1"):
            pass
    with pytest.raises(InputError, match="whole number"):
        with make_executor(workers=-1):
            pass
    with pytest.raises(InputError, match="Executor"):
        run_chunks(abs, [1], executor="pool")
