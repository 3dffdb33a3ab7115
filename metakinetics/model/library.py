"""Bundled models: the TOML files of the project's ``models/`` folder, shipped in the wheel.

``load_model`` takes a bundled name (``"breast"``) or a path to a TOML file.
"""
from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ModelFileError, nearest
from .file import load_model_file, load_model_text
from .spec import Model

_PACKAGE = "metakinetics._models"


def _bundled():
    return resources.files(_PACKAGE)


def list_models() -> list[str]:
    """Names of the bundled models, sorted."""
    return sorted(p.name[:-5] for p in _bundled().iterdir() if p.name.endswith(".toml"))


def model_text(name: str) -> str:
    """TOML text of a bundled model."""
    res = _bundled() / f"{name}.toml"
    if not res.is_file():
        raise ModelFileError(name, None, "no bundled model of that name (bundled: "
                             f"{', '.join(list_models())})", suggestion=nearest(name, list_models()))
    return res.read_text(encoding="utf-8")


def load_model(name_or_path: str | Path | Model, overrides: Mapping[str, Any] | None = None) -> Model:
    """A bundled model by name, or a model file by path, with optional dotted-key overrides."""
    if isinstance(name_or_path, Model):
        return name_or_path.with_values(dict(overrides)) if overrides else name_or_path
    text = str(name_or_path)
    looks_like_path = text.endswith(".toml") or "/" in text or "\\" in text or Path(text).is_file()
    if looks_like_path:
        return load_model_file(text, overrides=overrides)
    return load_model_text(model_text(text), path=f"models/{text}.toml", overrides=overrides)
