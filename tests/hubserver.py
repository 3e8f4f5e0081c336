"""Loopback Hugging Face Hub for tests: olah serving local git repositories.

This module is a test *helper* (not a test file). It lets tests exercise the
real ``huggingface_hub`` download code paths (``snapshot_download``,
``hf_hub_download``, ``HfApi.repo_info`` ...) against a real HTTP Hub API
running on ``127.0.0.1`` with no internet access.

What works (verified with olah 0.5.4 + huggingface_hub 2.4.0)
-------------------------------------------------------------
* **olah in offline mode serving local git repositories.** olah looks up local
  repositories in ``[basic] mirrors-path`` (a list of directories) at
  ``<mirrors_path>/<repo_type>/<org>/<name>`` where ``repo_type`` is the URL
  plural: ``models`` / ``datasets`` / ``spaces`` (``olah/server_mirror.py``).
  Each one is opened with GitPython (``olah/mirror/repos.py``), so any
  revision git can resolve works: branch names, tags and full commit SHAs.
  Blobs shaped like Git-LFS pointers are served from
  ``<repo>/.git/lfs/objects/<oid[:2]>/<oid[2:4]>/<oid>``.
  ``[accessibility] offline = true`` stops olah from contacting upstream at all;
  on top of that, the generated config points olah's upstream at
  ``http://127.0.0.1:9`` (a closed loopback port), so even an unexpected
  upstream call can never leave the machine.
* **Pre-filled cache + ``HF_HUB_OFFLINE=1``.** A cache filled through the
  server keeps working after the server is stopped, with offline mode on
  (:func:`prefill_hf_cache` does start-download-stop in one call).

Startup takes ~0.7-1 s; the port is a free ephemeral port on 127.0.0.1 (the
helper retries with a new port if another process grabs it first). Share one
server per module (a module-scoped fixture) when many tests need it.

Pointing ``huggingface_hub`` at the server inside a running test process
-----------------------------------------------------------------------
``huggingface_hub`` reads ``HF_ENDPOINT``, ``HF_HUB_CACHE`` (default derived
from ``HF_HOME``), ``HF_HUB_OFFLINE`` ... once, at import time, into ``huggingface_hub.constants``. Setting the
environment variables later has no effect in that process. Note that
patching ``constants.ENDPOINT`` alone is NOT enough for ``hf_hub_download``:
the file URL is built from ``constants.HUGGINGFACE_CO_URL_TEMPLATE``, which
was also computed at import time from the endpoint. Use :func:`hf_hub_env`,
which patches (and restores on exit) ``ENDPOINT``,
``HUGGINGFACE_CO_URL_TEMPLATE``, ``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``,
``HF_HUB_DISABLE_TELEMETRY`` and ``HF_HUB_DISABLE_IMPLICIT_TOKEN`` in
``huggingface_hub.constants`` (plus any copy of those values held by another
loaded ``huggingface_hub`` submodule) together with the matching
``os.environ`` entries. Library code then calls
``snapshot_download(repo_id, revision=...)`` with no ``endpoint=`` and no
``cache_dir=`` and goes through the server::

    from hubserver import hf_hub_env, make_local_model_repo, serve_hub
    # (``from tests.hubserver import ...`` if tests/ is a package)

    def test_download(tmp_path):
        repos = tmp_path / "repos"
        make_local_model_repo(repos, "acme/tiny-model",
                              {"config.json": b'{"a": 1}', "model.safetensors": blob})
        with serve_hub(repos) as endpoint, \\
             hf_hub_env(endpoint, cache_dir=tmp_path / "hf-cache"):
            path = my_library.load("acme/tiny-model")   # calls snapshot_download

Passing ``endpoint=endpoint`` explicitly to ``snapshot_download`` /
``hf_hub_download`` / ``HfApi(endpoint=...)`` also works without any patching.
For a child process, build its environment with :func:`hf_env_vars` (the
plain environment variables work there because they are read at import).

``huggingface_hub`` 2.x offline mode is ``constants.HF_HUB_OFFLINE``, read at
*request* time by ``constants.is_offline_mode()``, so
``hf_hub_env(..., offline=True)`` takes effect immediately in-process (every
HTTP call raises ``OfflineModeIsEnabled`` and downloads fall back to the
cache). ``HF_HUB_DISABLE_TELEMETRY`` is forced on so the library's
user-agent builder does not try to fetch ``/api/agent-harnesses``.

olah behaviours to know about (olah 0.5.4)
------------------------------------------
* An unknown repository answers HTTP 401 with ``X-Error-Code: RepoNotFound``;
  ``huggingface_hub`` raises ``RepositoryNotFoundError``. An unknown *revision*
  of a known local repository, and a missing file at a branch/tag revision,
  also come back as ``RepositoryNotFoundError`` (olah falls back to its empty
  offline cache and reports "repo not found"), not ``RevisionNotFoundError`` /
  ``EntryNotFoundError`` as the real Hub would. A missing file at a full
  commit SHA gives HTTP 404 -> ``RemoteEntryNotFoundError`` (an
  ``EntryNotFoundError``).
* ``GET /`` (olah's HTML index) fails with HTTP 500 under the installed
  Starlette; the helper's readiness probe uses an unrouted path (JSON 404).
* ``GET /api/models/<org>/<name>`` (repo info with *no* revision) is answered
  from olah's offline cache only, so it returns "not found" for local repos;
  ``/api/models/<org>/<name>/revision/<rev>`` (what ``snapshot_download`` and
  ``repo_info(revision=...)`` use; ``revision`` defaults to "main") works.
* olah probes blobs of 121..149 bytes as possible LFS pointers and decodes them
  as UTF-8, so a *binary* file of that size committed as a plain git blob makes
  olah fail with HTTP 500. :func:`make_local_model_repo` therefore stores
  binary files (and the usual Hub LFS extensions) as real Git-LFS objects,
  exactly as the Hub does; this needs no ``git-lfs`` binary.
* Repositories are re-opened on every request: commits, branches and tags
  added while the server runs are visible immediately.
* olah's own cache/logs go to a private temporary work directory, never to
  the current directory.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterable, Iterator, Mapping

__all__ = [
    "HubServer",
    "LFS_PATTERNS",
    "LOOPBACK",
    "commit_files",
    "hf_env_vars",
    "hf_hub_env",
    "make_local_model_repo",
    "prefill_hf_cache",
    "repo_dir",
    "rev_parse",
    "serve_hub",
]

LOOPBACK = "127.0.0.1"

# Extensions the Hub stores through LFS by default (subset of the default
# .gitattributes of a new Hub repo). Binary (non UTF-8) files always go to LFS.
LFS_PATTERNS: tuple[str, ...] = (
    "*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt", "*.onnx", "*.h5",
    "*.msgpack", "*.npy", "*.npz", "*.pkl", "*.pickle", "*.gguf", "*.tflite",
    "*.joblib", "*.arrow", "*.parquet", "*.zip", "*.tar", "*.gz", "*.tgz",
    "*.zst", "*.7z",
)

_REPO_TYPE_DIRS = {"model": "models", "dataset": "datasets", "space": "spaces"}

# Upstream olah is configured with: a closed port on loopback, so nothing can
# ever be sent to huggingface.co even if some code path ignores `offline`.
_DEAD_UPSTREAM_NETLOC = f"{LOOPBACK}:9"


# --------------------------------------------------------------------------
# Local git repositories in the layout olah serves
# --------------------------------------------------------------------------

def repo_dir(root: Path | str, repo_id: str, repo_type: str = "model") -> Path:
    """Directory olah reads ``repo_id`` from when ``root`` is its mirrors path."""
    if repo_type not in _REPO_TYPE_DIRS:
        raise ValueError(f"repo_type must be one of {sorted(_REPO_TYPE_DIRS)}, got {repo_type!r}")
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts):
        raise ValueError(f"repo_id must look like 'org/name', got {repo_id!r}")
    return Path(root) / _REPO_TYPE_DIRS[repo_type] / parts[0] / parts[1]


def _git_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # Never let an inherited GIT_DIR / GIT_WORK_TREE / GIT_INDEX_FILE ...
        # redirect these commands to another repository.
        if not k.startswith("GIT_")
    }
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="hubserver",
        GIT_AUTHOR_EMAIL="hubserver@example.invalid",
        GIT_COMMITTER_NAME="hubserver",
        GIT_COMMITTER_EMAIL="hubserver@example.invalid",
    )
    return env


def _git(repo: Path, *args: str) -> str:
    cmd = ["git", "-C", str(repo), "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
           "-c", "core.autocrlf=false", "-c", "core.hooksPath=" + os.devnull, *args]
    res = subprocess.run(cmd, env=_git_env(), capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    return res.stdout.strip()


def rev_parse(repo: Path | str, rev: str = "HEAD") -> str:
    """Full commit SHA that ``rev`` (branch, tag, sha) points to in ``repo``."""
    return _git(Path(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")


def _collect_files(files: Mapping[str, bytes | str] | None, source_dir: Path | str | None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if source_dir is not None:
        src = Path(source_dir)
        if not src.is_dir():
            raise NotADirectoryError(src)
        for p in sorted(src.rglob("*")):
            rel = p.relative_to(src)
            if ".git" in rel.parts or not p.is_file():
                continue
            out[rel.as_posix()] = p.read_bytes()
    for name, data in (files or {}).items():
        out[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    for name in out:
        parts = name.split("/")
        if name.startswith("/") or any(p in ("", ".", "..", ".git") for p in parts):
            raise ValueError(f"invalid repository path: {name!r}")
    return out


def _is_binary(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in data


def _store_as_lfs(name: str, data: bytes, lfs: bool | Iterable[str] | None) -> bool:
    if lfs is True:
        return True
    patterns = LFS_PATTERNS if lfs is None else (() if lfs is False else tuple(lfs))
    base = name.rsplit("/", 1)[-1]
    # Binary blobs are always LFS: olah 0.5.4 crashes on 121..149-byte binary
    # plain blobs, and the real Hub rejects binary files outside LFS anyway.
    return _is_binary(data) or any(fnmatch.fnmatch(base, pat) for pat in patterns)


def _write_worktree_file(repo: Path, name: str, data: bytes, as_lfs: bool) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if as_lfs:
        oid = hashlib.sha256(data).hexdigest()
        obj = repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
        obj.parent.mkdir(parents=True, exist_ok=True)
        obj.write_bytes(data)
        # Exact pointer format olah's regex expects (spec v1, trailing newline).
        data = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()
    target.write_bytes(data)


def commit_files(
    repo: Path | str,
    files: Mapping[str, bytes | str] | None = None,
    *,
    source_dir: Path | str | None = None,
    delete: Iterable[str] = (),
    message: str = "Update files",
    branch: str = "main",
    tag: str | None = None,
    lfs: bool | Iterable[str] | None = None,
) -> str:
    """Commit ``files`` (path -> content) on ``branch`` of a local repo; return the SHA.

    Files are added/overwritten on top of the branch's current tree; paths in
    ``delete`` are removed. A missing ``branch`` is created from the current
    HEAD. ``tag`` (optional) creates a lightweight tag on the new commit.
    ``lfs``: ``None`` = Hub-like default (``LFS_PATTERNS`` + every binary
    file), ``True`` = every file, ``False`` = binaries only, or an iterable of
    glob patterns (plus binaries).
    """
    repo = Path(repo)
    if not (repo / ".git").is_dir():
        raise FileNotFoundError(f"{repo} is not a git repository (use make_local_model_repo)")
    content = _collect_files(files, source_dir)
    delete = list(delete)
    if not content and not delete:
        raise ValueError("nothing to commit")
    original = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if branch != original:
        exists = subprocess.run(
            ["git", "-C", str(repo), "show-ref", "--verify", "--quiet", f"refs/heads/{branch}"],
            env=_git_env(),
        ).returncode == 0
        _git(repo, "checkout", "--quiet", *(() if exists else ("-b",)), branch)
    try:
        for name in delete:
            _git(repo, "rm", "--quiet", "--", name)
        for name, data in content.items():
            _write_worktree_file(repo, name, data, _store_as_lfs(name, data, lfs))
        _git(repo, "add", "--all", "--", ".")
        _git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
        sha = rev_parse(repo, "HEAD")
        if tag is not None:
            _git(repo, "tag", tag, sha)
    finally:
        if branch != original:
            _git(repo, "checkout", "--quiet", original)
    return sha


def make_local_model_repo(
    root: Path | str,
    repo_id: str,
    files: Mapping[str, bytes | str] | None = None,
    *,
    source_dir: Path | str | None = None,
    repo_type: str = "model",
    message: str = "Initial commit",
    tag: str | None = None,
    lfs: bool | Iterable[str] | None = None,
) -> Path:
    """Create ``<root>/<models|datasets|spaces>/<org>/<name>`` as a git repo olah can serve.

    ``root`` is the directory later given to :func:`serve_hub`. The first
    commit (branch ``main``) contains ``files`` (repo path -> bytes/str) and/or
    every file under ``source_dir``. Returns the repository directory; use
    :func:`commit_files` for more commits/branches/tags and :func:`rev_parse`
    for SHAs.
    """
    path = repo_dir(root, repo_id, repo_type)
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} already exists and is not empty")
    content = _collect_files(files, source_dir)
    if not content:
        raise ValueError("a repository needs at least one file")
    path.mkdir(parents=True, exist_ok=True)
    # `git init <path>` first: every later command runs inside this repo and
    # can never fall through to an enclosing repository.
    subprocess.run(
        ["git", "init", "--quiet", "--initial-branch=main", str(path)],
        env=_git_env(), check=True, capture_output=True,
    )
    commit_files(path, content, message=message, branch="main", tag=tag, lfs=lfs)
    return path


# --------------------------------------------------------------------------
# The olah server
# --------------------------------------------------------------------------

class HubServer(str):
    """The endpoint URL (a ``str``, e.g. ``"http://127.0.0.1:41234"``) plus details."""

    process: subprocess.Popen
    port: int
    log_path: Path
    config_path: Path

    def __new__(cls, url: str, *, process: subprocess.Popen, port: int, log_path: Path, config_path: Path):
        obj = super().__new__(cls, url)
        obj.process, obj.port, obj.log_path, obj.config_path = process, port, log_path, config_path
        return obj

    def log_tail(self, n: int = 4000) -> str:
        return _tail(self.log_path, n)


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _toml_str(value: str) -> str:
    return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes


def _write_config(path: Path, *, port: int, mirrors: list[Path], cache_dir: Path) -> None:
    netloc = f"{LOOPBACK}:{port}"
    path.write_text(
        "[basic]\n"
        f"host = {_toml_str(LOOPBACK)}\n"
        f"port = {port}\n"
        f"repos-path = {_toml_str(str(cache_dir))}\n"
        f"mirrors-path = [{', '.join(_toml_str(str(m)) for m in mirrors)}]\n"
        'hf-scheme = "http"\n'
        f"hf-netloc = {_toml_str(_DEAD_UPSTREAM_NETLOC)}\n"
        f"hf-lfs-netloc = {_toml_str(_DEAD_UPSTREAM_NETLOC)}\n"
        'mirror-scheme = "http"\n'
        f"mirror-netloc = {_toml_str(netloc)}\n"
        f"mirror-lfs-netloc = {_toml_str(netloc)}\n"
        "metadata-cache-ttl = 0\n"
        "\n[accessibility]\n"
        "offline = true\n"
        '[[accessibility.proxy]]\nrepo = "*"\nallow = true\n'
        '[[accessibility.proxy]]\nrepo = "*/*"\nallow = true\n'
        # Nothing to cache: local mirrors are read live from git.
        '[[accessibility.cache]]\nrepo = "*"\nallow = false\n'
        '[[accessibility.cache]]\nrepo = "*/*"\nallow = false\n',
        encoding="utf-8",
    )


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_until_up(proc: subprocess.Popen, url: str, deadline: float) -> bool:
    """True once ``url`` answers HTTP (any status); False if ``proc`` exited."""
    opener = _no_proxy_opener()
    while True:
        if proc.poll() is not None:
            return False
        try:
            with opener.open(url, timeout=2) as resp:
                resp.read()
            return True
        except urllib.error.HTTPError:
            return True  # an HTTP answer, even an error status, means it is serving
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def serve_hub(
    repos_root: Path | str | Iterable[Path | str],
    *,
    startup_timeout: float = 30.0,
    workdir: Path | str | None = None,
) -> Iterator[HubServer]:
    """Run olah (offline) on ``127.0.0.1:<free port>`` serving the repos under ``repos_root``.

    ``repos_root`` is the directory given to :func:`make_local_model_repo`
    (or a list of such directories). Yields the endpoint URL, e.g.
    ``"http://127.0.0.1:41234"`` (a :class:`HubServer` ``str`` that also has
    ``.process``, ``.port``, ``.log_path``). The server process is terminated
    when the block exits, whether normally or by an exception. Startup waits at
    most ``startup_timeout`` seconds, then raises ``RuntimeError`` with olah's
    log. ``workdir`` (default: a temporary directory removed afterwards) holds
    the config, olah's logs and its (unused) cache.
    """
    roots = [repos_root] if isinstance(repos_root, (str, os.PathLike)) else list(repos_root)
    mirrors = [Path(r).resolve() for r in roots]
    for m in mirrors:
        if not m.is_dir():
            raise NotADirectoryError(f"repos root {m} does not exist")

    own_workdir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="olah-hub-")) if own_workdir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(var, None)
    env.update(PYTHONUNBUFFERED="1", NO_PROXY="*", no_proxy="*")
    env.pop("OLAH_CONFIG", None)  # would make olah.server ignore our CLI config

    proc: subprocess.Popen | None = None
    try:
        deadline = time.monotonic() + startup_timeout
        attempt = 0
        while True:
            attempt += 1
            port = _free_loopback_port()
            config = work / f"olah-{port}.toml"
            log_path = work / f"olah-{port}.out"
            _write_config(config, port=port, mirrors=mirrors, cache_dir=work / "olah-cache")
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "olah.server", "--config", str(config),
                     "--log-path", str(work / "logs")],
                    cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                )
            url = f"http://{LOOPBACK}:{port}"
            try:
                up = _wait_until_up(proc, url + "/__hubserver_probe__", deadline)
            except TimeoutError:
                _stop(proc)
                raise RuntimeError(
                    f"olah did not answer on {url} within {startup_timeout:.0f}s; log:\n{_tail(log_path)}"
                ) from None
            if up:
                break
            log_text = _tail(log_path) + _tail(work / "logs" / "olah.log")
            # Lost a race for the port with another process: try a fresh port.
            if "address already in use" in log_text.lower() and attempt < 5:
                continue
            raise RuntimeError(f"olah exited with code {proc.returncode} during startup; log:\n{log_text}")
        yield HubServer(url, process=proc, port=port, log_path=log_path, config_path=config)
    finally:
        if proc is not None:
            _stop(proc)
        if own_workdir:
            shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# Pointing huggingface_hub at the server
# --------------------------------------------------------------------------

def hf_env_vars(
    endpoint: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    offline: bool = False,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment for a *child* process (``huggingface_hub`` reads it at import).

    Starts from ``base`` (default ``os.environ``). Sets ``HF_ENDPOINT`` (if
    given), ``HF_HUB_CACHE`` (if given), ``HF_HUB_OFFLINE=1`` or removes it
    (and ``TRANSFORMERS_OFFLINE``), and ``HF_HUB_DISABLE_TELEMETRY=1``.
    """
    env = dict(os.environ if base is None else base)
    if endpoint is not None:
        env["HF_ENDPOINT"] = str(endpoint).rstrip("/")
    if cache_dir is not None:
        env["HF_HUB_CACHE"] = str(cache_dir)
    env.pop("TRANSFORMERS_OFFLINE", None)
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    else:
        env.pop("HF_HUB_OFFLINE", None)
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    # Loopback traffic must never be routed through a proxy.
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [env.get("NO_PROXY"), LOOPBACK, "localhost"]))
    return env


