"""Corpora on disk: Parquet shards written through Hugging Face `datasets`, read back streaming.

Layout of a corpus directory::

    realts_meta.json                   generator version, seed, length, config, shard table
    part-00000-of-00008.parquet        rows [start, stop) of shard 0, one row group per batch
    ...

Each shard's Parquet schema metadata also carries the ``realts`` JSON (and the
``huggingface`` features), so a single file is self-describing. Columns: ``index`` (int64),
``behaviour`` (string), ``augmentations`` (list of strings), ``params`` (JSON string),
``values`` (fixed-size list of float32, the series).
"""

from __future__ import annotations

import json
import os
import queue as queue_mod
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .config import BEHAVIOURS, RealTSConfig, check_count
from .errors import ConfigError, CorpusError, OutputExistsError
from .generator import DEFAULT_BATCH_SIZE, check_arguments, iter_batches
from .parallel import mp_context
from .spectra import spectrum_from_source
from .version import STREAM_VERSION, __version__

META_FILE = "realts_meta.json"
META_KEY = "realts"
CORPUS_FORMAT = "realts-corpus"
COLUMNS = ("index", "behaviour", "augmentations", "params", "values")


def shard_name(shard: int, shards: int) -> str:
    return f"part-{shard:05d}-of-{shards:05d}.parquet"


def shard_ranges(start: int, num_series: int, shards: int) -> list[tuple[int, int]]:
    """(start, count) per shard: contiguous, sizes differ by at most one."""
    base, extra = divmod(num_series, shards)
    out, begin = [], start
    for k in range(shards):
        count = base + (1 if k < extra else 0)
        out.append((begin, count))
        begin += count
    return out


def corpus_features(length: int):
    from datasets import Features, List, Value
    return Features({"index": Value("int64"), "behaviour": Value("string"),
                     "augmentations": List(Value("string")), "params": Value("string"),
                     "values": List(Value("float32"), length=length)})


def _spectra_digests(config: RealTSConfig, length: int) -> dict[str, dict[str, str]]:
    """Load every IFFTB spectrum in use (fails early on a bad file) and record its hash."""
    out = {}
    for name in ("ifftb1", "ifftb2"):
        if config.weights.get(name, 0.0) > 0:
            source = getattr(config, name).spectrum
            out[name] = {"source": source, "sha256": spectrum_from_source(source, length).sha256()}
    return out


def _batch_table(batch, length: int, schema):
    import pyarrow as pa
    names = np.asarray(BEHAVIOURS, dtype=object)[batch.behaviour_codes]
    values = pa.FixedSizeListArray.from_arrays(pa.array(batch.values.reshape(-1), pa.float32()), length)
    return pa.table({
        "index": pa.array(batch.indices, pa.int64()),
        "behaviour": pa.array(names.tolist(), pa.string()),
        "augmentations": pa.array([batch.augmentation_names(j) for j in range(len(batch))], pa.list_(pa.string())),
        "params": pa.array(batch.params_json(), pa.string()),
        "values": values,
    }, schema=schema)


def _write_shard(directory: str, shard: int, shards: int, start: int, count: int, length: int, seed: int,
                 config_json: str, batch_size: int, meta_json: str, schema_bytes: bytes,
                 progress: Any = None) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    config = RealTSConfig.from_json(config_json)
    path = os.path.join(directory, shard_name(shard, shards))
    shard_meta = json.dumps({**json.loads(meta_json), "shard": {"index": shard, "start": start, "count": count}})
    # The schema comes from the `datasets` Features (built once by the parent, so workers need
    # not import `datasets`); its "huggingface" metadata makes `load_dataset` restore them
    # exactly, and ours rides beside it under "realts".
    schema = pa.ipc.read_schema(pa.py_buffer(schema_bytes))
    schema = schema.with_metadata({**(schema.metadata or {}), META_KEY.encode(): shard_meta.encode()})
    rows = 0
    # Dictionary encoding and compression of random floats cost time and save nothing.
    with pq.ParquetWriter(path, schema, use_dictionary=["behaviour", "augmentations.list.element"],
                          compression={"index": "zstd", "behaviour": "zstd", "augmentations.list.element": "zstd",
                                       "params": "zstd", "values.list.element": "none"}) as writer:
        for batch in iter_batches(count, length, seed, config, batch_size=batch_size, start_index=start):
            writer.write_table(_batch_table(batch, length, schema), row_group_size=batch_size)
            rows += len(batch)
            if progress is not None:
                progress.put(len(batch))
    return {"file": shard_name(shard, shards), "start": start, "count": rows, "bytes": os.path.getsize(path)}


def _progress_init(q: Any) -> None:
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = q


def _write_shard_in_worker(*args: Any) -> dict[str, Any]:
    return _write_shard(*args, progress=_PROGRESS_QUEUE)


_PROGRESS_QUEUE: Any = None


