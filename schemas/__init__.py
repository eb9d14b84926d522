"""Message contracts shared by crawlers and consumers: models, topic names, codec."""

from schemas.codec import DecodeError, decode, encode
from schemas.models import (
    Article,
    DeadLetter,
    DedupOutcome,
    Document,
    EventSummary,
    Figure,
    MeetingReport,
    MeetingType,
    PageKind,
    Official,
    PortalStatus,
    RawPage,
)
from schemas.topics import Topics

__all__ = [
    "Article",
    "DeadLetter",
    "DecodeError",
    "DedupOutcome",
    "Document",
    "EventSummary",
    "Figure",
    "MeetingReport",
    "MeetingType",
    "PageKind",
    "Official",
    "PortalStatus",
    "RawPage",
    "Topics",
    "decode",
    "encode",
]
