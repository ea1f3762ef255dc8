"""The shared concept vocabulary (``concepts.yaml``) that every element, rule and fact speaks."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

HERE = Path(__file__).parent
CONCEPTS_PATH = HERE / "concepts.yaml"

ConceptKind = Literal[
    "act", "means", "purpose", "mental_state", "jurisdiction", "benefit", "aggravating", "other"
]


class LawDataError(ValueError):
    """A data file under ``palermo/law`` is malformed. The message names the file and key."""

    def __init__(self, file: Path | str, key: str, message: str) -> None:
        self.file = str(file)
        self.key = key
        self.reason = message
        super().__init__(f"{file}: {key}: {message}")


class Concept(BaseModel):
    # Other engineers may add fields (description, ...); we ignore what we do not use.
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = ""
    kind: ConceptKind
    label: str


def read_yaml(path: Path, error: type[LawDataError] = LawDataError) -> dict[str, Any]:
    """Read a YAML mapping, turning syntax errors into ``error`` naming the file."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise error(path, "(file)", f"not valid YAML: {exc}") from exc
    except OSError as exc:
        raise error(path, "(file)", f"cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise error(path, "(file)", "expected a mapping at the top level")
    return data


def pydantic_key(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The dotted key and message of the first pydantic error, for a readable LawDataError."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    key = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    return key, first["msg"]


def load_concepts(path: Path | None = None) -> dict[str, Concept]:
    """Load the vocabulary: concept id -> Concept (id, kind, label)."""
    if path is None:
        return dict(_default_concepts())
    return _load_concepts(path)


@lru_cache(maxsize=1)
def _default_concepts() -> dict[str, Concept]:
    return _load_concepts(CONCEPTS_PATH)


def _load_concepts(path: Path) -> dict[str, Concept]:
    raw = read_yaml(path).get("concepts")
    if not isinstance(raw, dict):
        raise LawDataError(path, "concepts", "expected a mapping of concept id to definition")
    out: dict[str, Concept] = {}
    for cid, body in raw.items():
        # An unquoted comma in a YAML flow mapping splits the label into keys with no value.
        stray = [k for k, v in (body or {}).items() if v is None]
        if stray:
            raise LawDataError(
                path, f"concepts.{cid}.{stray[0]}", "key without a value (quote labels with commas)"
            )
        try:
            out[str(cid)] = Concept.model_validate({**(body or {}), "id": str(cid)})
        except ValidationError as exc:
            key, msg = pydantic_key(exc, f"concepts.{cid}")
            raise LawDataError(path, key, msg) from exc
    return out
