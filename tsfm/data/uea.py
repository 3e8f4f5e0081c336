"""Classification data in the sktime/aeon `.ts` format (the UEA/UCR archives).

A file is a header of `@tag value` lines (case-insensitive tags; `#` lines are comments)
ending with `@data`, then one sample per line: dimensions separated by ':', values within a
dimension by ',', the class label as the last field; '?' marks a missing value.

    @problemName JapaneseVowels
    @dimensions 12
    @equalLength false
    @classLabel true 1 2 3 4 5 6 7 8 9
    @data
    1.86,1.89,...:-0.20,-0.19,...:...:1

Files: `<root>/UEA/<Name>/<Name>_TRAIN.ts` and `..._TEST.ts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import DataFormatError, DataNotFoundError, InputValidationError
from .forecasting import DATA_DIR_ENV, data_root

_TRUE, _FALSE = "true", "false"


@dataclass
class TSClassificationData:
    """A labelled set of (possibly variable-length) multivariate series.

    values: [N, L_max, C] float32, right-padded with NaN (NaN also where a value was '?').
    lengths: [N] int64, the length of each series (longest dimension of the sample).
    labels: [N] int64, index into class_names (ordered as the file's @classLabel lists them).
    """

    name: str
    values: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    class_names: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_channels(self) -> int:
        return self.values.shape[2]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def dataset(self, max_length: int | None = None) -> "ClassificationDataset":
        return ClassificationDataset(self.values, self.lengths, self.labels, max_length=max_length)


def _parse_bool(value: str, tag: str, where: str) -> bool:
    text = value.strip().lower()
    if text not in (_TRUE, _FALSE):
        raise DataFormatError(f"{where}: @{tag} must be true or false, got {value.strip()!r}")
    return text == _TRUE


def _parse_int(value: str, tag: str, where: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise DataFormatError(f"{where}: @{tag} must be an integer, got {value.strip()!r}") from None
    if number < 1:
        raise DataFormatError(f"{where}: @{tag} must be positive, got {number}")
    return number


def _parse_dimension(text: str, where: str, dim: int) -> np.ndarray:
    tokens = [t.strip() for t in text.split(",")]
    if tokens == [""]:
        raise DataFormatError(f"{where}: dimension {dim} is empty")
    try:
        return np.asarray(["nan" if t == "?" else t for t in tokens], dtype=np.float64)
    except ValueError:
        for i, token in enumerate(tokens):
            if token == "?":
                continue
            try:
                float(token)
            except ValueError:
                shown = "an empty value" if not token else f"non-numeric value {token!r}"
                raise DataFormatError(f"{where}: dimension {dim}, position {i}: {shown}") from None
        raise  # unreachable: some token failed above


def read_ts(path: str | Path, require_all_classes: bool = False) -> TSClassificationData:
    """Parse a `.ts` classification file.

    require_all_classes: raise when a class declared in @classLabel has no sample (a
    training split should have every class; a test split may legitimately lack some).
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f".ts file not found: {path}")
    header: dict[str, str] = {}
    class_names: list[str] | None = None
    samples: list[list[np.ndarray]] = []
    label_names: list[str] = []
    sample_lines: list[int] = []
    in_data = False
    n_dims: int | None = None
    dims_line = 0
    # Text mode turns CRLF (UWaveGestureLibrary) into plain newlines.
    with open(path, encoding="utf-8") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}: line {line_no}"
            if not in_data:
                if not line.startswith("@"):
                    raise DataFormatError(f"{where}: expected a @tag header line before @data, got {line[:40]!r}")
                tag, _, value = line[1:].partition(" ")
                tag = tag.lower()
                if tag == "data":
                    in_data = True
                    continue
                if tag == "classlabel":
                    parts = value.split()
                    if not parts or parts[0].lower() != _TRUE:
                        raise DataFormatError(
                            f"{where}: @classLabel is not 'true': this file has no class labels "
                            "(not a classification problem)"
                        )
                    class_names = parts[1:]
                    if not class_names:
                        raise DataFormatError(f"{where}: @classLabel true lists no classes")
                    if len(set(class_names)) != len(class_names):
                        raise DataFormatError(f"{where}: @classLabel lists a class twice: {class_names}")
                elif tag == "targetlabel" and value.strip().lower() == _TRUE:
                    raise DataFormatError(f"{where}: @targetLabel true is a regression file, not classification")
                header[tag] = value.strip()
                continue
            if class_names is None:
                raise DataFormatError(f"{where}: data before any '@classLabel true ...' header line")
            fields = line.split(":")
            label = fields[-1].strip()
            dims = fields[:-1]
            if not dims:
                raise DataFormatError(f"{where}: no values before the class label {label!r}")
            if n_dims is None:
                n_dims, dims_line = len(dims), line_no
            elif len(dims) != n_dims:
                raise DataFormatError(
                    f"{where}: {len(dims)} dimension(s), but line {dims_line} has {n_dims}"
                )
            if label not in class_names:
                raise DataFormatError(
                    f"{where}: class label {label!r} is not declared in @classLabel ({' '.join(class_names)})"
                )
            samples.append([_parse_dimension(d, where, k) for k, d in enumerate(dims)])
            label_names.append(label)
            sample_lines.append(line_no)
    if not header and not in_data:
        raise DataFormatError(f"{path}: the file is empty (no header, no data)")
    if not in_data:
        raise DataFormatError(f"{path}: no @data line; a .ts file needs its header to end with @data")
    if not samples:
        raise DataFormatError(f"{path}: no samples after @data")
    assert class_names is not None and n_dims is not None
    where = f"{path}"
    if header.get("timestamps") and _parse_bool(header["timestamps"], "timeStamps", where):
        raise DataFormatError(f"{path}: @timeStamps true (timestamped values) is not supported")
    if "dimensions" in header and _parse_int(header["dimensions"], "dimensions", where) != n_dims:
        raise DataFormatError(f"{path}: @dimensions says {header['dimensions']} but the data has {n_dims}")
    if "univariate" in header and _parse_bool(header["univariate"], "univariate", where) and n_dims != 1:
        raise DataFormatError(f"{path}: @univariate true but the data has {n_dims} dimensions")
    # A sample's dimensions may differ in length; the shorter ones are NaN-padded too.
    lengths = np.array([max(len(d) for d in dims) for dims in samples], dtype=np.int64)
    equal = header.get("equallength")
    if equal is not None and _parse_bool(equal, "equalLength", where):
        expected = (
            _parse_int(header["serieslength"], "seriesLength", where)
            if "serieslength" in header
            else int(lengths[0])
        )
        for dims, line_no in zip(samples, sample_lines):
            bad = [len(d) for d in dims if len(d) != expected]
            if bad:
                raise DataFormatError(
                    f"{path}: line {line_no}: a dimension of length {bad[0]}, but the header "
                    f"declares equal lengths of {expected}"
                )
    values = np.full((len(samples), int(lengths.max()), n_dims), np.nan, dtype=np.float32)
    for i, dims in enumerate(samples):
        for k, d in enumerate(dims):
            values[i, : len(d), k] = d
    index = {name: i for i, name in enumerate(class_names)}
    labels = np.array([index[name] for name in label_names], dtype=np.int64)
    if require_all_classes:
        counts = np.bincount(labels, minlength=len(class_names))
        empty = [class_names[i] for i in np.flatnonzero(counts == 0)]
        if empty:
            raise DataFormatError(f"{path}: declared class(es) {empty} have no sample")
    name = header.get("problemname") or path.stem.rsplit("_", 1)[0]
    return TSClassificationData(name=name, values=values, lengths=lengths, labels=labels, class_names=class_names)


