"""Corpora: sharded Parquet through `datasets`, metadata, streaming read, torch adapters
(acceptance 5), and the refusal to overwrite or to write on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from torch.utils.data import DataLoader

import realts
from realts import ConfigError, CorpusError, OutputExistsError, RealTSConfig
from realts.cli import main
from realts.corpus import iter_corpus, read_corpus_metadata, stream_corpus, write_corpus
from realts.torch_adapter import RealTSCorpusDataset, RealTSIterableDataset

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LENGTH = 96


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("c") / "corpus"
    assert main(["generate", "--num-series", "2000", "--length", str(LENGTH), "--seed", "3", "--out", str(out),
                 "--shards", "4", "--workers", "2", "--batch-size", "128", "--quiet"]) == 0
    return out


def test_layout_and_metadata(corpus: Path) -> None:
    meta = read_corpus_metadata(corpus)
    assert meta["version"] == realts.__version__ and meta["stream_version"] == realts.STREAM_VERSION
    assert meta["seed"] == 3 and meta["length"] == LENGTH and meta["num_series"] == 2000
    assert RealTSConfig.from_dict(meta["config"]) == RealTSConfig()
    assert set(meta["spectra"]) == {"ifftb1", "ifftb2"}
    assert [s["count"] for s in meta["shards"]] == [500] * 4
    files = sorted(p.name for p in corpus.glob("*.parquet"))
    assert files == [f"part-{k:05d}-of-00004.parquet" for k in range(4)]
    schema_meta = pq.ParquetFile(corpus / files[1]).schema_arrow.metadata
    shard_meta = json.loads(schema_meta[b"realts"])
    assert shard_meta["shard"] == {"index": 1, "start": 500, "count": 500}
    assert shard_meta["config"] == meta["config"]
    assert b"huggingface" in schema_meta
    assert not list(corpus.parent.glob(".*tmp*"))


def test_rows_equal_in_memory_generation(corpus: Path) -> None:
    groups = list(iter_corpus(corpus, columns=("index", "behaviour", "params", "values")))
    index = np.concatenate([g["index"] for g in groups])
    values = np.concatenate([g["values"] for g in groups])
    assert np.array_equal(index, np.arange(2000))
    assert np.array_equal(values, realts.generate(2000, LENGTH, 3))
    batch = realts.generate_batch(0, 128, LENGTH, 3)
    assert groups[0]["behaviour"] == batch.behaviours()
    assert groups[0]["params"] == batch.params_json()


def test_streaming_read_through_datasets(corpus: Path) -> None:
    ds = stream_corpus(corpus)
    rows = list(ds.take(5))
    assert [r["index"] for r in rows] == list(range(5))
    assert set(rows[0]) == {"index", "behaviour", "augmentations", "params", "values"}
    assert rows[0]["behaviour"] in realts.BEHAVIOURS
    assert isinstance(json.loads(rows[0]["params"]), dict)
    np.testing.assert_array_equal(np.asarray(rows[3]["values"], np.float32), realts.generate(1, LENGTH, 3, start_index=3)[0])


def test_torch_corpus_adapter_two_workers_each_index_once(corpus: Path) -> None:
    loader = DataLoader(RealTSCorpusDataset(corpus, batch_size=100), batch_size=None, num_workers=2)
    seen = torch.cat([b["index"] for b in loader]).numpy()
    assert np.array_equal(np.sort(seen), np.arange(2000))


def test_torch_corpus_adapter_ranks_times_workers(corpus: Path) -> None:
    seen = []
    for rank in range(3):  # 3 ranks x 2 workers = 6 consumers over 16 row groups
        ds = RealTSCorpusDataset(corpus, batch_size=None, rank=rank, world_size=3)
        seen += [item["index"] for item in DataLoader(ds, batch_size=None, num_workers=2)]
    assert sorted(seen) == list(range(2000))


def test_generator_adapter_shards_by_rank_and_worker() -> None:
    seen, values = [], {}
    for rank in range(2):
        ds = RealTSIterableDataset(1000, LENGTH, seed=4, batch_size=64, rank=rank, world_size=2)
        for batch in DataLoader(ds, batch_size=None, num_workers=2):
            seen.append(batch["index"].numpy())
            values.update(zip(batch["index"].tolist(), batch["values"].numpy()))
    seen = np.concatenate(seen)
    assert np.array_equal(np.sort(seen), np.arange(1000))
    reference = realts.generate(1000, LENGTH, 4)
    assert all(np.array_equal(values[i], reference[i]) for i in range(0, 1000, 37))


def test_generator_adapter_epochs_are_fresh_and_reproducible() -> None:
    ds = RealTSIterableDataset(100, LENGTH, seed=4, batch_size=None)
    first = [item["index"] for item in ds]
    ds.set_epoch(1)
    second = [item["index"] for item in ds]
    assert first == list(range(100)) and second == list(range(100, 200))
    assert len(ds) == 100
    endless = RealTSIterableDataset(None, LENGTH, seed=4, batch_size=8, epoch=2)
    batch = next(iter(endless))
    assert batch["index"][0].item() == 2 * 2 ** 40
    with pytest.raises(ConfigError, match="rank"):
        list(RealTSIterableDataset(10, LENGTH, 0, rank=2, world_size=2))


def test_existing_output_is_not_overwritten(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "c"
    write_corpus(out, 20, LENGTH, seed=1)
    before = (out / "realts_meta.json").read_text()
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_corpus(out, 30, LENGTH, seed=2)
    assert (out / "realts_meta.json").read_text() == before
    assert main(["generate", "--num-series", "30", "--length", str(LENGTH), "--seed", "2", "--out", str(out),
                 "--quiet"]) == 2
    write_corpus(out, 30, LENGTH, seed=2, overwrite=True)
    assert read_corpus_metadata(out)["num_series"] == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # no temporary leftovers
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(OutputExistsError, match="not a realts corpus"):
        write_corpus(foreign, 10, LENGTH, seed=2, overwrite=True)
    assert (foreign / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_series=0), "num_series"), (dict(length=-1), "length"), (dict(shards=0), "shards"),
    (dict(shards=50), "shards"), (dict(workers=0), "workers"), (dict(seed=-2), "seed"),
    (dict(config=RealTSConfig(ifftb1=realts.IFFTBConfig("no/such/spectrum.npz"))), "spectrum file not found"),
])
def test_bad_input_writes_nothing(tmp_path: Path, kwargs: dict, message: str) -> None:
    args = dict(out_dir=tmp_path / "x", num_series=20, length=LENGTH, seed=0) | kwargs
    with pytest.raises(ValueError, match=message):
        write_corpus(**args)
    assert list(tmp_path.iterdir()) == []


def test_not_a_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a realts corpus"):
        read_corpus_metadata(tmp_path)


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "realts", "info", str(tmp_path)], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 2 and "not a realts corpus" in out.stderr
    out = subprocess.run([sys.executable, "-m", "realts", "config"], capture_output=True, text=True, env=env,
                         check=True)
    assert RealTSConfig.from_json(out.stdout) == RealTSConfig()


@pytest.mark.slow
def test_100k_series_8_shards_two_workers_each_index_once(tmp_path: Path) -> None:
    out = tmp_path / "big"
    assert main(["generate", "--num-series", "100000", "--length", "1232", "--seed", "7", "--out", str(out),
                 "--shards", "8", "--workers", "2", "--quiet"]) == 0
    loader = DataLoader(RealTSCorpusDataset(out, batch_size=1024), batch_size=None, num_workers=2)
    counts = np.zeros(100000, np.int64)
    for batch in loader:
        np.add.at(counts, batch["index"].numpy(), 1)
    assert np.all(counts == 1)


def test_rank_resolution_without_distributed() -> None:
    from realts.torch_adapter import distributed_rank_and_world
    assert distributed_rank_and_world() == (0, 1)
    assert distributed_rank_and_world(1, 4) == (1, 4)
    with pytest.raises(ConfigError, match="both"):
        distributed_rank_and_world(rank=1)