_MISSING = object()


@contextlib.contextmanager
def hf_hub_env(
    endpoint: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    offline: bool = False,
) -> Iterator[None]:
    """Point the already-imported ``huggingface_hub`` at ``endpoint`` (in this process).

    Patches ``huggingface_hub.constants`` (``ENDPOINT``,
    ``HUGGINGFACE_CO_URL_TEMPLATE``, ``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``,
    ``HF_HUB_DISABLE_TELEMETRY``, ``HF_HUB_DISABLE_IMPLICIT_TOKEN``), any
    identical copy of those values in other loaded ``huggingface_hub.*``
    modules, and the matching environment variables; everything is restored
    on exit. ``endpoint=None`` keeps the current endpoint (useful with
    ``offline=True``); ``cache_dir=None`` keeps the current cache.
    """
    import huggingface_hub.constants as hf_constants

    new_values: dict[str, object] = {
        "HF_HUB_OFFLINE": bool(offline),
        "HF_HUB_DISABLE_TELEMETRY": True,
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": True,
    }
    if endpoint is not None:
        ep = str(endpoint).rstrip("/")
        new_values["ENDPOINT"] = ep
        new_values["HUGGINGFACE_CO_URL_TEMPLATE"] = ep + "/{repo_id}/resolve/{revision}/{filename}"
    if cache_dir is not None:
        new_values["HF_HUB_CACHE"] = str(cache_dir)

    # (object, attribute, previous value) for every patched attribute.
    patched: list[tuple[object, str, object]] = []
    for name, value in new_values.items():
        old = getattr(hf_constants, name, _MISSING)
        if old is _MISSING:
            continue  # not present in this huggingface_hub version
        targets = [hf_constants]
        for mod_name, mod in list(sys.modules.items()):
            if (mod is not None and mod is not hf_constants and mod_name.startswith("huggingface_hub")
                    and getattr(mod, name, _MISSING) is old):
                targets.append(mod)  # a `from .constants import NAME` copy (older versions)
        for target in targets:
            patched.append((target, name, getattr(target, name)))
            setattr(target, name, value)

    env_new = hf_env_vars(endpoint, cache_dir=cache_dir, offline=offline)
    env_keys = {"HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                "HF_HUB_DISABLE_TELEMETRY", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "NO_PROXY", "no_proxy"}
    env_old = {k: os.environ.get(k) for k in env_keys}
    try:
        for k in env_keys:
            if k in env_new:
                os.environ[k] = env_new[k]
            else:
                os.environ.pop(k, None)
        yield
    finally:
        for target, name, old in reversed(patched):
            setattr(target, name, old)
        for k, v in env_old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def prefill_hf_cache(
    repos_root: Path | str,
    repo_id: str,
    cache_dir: Path | str,
    *,
    revision: str = "main",
    repo_type: str = "model",
    allow_patterns: list[str] | str | None = None,
) -> Path:
    """Fill a Hugging Face cache (``HF_HUB_CACHE`` layout) with ``repo_id`` at ``revision``.

    Starts :func:`serve_hub` on ``repos_root``, runs the real
    ``snapshot_download`` into ``cache_dir`` and stops the server again.
    Returns the snapshot directory. The cache then works with
    ``HF_HUB_OFFLINE=1`` (``hf_hub_env(cache_dir=cache_dir, offline=True)``
    in-process, or ``hf_env_vars(cache_dir=cache_dir, offline=True)`` for a
    child process). Call it once per revision that must be available offline.
    """
    from huggingface_hub import snapshot_download

    with serve_hub(repos_root) as endpoint, hf_hub_env(endpoint, cache_dir=cache_dir, offline=False):
        path = snapshot_download(
            repo_id, revision=revision, repo_type=repo_type, cache_dir=str(cache_dir),
            endpoint=str(endpoint), allow_patterns=allow_patterns,
        )
    return Path(path)
