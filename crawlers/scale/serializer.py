"""How a request travels through the shared queue: JSON, not scrapy-redis's default pickle, so whoever can write
to the Redis cannot make a crawler run code. Used as scrapy-redis's `serializer` (a `loads`/`dumps` pair) over
`Request.to_dict(spider=...)`, whose callback and errback are spider method names.

Bytes (the body, header values) and dicts with non-string keys (headers) are tagged; anything else that JSON
cannot hold is refused with TypeError (a request meant for the shared queue must not carry live objects).
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "\x00b"
_DICT = "\x00d"


def _pack(obj: Any) -> Any:
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (bytes, bytearray)):
        return {_BYTES: base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, (list, tuple)):
        return [_pack(v) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and _BYTES not in obj and _DICT not in obj:
            return {k: _pack(v) for k, v in obj.items()}
        return {_DICT: [[_pack(k), _pack(v)] for k, v in obj.items()]}
    raise TypeError(f"cannot put a {type(obj).__name__} in the shared request queue")


def _unpack(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_unpack(v) for v in obj]
    if isinstance(obj, dict):
        if len(obj) == 1 and _BYTES in obj:
            return base64.b64decode(obj[_BYTES])
        if len(obj) == 1 and _DICT in obj:
            return {_unpack(k): _unpack(v) for k, v in obj[_DICT]}
        return {k: _unpack(v) for k, v in obj.items()}
    return obj


def dumps(obj: Any) -> bytes:
    return json.dumps(_pack(obj), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return _unpack(json.loads(data))