def write_corpus(out_dir: str | os.PathLike[str], num_series: int, length: int, seed: int,
                 config: RealTSConfig | None = None, *, shards: int = 1, workers: int = 1,
                 overwrite: bool = False, batch_size: int = DEFAULT_BATCH_SIZE, start_index: int = 0,
                 progress: bool = False) -> dict[str, Any]:
    """Generate series [start_index, start_index + num_series) into `shards` Parquet files.

    Everything is validated before anything is written; the corpus is assembled in a
    temporary sibling directory and renamed into place, so a failure leaves no partial output.
    An existing non-empty `out_dir` is replaced only with ``overwrite=True``, and only if it is
    a realts corpus (holds ``realts_meta.json``). Returns the
    metadata written to ``realts_meta.json``.
    """
    config = RealTSConfig() if config is None else config
    check_arguments(num_series, length, seed, start_index, config)
    check_count("shards", shards)
    check_count("workers", workers)
    check_count("batch_size", batch_size)
    if shards > num_series:
        raise ConfigError(f"shards ({shards}) must not exceed num_series ({num_series})")
    out = Path(out_dir)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        if not overwrite:
            raise OutputExistsError(f"output {str(out)!r} exists; pass overwrite=True (--overwrite) to replace it")
        if not (out / META_FILE).is_file():  # never delete a directory realts did not write
            raise OutputExistsError(f"output {str(out)!r} exists and is not a realts corpus; refusing to overwrite")
    meta: dict[str, Any] = {
        "format": CORPUS_FORMAT, "generator": "realts", "version": __version__,
        "stream_version": STREAM_VERSION, "seed": int(seed), "length": int(length),
        "start_index": int(start_index), "num_series": int(num_series),
        "config": config.to_dict(), "spectra": _spectra_digests(config, length),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        schema_bytes = corpus_features(length).arrow_schema.serialize().to_pybytes()
        tasks = [(str(tmp), k, shards, s, c, length, seed, config.to_json(), batch_size, json.dumps(meta), schema_bytes)
                 for k, (s, c) in enumerate(shard_ranges(start_index, num_series, shards))]
        started = time.perf_counter()
        results = _run_tasks(tasks, workers, num_series, progress)
        meta["shards"] = sorted(results, key=lambda r: r["start"])
        meta["write_seconds"] = round(time.perf_counter() - started, 3)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def _run_tasks(tasks: list[tuple], workers: int, total: int, progress: bool) -> list[dict[str, Any]]:
    from tqdm.auto import tqdm
    bar = tqdm(total=total, unit="series", disable=not progress, desc="realts generate")
    try:
        if workers == 1:
            class _Bar:
                def put(self, n: int) -> None:
                    bar.update(n)
            return [_write_shard(*t, progress=_Bar()) for t in tasks]
        ctx = mp_context()
        q = ctx.Queue()
        with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=ctx, initializer=_progress_init,
                                 initargs=(q,)) as pool:
            futures = [pool.submit(_write_shard_in_worker, *t) for t in tasks]
            while not all(f.done() for f in futures):
                try:
                    bar.update(q.get(timeout=0.2))
                except queue_mod.Empty:
                    pass
            results = [f.result() for f in futures]
            while True:  # drain what arrived after the last poll
                try:
                    bar.update(q.get_nowait())
                except queue_mod.Empty:
                    break
            return results
    finally:
        bar.close()


def _move_into_place(tmp: Path, out: Path) -> None:
    if out.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, trash / "old")
        os.replace(tmp, out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, out)


# -- reading -------------------------------------------------------------------------------

def read_corpus_metadata(directory: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise CorpusError(f"{str(directory)!r} is not a realts corpus (no {META_FILE})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{str(path)!r} is not valid JSON: {exc}") from exc
    if meta.get("format") != CORPUS_FORMAT:
        raise CorpusError(f"{str(path)!r} has format {meta.get('format')!r}, expected {CORPUS_FORMAT!r}")
    return meta


def shard_files(directory: str | os.PathLike[str]) -> list[Path]:
    meta = read_corpus_metadata(directory)
    files = [Path(directory) / s["file"] for s in meta["shards"]]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise CorpusError(f"corpus {str(directory)!r} lacks shard file(s) {missing}")
    return files


def stream_corpus(directory: str | os.PathLike[str]):
    """The corpus as a streaming Hugging Face ``IterableDataset`` (rows as dicts)."""
    from datasets import load_dataset
    files = [str(f) for f in shard_files(directory)]
    length = read_corpus_metadata(directory)["length"]
    return load_dataset("parquet", data_files={"train": files}, split="train", streaming=True,
                        features=corpus_features(length))


def read_units(directory: str | os.PathLike[str]) -> list[tuple[Path, int]]:
    """(file, row group) pairs in index order: the unit of work for parallel readers."""
    import pyarrow.parquet as pq
    units = []
    for f in shard_files(directory):
        units.extend((f, g) for g in range(pq.ParquetFile(f).num_row_groups))
    return units


def iter_corpus(directory: str | os.PathLike[str], *, consumer: int = 0, num_consumers: int = 1,
                columns: tuple[str, ...] = ("index", "behaviour", "values")) -> Iterator[dict[str, Any]]:
    """Stream row groups as column arrays (``values`` float32 [n, L], ``index`` int64 [n], strings
    as lists). Consumer c of n reads row groups c, c + n, ...: every row exactly once overall."""
    import pyarrow.parquet as pq
    check_count("num_consumers", num_consumers)
    if not 0 <= consumer < num_consumers:
        raise ConfigError(f"consumer must be in [0, {num_consumers}), got {consumer}")
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ConfigError(f"unknown column(s) {unknown}; known: {list(COLUMNS)}")
    length = read_corpus_metadata(directory)["length"]
    open_file: tuple[Path, Any] | None = None
    for f, group in read_units(directory)[consumer::num_consumers]:
        if open_file is None or open_file[0] != f:
            open_file = (f, pq.ParquetFile(f))
        table = open_file[1].read_row_group(group, columns=list(columns))
        yield {name: _column_to_python(table.column(name), length) for name in columns}


def _column_to_python(column: Any, length: int) -> Any:
    import pyarrow as pa
    column = column.combine_chunks()
    if pa.types.is_fixed_size_list(column.type):
        return column.flatten().to_numpy(zero_copy_only=False).reshape(-1, column.type.list_size)
    if pa.types.is_integer(column.type):
        return column.to_numpy()
    return column.to_pylist()
