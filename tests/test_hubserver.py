"""Tests for tests/hubserver.py: a real Hub API (olah, offline) on 127.0.0.1.

Every download below goes through the real ``huggingface_hub`` client code and
a real HTTP server on loopback; nothing touches the internet.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import huggingface_hub
from huggingface_hub import HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from safetensors.numpy import load_file, save

try:  # tests/ without __init__.py (pytest "prepend" import mode)
    from hubserver import (
        LOOPBACK,
        commit_files,
        hf_env_vars,
        hf_hub_env,
        make_local_model_repo,
        prefill_hf_cache,
        rev_parse,
        serve_hub,
    )
except ImportError:  # tests/ as a package
    from tests.hubserver import (
        LOOPBACK,
        commit_files,
        hf_env_vars,
        hf_hub_env,
        make_local_model_repo,
        prefill_hf_cache,
        rev_parse,
        serve_hub,
    )

REPO_ID = "acme/tiny-model"
WEIGHTS = {"encoder.weight": np.arange(12, dtype=np.float32).reshape(3, 4), "encoder.bias": np.ones(3, np.float32)}


def _config(hidden: int) -> bytes:
    return json.dumps({"model_type": "tiny", "hidden_size": hidden}, sort_keys=True).encode()


README = b"---\nlicense: apache-2.0\ntags: [time-series]\n---\n# tiny-model\n\nA test model.\n"
V1 = {"config.json": _config(8), "model.safetensors": save(WEIGHTS), "README.md": README}
V2_CONFIG = _config(16)  # second commit on main
DEV_CONFIG = _config(32)  # commit on branch "dev"


@pytest.fixture(scope="module")
def hub_repos(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub-repos")
    repo = make_local_model_repo(root, REPO_ID, V1, tag="v1.0")
    sha1 = rev_parse(repo)
    sha2 = commit_files(repo, {"config.json": V2_CONFIG}, message="bump hidden size")
    sha_dev = commit_files(repo, {"config.json": DEV_CONFIG}, branch="dev", message="dev config")
    return {"root": root, "repo": repo, "sha1": sha1, "sha2": sha2, "sha_dev": sha_dev}


@pytest.fixture(scope="module")
def hub(hub_repos):
    with serve_hub(hub_repos["root"]) as endpoint:
        yield endpoint


@pytest.fixture
def hf_cache(tmp_path):
    return tmp_path / "hf-cache"


@pytest.fixture
def use_hub(hub, hf_cache):
    """huggingface_hub in this process talks to the loopback hub, caching into hf_cache."""
    with hf_hub_env(hub, cache_dir=hf_cache):
        yield hub


def _read_tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------
# Repository layout
# --------------------------------------------------------------------------

def test_repo_layout_is_what_olah_reads(hub_repos):
    repo = hub_repos["repo"]
    assert repo == hub_repos["root"] / "models" / "acme" / "tiny-model"
    assert (repo / ".git").is_dir()
    assert rev_parse(repo, "main") == hub_repos["sha2"]
    assert rev_parse(repo, "v1.0") == hub_repos["sha1"]
    assert rev_parse(repo, "dev") == hub_repos["sha_dev"]
    # Binary weights are stored like the Hub does: LFS pointer + .git/lfs object.
    pointer = (repo / "model.safetensors").read_text()
    assert pointer.startswith("version https://git-lfs.github.com/spec/v1\noid sha256:")
    objects = list((repo / ".git" / "lfs" / "objects").rglob("*"))
    assert any(p.is_file() and p.read_bytes() == V1["model.safetensors"] for p in objects)


# --------------------------------------------------------------------------
# Downloads through the server (endpoint patched in-process)
# --------------------------------------------------------------------------

def test_snapshot_download_default_revision(use_hub, hub_repos, hf_cache):
    # Exactly what library code does: no endpoint=, no cache_dir=.
    path = Path(snapshot_download(REPO_ID))
    assert path.name == hub_repos["sha2"]
    assert path.is_relative_to(hf_cache / "models--acme--tiny-model" / "snapshots")
    assert _read_tree(path) == {**V1, "config.json": V2_CONFIG}
    loaded = load_file(path / "model.safetensors")
    assert set(loaded) == set(WEIGHTS)
    for name, value in WEIGHTS.items():
        np.testing.assert_array_equal(loaded[name], value)
    assert (hf_cache / "models--acme--tiny-model" / "refs" / "main").read_text() == hub_repos["sha2"]


def test_hf_hub_download_bytes(use_hub):
    for filename, expected in {**V1, "config.json": V2_CONFIG}.items():
        assert Path(hf_hub_download(REPO_ID, filename)).read_bytes() == expected


@pytest.mark.parametrize(
    "revision, expected_config, sha_key",
    [
        ("main", V2_CONFIG, "sha2"),
        ("v1.0", V1["config.json"], "sha1"),  # tag
        ("dev", DEV_CONFIG, "sha_dev"),  # branch
        ("sha1", V1["config.json"], "sha1"),  # full commit SHA (resolved below)
    ],
)
def test_download_by_revision(use_hub, hub_repos, revision, expected_config, sha_key):
    if revision == "sha1":
        revision = hub_repos["sha1"]
    snap = Path(snapshot_download(REPO_ID, revision=revision))
    assert snap.name == hub_repos[sha_key]
    assert (snap / "config.json").read_bytes() == expected_config
    assert (snap / "model.safetensors").read_bytes() == V1["model.safetensors"]
    assert Path(hf_hub_download(REPO_ID, "config.json", revision=revision)).read_bytes() == expected_config


def test_hf_api_against_server(use_hub, hub_repos):
    api = HfApi()  # picks up the patched endpoint
    info = api.repo_info(REPO_ID, revision="main")
    assert info.sha == hub_repos["sha2"]
    assert sorted(s.rfilename for s in info.siblings) == sorted(V1)
    assert info.card_data is not None and info.card_data.get("license") == "apache-2.0"
    assert sorted(api.list_repo_files(REPO_ID, revision="v1.0")) == sorted(V1)
    refs = api.list_repo_refs(REPO_ID)
    assert {b.name: b.target_commit for b in refs.branches} == {"main": hub_repos["sha2"], "dev": hub_repos["sha_dev"]}
    assert {t.name: t.target_commit for t in refs.tags} == {"v1.0": hub_repos["sha1"]}


def test_unknown_repo_and_revision_errors(use_hub, hub_repos):
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("acme/does-not-exist")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("acme/does-not-exist", "config.json")
    # olah 0.5.4 quirks (the real Hub would say RevisionNotFound / EntryNotFound):
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download(REPO_ID, revision="no-such-branch")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(REPO_ID, "missing.json")
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO_ID, "missing.json", revision=hub_repos["sha2"])


def test_explicit_endpoint_argument_needs_no_endpoint_patch(hub, hf_cache):
    # offline=False only guards against an inherited HF_HUB_OFFLINE=1; the
    # endpoint itself comes from the argument.
    with hf_hub_env(offline=False):
        assert constants.ENDPOINT != hub
        path = snapshot_download(REPO_ID, endpoint=hub, cache_dir=hf_cache)
        assert Path(path, "config.json").read_bytes() == V2_CONFIG
        one = hf_hub_download(REPO_ID, "README.md", revision="v1.0", endpoint=hub, cache_dir=hf_cache)
        assert Path(one).read_bytes() == README


def test_new_repo_and_commits_are_served_live(hub, hub_repos, tmp_path):
    # Files from a directory, nested paths, and a 130-byte binary (olah would
    # crash on it as a plain git blob; the helper stores it via LFS).
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "config.json").write_bytes(b'{"x": 1}')
    (src / "sub" / "blob.dat").write_bytes(bytes(range(256))[:130])
    repo = make_local_model_repo(hub_repos["root"], "acme/live-model", source_dir=src)
    with hf_hub_env(hub, cache_dir=tmp_path / "cache"):
        first = Path(snapshot_download("acme/live-model"))
        assert _read_tree(first) == _read_tree(src)
        sha = commit_files(repo, {"config.json": b'{"x": 2}'}, delete=["sub/blob.dat"])
        second = Path(snapshot_download("acme/live-model"))
    assert second.name == sha != first.name
    assert _read_tree(second) == {"config.json": b'{"x": 2}'}


# --------------------------------------------------------------------------
# Child processes: plain environment variables
# --------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, sys
    from huggingface_hub import constants, snapshot_download
    path = snapshot_download(sys.argv[1], revision=sys.argv[2])
    print(json.dumps({"path": path, "endpoint": constants.ENDPOINT, "offline": constants.HF_HUB_OFFLINE}))
    """
)


