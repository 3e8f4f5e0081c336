"""Command line: ``realts generate | preview | fit-spectrum | config | info``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .config import RealTSConfig, load_config
from .errors import RealTSError
from .version import STREAM_VERSION, __version__


def _config(path: str | None) -> RealTSConfig:
    return RealTSConfig() if path is None else load_config(path)


def _cmd_generate(args: argparse.Namespace) -> int:
    from .corpus import write_corpus
    meta = write_corpus(args.out, args.num_series, args.length, args.seed, _config(args.config),
                        shards=args.shards, workers=args.workers, overwrite=args.overwrite,
                        batch_size=args.batch_size, start_index=args.start_index, progress=not args.quiet)
    seconds = meta["write_seconds"]
    print(f"wrote {meta['num_series']} series x {meta['length']} steps in {len(meta['shards'])} shard(s) "
          f"to {args.out} in {seconds:.2f} s ({meta['num_series'] / max(seconds, 1e-9):.0f} series/s)")
    return 0


def _cmd_preview(args: argparse.Namespace) -> int:
    from .preview import write_preview
    path = write_preview(args.out, length=args.length, seed=args.seed, examples=args.examples,
                         config=_config(args.config), dpi=args.dpi)
    print(f"wrote {path}")
    return 0


def _cmd_fit_spectrum(args: argparse.Namespace) -> int:
    from .spectra import fit_spectrum, read_series_file
    series = read_series_file(args.input, args.columns)
    spectrum = fit_spectrum(series, args.window, hop=args.hop, bins=args.bins, name=args.name or args.input)
    path = spectrum.save(args.out)
    print(f"wrote {path}: {spectrum.num_bins} bins from {spectrum.meta['num_windows']} windows "
          f"(sha256 {spectrum.sha256()[:12]})")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    print(json.dumps(_config(args.config).to_dict(), indent=2, sort_keys=True))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .corpus import read_corpus_metadata
    meta = read_corpus_metadata(args.corpus)
    summary = {k: meta[k] for k in ("version", "stream_version", "seed", "length", "start_index", "num_series")}
    summary["shards"] = len(meta["shards"])
    print(json.dumps(summary, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="realts", description="RealTS synthetic time-series corpus generator")
    parser.add_argument("--version", action="version", version=f"realts {__version__} (stream {STREAM_VERSION})")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a sharded Parquet corpus")
    gen.add_argument("--num-series", type=int, required=True)
    gen.add_argument("--length", type=int, required=True)
    gen.add_argument("--seed", type=int, required=True)
    gen.add_argument("--out", required=True, help="output directory (must not exist unless --overwrite)")
    gen.add_argument("--shards", type=int, default=1)
    gen.add_argument("--workers", type=int, default=1)
    gen.add_argument("--config", help="JSON config (see `realts config`)")
    gen.add_argument("--batch-size", type=int, default=1024, help="rows per Parquet row group")
    gen.add_argument("--start-index", type=int, default=0, help="first series index (for extending a corpus)")
    gen.add_argument("--overwrite", action="store_true")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_cmd_generate)

    prev = sub.add_parser("preview", help="write a PNG gallery of behaviours and augmentations")
    prev.add_argument("--out", default="realts_preview.png")
    prev.add_argument("--length", type=int, default=1232)
    prev.add_argument("--seed", type=int, default=0)
    prev.add_argument("--examples", type=int, default=4, help="columns per row")
    prev.add_argument("--dpi", type=int, default=80)
    prev.add_argument("--config")
    prev.set_defaults(func=_cmd_preview)

    fit = sub.add_parser("fit-spectrum", help="fit IFFTB per-bin amplitude/phase distributions from your data")
    fit.add_argument("--input", required=True, help=".npy, .csv or .parquet (numeric columns are series)")
    fit.add_argument("--out", required=True, help=".npz or .json")
    fit.add_argument("--window", type=int, default=1232)
    fit.add_argument("--hop", type=int)
    fit.add_argument("--bins", type=int, help="resample to this many frequencies in [0, 0.5]")
    fit.add_argument("--columns", nargs="+", help="columns to use (default: all numeric)")
    fit.add_argument("--name")
    fit.set_defaults(func=_cmd_fit_spectrum)

    cfg = sub.add_parser("config", help="print the (default or given) config as JSON")
    cfg.add_argument("--config")
    cfg.set_defaults(func=_cmd_config)

    info = sub.add_parser("info", help="summarise a corpus directory")
    info.add_argument("corpus")
    info.set_defaults(func=_cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RealTSError as exc:
        print(f"realts {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
