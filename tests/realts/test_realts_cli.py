"""CLI: preview PNG, config dump, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from realts.cli import main


def test_preview_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "p.png"
    assert main(["preview", "--out", str(out), "--length", "128", "--examples", "1", "--dpi", "30"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_rejects_bad_length(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--out", str(tmp_path / "p.png"), "--length", "0"]) == 2
    assert "length" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()


def test_config_file_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.json").write_text('{"weights": {"pwb": 0.6, "lgb": 0.3}}')
    assert main(["config", "--config", str(tmp_path / "c.json")]) == 2
    assert "sum to 1" in capsys.readouterr().err


def test_generate_requires_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--num-series", "10"])
