"""Published incidence data sets shipped with metakinetics, and the loader for users' own files.

Each bundled data set is a CSV (docs/data_format.md) with a TOML of metadata (citation, cohort,
endpoint, time origin, exact/derived status) in ``metakinetics/datasets/files``.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import DataError, did_you_mean
from .data import AggregateData, DatasetInfo, IndividualData
from .load import load_files, read_metadata
from .schema import ENDPOINT_NAMES, EVENT_CODES, STANDARD_ORGANS

__all__ = ["AggregateData", "DatasetInfo", "IndividualData", "ENDPOINT_NAMES", "EVENT_CODES",
           "STANDARD_ORGANS", "list_datasets", "load_dataset", "dataset_info", "dataset_text", "metadata_text"]

_FILES = "files"


def _bundled():
    return resources.files(__package__) / _FILES


def list_datasets() -> list[str]:
    """Names of the bundled data sets, sorted."""
    return sorted(p.name[:-5] for p in _bundled().iterdir() if p.name.endswith(".toml"))


def _bundled_pair(name: str):
    toml = _bundled() / f"{name}.toml"
    if not toml.is_file():
        raise DataError(name, "no bundled data set of that name (bundled: "
                        f"{', '.join(list_datasets())})" + did_you_mean(name, list_datasets()))
    meta = read_metadata(f"datasets/{name}.toml", text=toml.read_text(encoding="utf-8"))
    csv_res = _bundled() / meta.get("file", f"{name}.csv")
    if not csv_res.is_file():
        raise DataError(f"datasets/{name}.toml", f"data file '{meta.get('file')}' not found")
    return meta, csv_res


def dataset_text(name: str) -> str:
    """The CSV text of a bundled data set."""
    return _bundled_pair(name)[1].read_text(encoding="utf-8")


def load_dataset(name_or_path: str | Path, *, organs=None) -> AggregateData | IndividualData:
    """A bundled data set by name, or a user's CSV file (with an optional metadata TOML of the
    same stem beside it, or the TOML itself), validated. ``organs`` adds organ names to accept."""
    text = str(name_or_path)
    if text.endswith((".csv", ".toml")) or "/" in text or "\\" in text:
        return _load_path(Path(text), organs=organs)
    meta, csv_res = _bundled_pair(text)
    return load_files(csv_res.read_bytes(), f"datasets/{csv_res.name}", meta, organs=organs)


def metadata_text(name_or_path: str | Path) -> tuple[str, str | None]:
    """(where, TOML text) of a data set's metadata: a bundled set by name, or a user's CSV (the TOML
    of the same stem beside it; None when there is none) or TOML."""
    text = str(name_or_path)
    if text.endswith((".csv", ".toml")) or "/" in text or "\\" in text:
        path = Path(text)
        toml = path if path.suffix == ".toml" else path.with_suffix(".toml")
        try:
            return str(toml), toml.read_text(encoding="utf-8") if toml.is_file() else None
        except OSError as exc:
            raise DataError(str(toml), f"cannot read: {exc.strerror or exc}") from None
    _bundled_pair(text)                       # the bundled-name check, with its did-you-mean
    return f"datasets/{text}.toml", (_bundled() / f"{text}.toml").read_text(encoding="utf-8")


def dataset_info(name_or_path: str | Path) -> DatasetInfo:
    """Metadata of a data set (loads and validates it)."""
    return load_dataset(name_or_path).info


def _load_path(path: Path, *, organs=None):
    if path.suffix == ".toml":
        meta = read_metadata(path)
        csv_path = path.parent / meta.get("file", path.stem + ".csv")
    else:
        csv_path = path
        side = path.with_suffix(".toml")
        meta = read_metadata(side) if side.is_file() else {}
    try:
        raw = csv_path.read_bytes()
    except OSError as exc:
        raise DataError(str(csv_path), f"cannot read data file: {exc.strerror or exc}") from None
    return load_files(raw, str(csv_path), meta, organs=organs)
