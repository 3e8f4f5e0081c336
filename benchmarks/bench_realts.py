"""RealTS throughput benchmark (acceptance 3) and the 100k-series exactly-once check (acceptance 5).

    PYTHONPATH=. python benchmarks/bench_realts.py --out-dir benchmarks/results

Prints, and writes to ``<out-dir>/realts_bench.txt`` and ``realts_bench.json``:
  * generation rate (series/s) at L=1232 with 1 and 2 worker processes (best of --repeats);
  * corpus write rate (``realts generate``, 8 shards) with 1 and 2 workers;
  * streaming read rates: pyarrow row groups, the torch corpus adapter under a 2-worker
    DataLoader, and Hugging Face ``datasets`` streaming (rows, and numpy batches);
  * the 100,000-series / 8-shard corpus read back through the torch adapter under 2 workers:
    every index exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import realts  # noqa: E402
from realts.corpus import iter_corpus, stream_corpus, write_corpus  # noqa: E402

LENGTH = 1232
SEED = 7


def cpu_seconds() -> float:
    """CPU time of this process. Only meaningful for the 1-worker runs: pool workers are
    children of the fork server, so their time is not visible here."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run). CPU time is insensitive to other jobs
    sharing the machine; wall time is what a user waits."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), cpu_seconds()
        fn()
        run = (time.perf_counter() - wall, cpu_seconds() - cpu)
        best = min(best, run)
    return best


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy
    import pyarrow
    import datasets
    import torch
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__,
            "pyarrow": pyarrow.__version__, "datasets": datasets.__version__, "torch": torch.__version__,
            "realts": realts.__version__}


def bench_generation(num_series: int, repeats: int) -> dict[str, float]:
    realts.generate(1000, LENGTH, SEED)  # warm caches (spectra, imports)
    out = {}
    for workers in (1, 2):
        wall, cpu = best_of(repeats, lambda: realts.generate(num_series, LENGTH, SEED, workers=workers))
        out[f"workers_{workers}"] = num_series / wall
        if workers == 1:
            out["workers_1_per_cpu_second"] = num_series / cpu
    return out


def bench_write(directory: Path, num_series: int) -> dict[str, float]:
    out = {}
    for workers in (1, 2):
        target = directory / f"write_w{workers}"
        wall, cpu = time.perf_counter(), cpu_seconds()
        write_corpus(target, num_series, LENGTH, SEED, shards=8, workers=workers, overwrite=True)
        out[f"workers_{workers}"] = num_series / (time.perf_counter() - wall)
        if workers == 1:
            out["workers_1_per_cpu_second"] = num_series / (cpu_seconds() - cpu)
        out["bytes_per_series"] = sum(f.stat().st_size for f in target.glob("*.parquet")) / num_series
    return out


def bench_read(corpus: Path, num_series: int, hf_rows: int) -> dict[str, float]:
    import torch
    from torch.utils.data import DataLoader
    from realts.torch_adapter import RealTSCorpusDataset

    out = {}
    start = time.perf_counter()
    rows = sum(len(g["index"]) for g in iter_corpus(corpus))
    out["arrow_row_groups"] = rows / (time.perf_counter() - start)

    start = time.perf_counter()
    loader = DataLoader(RealTSCorpusDataset(corpus, batch_size=1024), batch_size=None, num_workers=2)
    seen = torch.cat([b["index"] for b in loader]).numpy()
    out["torch_adapter_2_workers"] = len(seen) / (time.perf_counter() - start)
    assert len(seen) == num_series

    start = time.perf_counter()
    for n, _ in enumerate(stream_corpus(corpus), start=1):
        if n == hf_rows:
            break
    out["hf_datasets_rows"] = hf_rows / (time.perf_counter() - start)

    start = time.perf_counter()
    rows = sum(len(b["index"]) for b in stream_corpus(corpus).with_format("numpy").iter(batch_size=1024))
    out["hf_datasets_numpy_batches"] = rows / (time.perf_counter() - start)
    return out


def exactly_once(corpus: Path, num_series: int) -> dict[str, Any]:
    from torch.utils.data import DataLoader
    from realts.torch_adapter import RealTSCorpusDataset

    counts = np.zeros(num_series, np.int64)
    loader = DataLoader(RealTSCorpusDataset(corpus, batch_size=1024), batch_size=None, num_workers=2)
    for batch in loader:
        np.add.at(counts, batch["index"].numpy(), 1)
    return {"num_series": num_series, "shards": len(list(corpus.glob("*.parquet"))), "workers": 2,
            "each_index_exactly_once": bool(np.all(counts == 1)), "min_count": int(counts.min()),
            "max_count": int(counts.max())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gen-series", type=int, default=100_000)
    parser.add_argument("--corpus-series", type=int, default=100_000)
    parser.add_argument("--hf-rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, help="write realts_bench.txt/.json here")
    args = parser.parse_args()

    results: dict[str, Any] = {"machine": machine(), "length": LENGTH,
                               "command": "PYTHONPATH=. python " + " ".join(sys.argv)}
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    results["load_average_before"] = os.getloadavg()
    say(f"realts {realts.__version__} benchmark, L={LENGTH}, {results['machine']['cpus']} CPUs "
        f"({results['machine']['cpu']}), load average before {results['load_average_before'][0]:.2f}")
    results["generate_series_per_s"] = gen = bench_generation(args.gen_series, args.repeats)
    say(f"generate  {args.gen_series} series: 1 worker {gen['workers_1']:,.0f} series/s, "
        f"2 workers {gen['workers_2']:,.0f} series/s (wall clock, best of {args.repeats}; "
        f"1 worker per CPU-second: {gen['workers_1_per_cpu_second']:,.0f})")
    with tempfile.TemporaryDirectory(prefix="realts-bench-") as tmp:
        tmp_path = Path(tmp)
        results["write_series_per_s"] = wr = bench_write(tmp_path, args.corpus_series)
        say(f"write     {args.corpus_series} series, 8 shards: 1 worker {wr['workers_1']:,.0f} series/s, "
            f"2 workers {wr['workers_2']:,.0f} series/s ({wr['bytes_per_series']:,.0f} bytes/series on disk; "
            f"1 worker per CPU-second: {wr['workers_1_per_cpu_second']:,.0f})")
        corpus = tmp_path / "write_w2"
        results["read_series_per_s"] = rd = bench_read(corpus, args.corpus_series, args.hf_rows)
        say(f"read      pyarrow row groups {rd['arrow_row_groups']:,.0f} series/s; torch adapter (2 workers) "
            f"{rd['torch_adapter_2_workers']:,.0f} series/s")
        say(f"read      HF datasets streaming: rows {rd['hf_datasets_rows']:,.0f} series/s, "
            f"numpy batches {rd['hf_datasets_numpy_batches']:,.0f} series/s")
        results["exactly_once"] = once = exactly_once(corpus, args.corpus_series)
        say(f"check     {once['num_series']} series / {once['shards']} shards via torch adapter, 2 workers: "
            f"each index exactly once = {once['each_index_exactly_once']}")
        shutil.rmtree(tmp_path / "write_w1", ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    say(f"load average after {results['load_average_after'][0]:.2f} (other jobs share these 2 CPUs)")
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "realts_bench.txt").write_text(
            "$ " + results["command"] + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        (args.out_dir / "realts_bench.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0 if once["each_index_exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