def _run_child(env: dict[str, str], repo_id: str = REPO_ID, revision: str = "main") -> dict:
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, repo_id, revision], env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_child_process_uses_hf_endpoint_env(hub, hub_repos, hf_cache):
    out = _run_child(hf_env_vars(hub, cache_dir=hf_cache), revision="dev")
    assert out["endpoint"] == hub and out["offline"] is False
    assert Path(out["path"]) == hf_cache / "models--acme--tiny-model" / "snapshots" / hub_repos["sha_dev"]
    assert Path(out["path"], "config.json").read_bytes() == DEV_CONFIG


# --------------------------------------------------------------------------
# Fallback: pre-filled cache + HF_HUB_OFFLINE=1, server stopped
# --------------------------------------------------------------------------

def test_prefilled_cache_works_offline_after_server_stopped(hub_repos, tmp_path):
    cache = tmp_path / "offline-cache"
    with serve_hub(hub_repos["root"]) as endpoint:
        with hf_hub_env(endpoint, cache_dir=cache):
            online = Path(snapshot_download(REPO_ID))
        process = endpoint.process
    assert process.poll() is not None  # server is gone
    v1_snapshot = prefill_hf_cache(hub_repos["root"], REPO_ID, cache, revision="v1.0")
    assert v1_snapshot.name == hub_repos["sha1"]

    # In-process: constants.HF_HUB_OFFLINE is read per request, so patching works.
    offline_before = constants.HF_HUB_OFFLINE
    with hf_hub_env(endpoint, cache_dir=cache, offline=True):
        assert huggingface_hub.is_offline_mode()
        assert Path(snapshot_download(REPO_ID)) == online
        assert _read_tree(online) == {**V1, "config.json": V2_CONFIG}
        assert Path(snapshot_download(REPO_ID, revision="v1.0")) == v1_snapshot
        assert Path(hf_hub_download(REPO_ID, "config.json")).read_bytes() == V2_CONFIG
        # Offline really means no request: an uncached repo fails locally.
        with pytest.raises(LocalEntryNotFoundError) as excinfo:
            snapshot_download("acme/never-downloaded")
        assert isinstance(excinfo.value.__cause__, OfflineModeIsEnabled)
    assert constants.HF_HUB_OFFLINE is offline_before  # restored

    # Child process with the real HF_HUB_OFFLINE=1 environment variable.
    out = _run_child(hf_env_vars(endpoint, cache_dir=cache, offline=True), revision="v1.0")
    assert out["offline"] is True
    assert Path(out["path"]) == v1_snapshot
    assert Path(out["path"], "config.json").read_bytes() == V1["config.json"]


