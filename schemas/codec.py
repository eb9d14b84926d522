"""JSON encoding of messages on the wire."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class DecodeError(ValueError):
    """The bytes are not a valid message of the expected model."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # "decode" (not JSON/UTF-8) or "validation" (JSON, wrong shape)


def encode(message: BaseModel) -> bytes:
    return message.model_dump_json().encode("utf-8")


def decode(model: type[M], payload: bytes | None) -> M:
    if payload is None:
        raise DecodeError("empty message (tombstone)", kind="decode")
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        kind = "decode" if kinds & {"json_invalid", "json_type"} else "validation"
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise DecodeError(f"{model.__name__}: {where}: {first['msg']}", kind=kind) from exc
