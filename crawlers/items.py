"""What the spider hands to pipelines: one fetched article page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class PageItem:
    url: str
    final_url: str
    portal_id: str
    province: str
    http_status: int
    body: bytes
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