# --------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------

def _listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, from /proc/net/tcp{,6}) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.append(addr)
    return found


def test_server_binds_loopback_only_and_stops_on_error(hub_repos):
    with pytest.raises(RuntimeError, match="boom"):
        with serve_hub(hub_repos["root"]) as endpoint:
            process, port = endpoint.process, endpoint.port
            assert endpoint == f"http://{LOOPBACK}:{port}"
            assert process.poll() is None
            if Path("/proc/net/tcp").exists():
                assert _listening_addresses(port) == ["0100007F"]  # 127.0.0.1, no IPv6/wildcard
            raise RuntimeError("boom")
    assert process.poll() is not None
    with pytest.raises(OSError):
        socket.create_connection((LOOPBACK, port), timeout=1).close()


def test_serve_hub_rejects_missing_root(tmp_path):
    with pytest.raises(NotADirectoryError):
        with serve_hub(tmp_path / "nope"):
            pass


def test_hf_hub_env_restores_everything(tmp_path):
    import os

    before = (constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE, constants.HF_HUB_CACHE,
              constants.HF_HUB_OFFLINE, os.environ.get("HF_ENDPOINT"), os.environ.get("HF_HUB_OFFLINE"))
    with hf_hub_env("http://127.0.0.1:1", cache_dir=tmp_path, offline=True):
        assert constants.ENDPOINT == "http://127.0.0.1:1"
        assert constants.HUGGINGFACE_CO_URL_TEMPLATE.startswith("http://127.0.0.1:1/")
        assert constants.HF_HUB_CACHE == str(tmp_path)
        assert constants.HF_HUB_OFFLINE is True
        assert os.environ["HF_ENDPOINT"] == "http://127.0.0.1:1" and os.environ["HF_HUB_OFFLINE"] == "1"
    after = (constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE, constants.HF_HUB_CACHE,
             constants.HF_HUB_OFFLINE, os.environ.get("HF_ENDPOINT"), os.environ.get("HF_HUB_OFFLINE"))
    assert after == before
