"""Hub checkpoints through a real Hub API on loopback (olah serving local git repos),
a pre-filled cache with offline mode, and push_to_hub at the client boundary.

No package here accepts uploads, so push_to_hub is tested at the huggingface_hub client
boundary: HfApi.create_repo/upload_folder are replaced by recorders, and the uploaded
folder is published to the loopback server and loaded back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import tsfm
from hubserver import commit_files, hf_hub_env, make_local_model_repo, prefill_hf_cache, serve_hub
from tsfm.training import Trainer, TrainingConfig


def _trained_linear() -> tsfm.TSModel:
    torch.manual_seed(1)
    model = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=3)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


CONTEXT = np.random.default_rng(3).standard_normal((32, 3)).astype(np.float32)


def test_from_pretrained_by_hub_id_through_loopback_server(tmp_path):
    model = _trained_linear()
    folder = model.save_pretrained(tmp_path / "export")
    repos = tmp_path / "repos"
    repo = make_local_model_repo(repos, "tsfm-org/linear-demo", source_dir=folder, tag="v1")
    # A second revision with different weights: `revision=` must select between them.
    other = tsfm.create_model("linear", context_length=32, prediction_length=8, num_channels=3)
    commit_files(repo, source_dir=other.save_pretrained(tmp_path / "export2"))
    with serve_hub(repos) as endpoint, hf_hub_env(endpoint, cache_dir=tmp_path / "cache"):
        by_tag = tsfm.from_pretrained("tsfm-org/linear-demo", revision="v1")
        latest = tsfm.from_pretrained("tsfm-org/linear-demo")
        with pytest.raises(tsfm.CheckpointError, match="could not download"):
            tsfm.from_pretrained("tsfm-org/does-not-exist")
    assert np.array_equal(by_tag.forecast(CONTEXT), model.forecast(CONTEXT))
    assert np.array_equal(latest.forecast(CONTEXT), other.forecast(CONTEXT))
    assert not np.array_equal(latest.forecast(CONTEXT), model.forecast(CONTEXT))


def test_prefilled_cache_with_offline_mode(tmp_path):
    model = _trained_linear()
    repos = tmp_path / "repos"
    make_local_model_repo(repos, "tsfm-org/offline", source_dir=model.save_pretrained(tmp_path / "export"))
    cache = tmp_path / "cache"
    prefill_hf_cache(repos, "tsfm-org/offline", cache)  # starts, downloads, stops the server
    with hf_hub_env(None, cache_dir=cache, offline=True):
        loaded = tsfm.from_pretrained("tsfm-org/offline")
    assert np.array_equal(loaded.forecast(CONTEXT), model.forecast(CONTEXT))


class RecordingApi:
    """Stands in for huggingface_hub.HfApi at the client boundary; copies what would be uploaded."""

    calls: list = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, private=False, exist_ok=False, repo_type=None):
        self.calls.append(("create_repo", repo_id, private, exist_ok))

    def upload_folder(self, repo_id, folder_path, commit_message, revision=None, repo_type=None):
        import shutil

        target = Path(self.upload_root) / repo_id
        shutil.copytree(folder_path, target)
        self.calls.append(("upload_folder", repo_id, sorted(p.name for p in Path(folder_path).iterdir()), commit_message))

        class Info:
            commit_url = f"https://hub.invalid/{repo_id}/commit/1"

        return Info()


def test_push_to_hub_then_pull_back(tmp_path, monkeypatch):
    import huggingface_hub

    RecordingApi.calls = []
    RecordingApi.upload_root = str(tmp_path / "uploaded")
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    model = _trained_linear()
    url = model.push_to_hub("tsfm-org/pushed", commit_message="first")
    assert url.endswith("/commit/1")
    assert RecordingApi.calls[0] == ("create_repo", "tsfm-org/pushed", False, True)
    assert RecordingApi.calls[1] == ("upload_folder", "tsfm-org/pushed", ["README.md", "config.json", "model.safetensors"], "first")
    uploaded = tmp_path / "uploaded" / "tsfm-org" / "pushed"
    assert 'tsfm.from_pretrained("tsfm-org/pushed")' in (uploaded / "README.md").read_text()
    repos = tmp_path / "repos"
    make_local_model_repo(repos, "tsfm-org/pushed", source_dir=uploaded)
    with serve_hub(repos) as endpoint, hf_hub_env(endpoint, cache_dir=tmp_path / "cache"):
        loaded = tsfm.from_pretrained("tsfm-org/pushed")
    assert np.array_equal(loaded.forecast(CONTEXT), model.forecast(CONTEXT))


def test_third_party_plugin_trains_and_round_trips_through_the_hub(tmp_path):
    """tsfm-testplugin is pip-installed from tests/plugins; tsfm knows nothing about it."""
    spec = tsfm.get_spec("toy_mlp")
    assert spec.distribution == "tsfm-testplugin"
    from tsfm.data import WindowDataset

    rng = np.random.default_rng(0)
    t = np.arange(800)
    series = np.stack([np.sin(2 * np.pi * t / 16), np.cos(2 * np.pi * t / 8)], 1) + 0.1 * rng.standard_normal((800, 2))
    series = series.astype(np.float32)
    torch.manual_seed(0)
    model = tsfm.create_model("toy_mlp", context_length=32, prediction_length=8, num_channels=2, hidden=16)
    before = model.forecast(series[-32:])
    result = Trainer(TrainingConfig(output_dir=str(tmp_path / "run"), epochs=2, learning_rate=1e-2,
                                    progress=False)).fit(model, WindowDataset(series[:600], 32, 8),
                                                         WindowDataset(series[568:], 32, 8))
    assert len(result.history) == 2 and result.history[-1]["val_loss"] < 1.0
    assert not np.allclose(before, model.forecast(series[-32:]))
    repos = tmp_path / "repos"
    make_local_model_repo(repos, "someone/toy", source_dir=model.save_pretrained(tmp_path / "export"))
    with serve_hub(repos) as endpoint, hf_hub_env(endpoint, cache_dir=tmp_path / "cache"):
        loaded = tsfm.from_pretrained("someone/toy")
    assert loaded.config.plugin_distribution == "tsfm-testplugin"
    np.testing.assert_array_equal(loaded.forecast_quantiles(series[-32:]), model.forecast_quantiles(series[-32:]))
