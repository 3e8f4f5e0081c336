"""Multi-process generation into shared memory.

Workers receive index ranges and write rows straight into a shared float32 buffer, so no
array is ever serialised between processes. Because series i depends only on (seed, i,
config), the result is identical for any number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np

from .config import RealTSConfig


def mp_context() -> mp.context.BaseContext:
    """A fork server where available (safe with threads in the parent, e.g. torch or BLAS,
    and cheap after its first start because it preloads numpy/scipy/realts), else spawn."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["realts.generator"])
        return ctx
    return mp.get_context("spawn")


def chunk_ranges(start: int, count: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(chunk, start + count - s)) for s in range(start, start + count, chunk)]


def _fill(shm_name: str, shape: tuple[int, int], offset: int, start: int, count: int,
          length: int, seed: int, config_json: str, batch_size: int) -> int:
    from .generator import iter_batches  # imported in the worker
    shm = shared_memory.SharedMemory(name=shm_name)
    try:
        out = np.ndarray(shape, np.float32, buffer=shm.buf)
        config = RealTSConfig.from_json(config_json)
        for batch in iter_batches(count, length, seed, config, batch_size=batch_size, start_index=start):
            lo = int(batch.indices[0]) - offset
            out[lo:lo + len(batch)] = batch.values
        del out
    finally:
        shm.close()
    return count


def generate_parallel(num_series: int, length: int, seed: int, config: RealTSConfig, *,
                      start_index: int, workers: int, batch_size: int) -> np.ndarray:
    shape = (num_series, length)
    shm = shared_memory.SharedMemory(create=True, size=max(1, num_series * length * 4))
    try:
        # Several chunks per worker balance the load; each chunk is a few batches.
        chunk = max(batch_size, -(-num_series // (workers * 4)))
        config_json = config.to_json()
        with ProcessPoolExecutor(workers, mp_context=mp_context()) as pool:
            futures = [pool.submit(_fill, shm.name, shape, start_index, s, c, length, seed, config_json, batch_size)
                       for s, c in chunk_ranges(start_index, num_series, chunk)]
            for future in futures:
                future.result()
        result = np.ndarray(shape, np.float32, buffer=shm.buf).copy()
    finally:
        shm.close()
        shm.unlink()
    return result
