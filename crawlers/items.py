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


KEPT_HEADERS = ("content-type", "last-modified", "etag", "content-language", "date")


def header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def requested_url(response) -> str:
    """The URL the spider asked for (before redirects): the page's identity in the crawl state and on Kafka."""
    return response.request.meta.get("redirect_urls", [response.url])[0]


def page_item(response, portal) -> PageItem:
    headers = {name: value for name in KEPT_HEADERS if (value := header(response, name)) is not None}
    return PageItem(url=requested_url(response), final_url=response.url, portal_id=portal.id,
                    province=portal.province, http_status=response.status, body=response.body,
                    content_type=headers.get("content-type", ""), headers=headers)