def resolve_uea_path(name: str, split: str, root: str | Path | None = None) -> Path:
    """`<root>/UEA/<name>/<name>_TRAIN.ts` (also `<root>/<name>/...` and `<root>/...`)."""
    split_tag = str(split).strip().upper()
    if split_tag not in ("TRAIN", "TEST"):
        raise InputValidationError(f"split must be 'train' or 'test', got {split!r}")
    base = data_root(root)
    filename = f"{name}_{split_tag}.ts"
    candidates = [base / "UEA" / name / filename, base / name / filename, base / filename]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DataNotFoundError(
        f"{filename} not found; tried: {', '.join(map(str, candidates))}. "
        f"Set ${DATA_DIR_ENV} (or pass root=) to the folder that holds UEA/."
    )


def load_uea(
    name: str,
    split: str,
    root: str | Path | None = None,
    require_all_classes: bool = False,
) -> TSClassificationData:
    """Load `<name>_<SPLIT>.ts` from the UEA folder of the data root (split: train/test)."""
    return read_ts(resolve_uea_path(name, split, root), require_all_classes=require_all_classes)


class ClassificationDataset(Dataset):
    """Fixed-length classification samples.

    values [N, L, C] (NaN = padding or missing), lengths [N], labels [N]. Each series is
    right-padded or truncated to max_length (default: the longest; truncation keeps the
    first steps). Item: past_values [max_length, C] float32 with every NaN replaced by 0.0,
    past_observed_mask [max_length, C] bool (False on padding and on missing values),
    labels: long scalar.
    """

    def __init__(
        self,
        values: np.ndarray,
        lengths: np.ndarray,
        labels: np.ndarray,
        max_length: int | None = None,
    ) -> None:
        values = np.asarray(values, dtype=np.float32)
        lengths = np.asarray(lengths, dtype=np.int64)
        labels = np.asarray(labels, dtype=np.int64)
        if values.ndim != 3:
            raise InputValidationError(f"values must be [N, L, C], got shape {values.shape}")
        if not (len(values) == len(lengths) == len(labels)):
            raise InputValidationError(
                f"values, lengths and labels disagree on N: {len(values)}, {len(lengths)}, {len(labels)}"
            )
        if (lengths < 1).any() or (lengths > values.shape[1]).any():
            raise InputValidationError(f"lengths must lie in [1, {values.shape[1]}]")
        if (labels < 0).any():
            raise InputValidationError("labels must be non-negative class indices")
        max_length = int(lengths.max()) if max_length is None else int(max_length)
        if max_length < 1:
            raise InputValidationError(f"max_length must be >= 1, got {max_length}")
        n, length, channels = values.shape
        keep = min(length, max_length)
        fixed = np.full((n, max_length, channels), np.nan, dtype=np.float32)
        fixed[:, :keep] = values[:, :keep]
        # Steps past a series' length are padding even if the array holds numbers there.
        beyond = np.arange(max_length)[None, :] >= lengths[:, None]
        fixed[beyond] = np.nan
        observed = ~np.isnan(fixed)
        self.values = torch.from_numpy(np.where(observed, fixed, 0.0).astype(np.float32))
        self.observed = torch.from_numpy(observed)
        self.labels = torch.from_numpy(labels)
        self.max_length = max_length

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {
            "past_values": self.values[i],
            "past_observed_mask": self.observed[i],
            "labels": self.labels[i],
        }
