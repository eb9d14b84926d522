"""One frozen pydantic model per topic. Fields are only ever added, with defaults."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

import base64
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema


def _bytes_from_wire(value: object) -> object:
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return value


# Raw bytes in Python, base64 text on the wire (pydantic's Base64Bytes would also decode Python bytes).
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_bytes_from_wire),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RawPage(_Message):
    """A fetched article page, body kept as the portal sent it (compressed)."""

    schema_version: Literal[1] = 1
    url: str = Field(description="URL the crawler requested")
    final_url: str = Field(description="URL after redirects")
    canonical_url: str = Field(description="Normalised URL used as the message key")
    portal_id: str
    province: str = Field(description="Province of the portal as named in the registry")
    fetched_at: AwareDatetime
    http_status: int
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Response headers that matter downstream (lower-case names): "
        "content-type, last-modified, etag, content-language",
    )
    content_type: str = ""
    body_encoding: Literal["zstd", "identity"] = "zstd"
    body: Base64Bytes = Field(description="Raw response body, compressed per body_encoding")
    body_length: int = Field(ge=0, description="Uncompressed body size in bytes")
    body_dropped: bool = Field(
        default=False, description="The body was too large for one message and was left out (dead-lettered downstream)")


class PageKind(str, Enum):
    """What kind of page an article was extracted from (recognised from generic signals in its text and media)."""

    article = "article"
    interview = "interview"
    schedule = "schedule"
    announcement = "announcement"
    document = "document"
    photo_story = "photo_story"
    video = "video"


class Article(_Message):
    """Clean article text and metadata extracted from one RawPage."""

    schema_version: Literal[1] = 1
    portal_id: str
    province: str
    url: str
    canonical_url: str
    title: str
    lead: str = ""
    text: str = Field(description="Body paragraphs separated by newlines, lead first, NFC")
    captions: list[str] = Field(default_factory=list)
    published_at: AwareDatetime | None = None
    modified_at: AwareDatetime | None = None
    author: str | None = None
    photo_credit: str | None = None
    language: str = "vi"
    fingerprint: str = Field(description="sha256 of the folded clean text (see consumers.domain.text)")
    near_signature: str | None = Field(
        default=None, description="MinHash of the text as the fixed chrome rules alone leave it (base64 of 49 "
        "little-endian uint32): the near-duplicate decision, like the fingerprint, is a function of the page alone, "
        "never of what an extract process has learned; null for texts too short to compare")
    fetched_at: AwareDatetime | None = None
    quality_flags: list[str] = Field(
        default_factory=list, description="Reasons this extraction is doubtful, e.g. missing_date"
    )
    kind: PageKind = Field(
        default=PageKind.article, description="Page kind, for subscribers to filter on: article (news and meeting "
        "reports), interview (questions and answers), schedule (a programme or a week's agenda), announcement "
        "(thông báo), document (a decision, resolution or plan quoted in full), photo_story (captioned pictures, "
        "little text), video (a player with a short text). Older messages without it read as article")


class MeetingType(str, Enum):
    """Kinds of official meeting newsingest recognises."""

    standing_secretariat_briefing = "standing_secretariat_briefing"
    provincial_party_executive_conference = "provincial_party_executive_conference"
    provincial_party_standing_committee = "provincial_party_standing_committee"
    peoples_council_session = "peoples_council_session"
    peoples_committee_meeting = "peoples_committee_meeting"
    district_party_conference = "district_party_conference"
    review_conference = "review_conference"
    other_official_meeting = "other_official_meeting"


MEETING_TYPE_DESCRIPTIONS: dict[MeetingType, str] = {
    MeetingType.standing_secretariat_briefing: "Politburo / Standing Secretariat briefing with provincial "
    "secretaries (giao ban Thường trực Ban Bí thư), usually online with many 'điểm cầu'",
    MeetingType.provincial_party_executive_conference: "Conference of the provincial party executive "
    "committee (Hội nghị Ban Chấp hành Đảng bộ tỉnh), including 'mở rộng'",
    MeetingType.provincial_party_standing_committee: "Meeting of the provincial party standing committee "
    "(Ban Thường vụ / Thường trực Tỉnh ủy)",
    MeetingType.peoples_council_session: "People's Council session (kỳ họp HĐND), regular or thematic",
    MeetingType.peoples_committee_meeting: "People's Committee meeting (phiên họp UBND), monthly or thematic",
    MeetingType.district_party_conference: "District / town / city party committee conference",
    MeetingType.review_conference: "Review conference (hội nghị sơ kết / tổng kết)",
    MeetingType.other_official_meeting: "Any other official meeting (voter meetings, government online "
    "conferences, working sessions of central delegations, Fatherland Front conferences)",
}


class DedupOutcome(str, Enum):
    new = "new"
    duplicate = "duplicate"
    revision = "revision"
    near_duplicate = "near_duplicate"


class Official(_Message):
    name: str
    titles: list[str] = Field(default_factory=list)
    role: Literal["chủ trì", "dự", "phát biểu", "kết luận"] = "dự"


class Document(_Message):
    kind: str = Field(description="Nghị quyết, Chỉ thị, Kết luận, Quyết định, ...")
    number: str | None = Field(default=None, description="e.g. 24-CT/TW")
    issuer: str | None = None
    text: str = Field(description="The citation as written")


class Figure(_Message):
    name: str = Field(description="What is measured, e.g. GRDP growth")
    value: float
    unit: str = Field(description="%, tỷ đồng, triệu USD, USD, ...")
    text: str = Field(description="The sentence fragment it was read from")


class MeetingReport(_Message):
    """A classified, deduplicated meeting report. Keyed by report_id; the latest version wins."""

    schema_version: Literal[1] = 1
    report_id: str = Field(description="Stable id: hash of the canonical URL")
    version: int = Field(ge=1)
    url: str
    title: str
    lead: str = ""
    text: str = ""
    portal_id: str
    province: str = Field(description="Province as named by the portal or page")
    province_current: str | None = Field(
        default=None, description="Province after the 1 July 2025 merger (63 -> 34)"
    )
    meeting_type: MeetingType = Field(
        description="; ".join(f"{k.value}: {v}" for k, v in MEETING_TYPE_DESCRIPTIONS.items())
    )
    meeting_date: dt.date | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list, description="Rules or top features that decided")
    dedup_outcome: DedupOutcome = DedupOutcome.new
    duplicate_of: str | None = Field(default=None, description="report_id of the original, if a near copy")
    similarity: float | None = None
    event_id: str | None = None
    published_at: AwareDatetime | None = None
    fingerprint: str = ""
    presiding: list[Official] = Field(default_factory=list)
    participants: list[Official] = Field(default_factory=list)
    ordinal: int | None = None
    term: str | None = None
    tenure: str | None = Field(default=None, description="nhiệm kỳ, e.g. 2020-2025")
    documents: list[Document] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    added_paragraphs: list[str] = Field(default_factory=list)
    removed_paragraphs: list[str] = Field(default_factory=list)


class EventSummary(_Message):
    """One real meeting and the reports of it; republished whenever it gains a member."""

    schema_version: Literal[1] = 1
    event_id: str
    meeting_type: MeetingType
    meeting_date: dt.date | None = None
    report_ids: list[str]
    portals: list[str]
    provinces: list[str] = Field(default_factory=list)


class DeadLetter(_Message):
    """A message a stage could not handle, kept whole (or, if too large, a preview and a pointer) for replay."""

    schema_version: Literal[1] = 1
    stage: str
    error_type: Literal["decode", "validation", "processing", "produce", "storage"]
    error_class: str
    error_message: str
    original_topic: str
    original_partition: int
    original_offset: int
    original_key: Base64Bytes | None = None
    original_payload: Base64Bytes = Field(
        description="The original record value, whole unless payload_truncated (then its first bytes only)")
    failed_at: AwareDatetime
    payload_truncated: bool = Field(
        default=False, description="original_payload is a bounded preview: the record was too large to carry "
        "whole; find it by original_topic/partition/offset while the topic retains it")
    original_size: int | None = Field(default=None, ge=0, description="Size of the original value in bytes")
    original_sha256: str | None = Field(default=None, description="sha256 (hex) of the whole original value")


class PortalStatus(_Message):
    """One poll of one portal by the long-running watch: its outcome, what it cost and found, and the schedule
    that follows it. Published once per poll, keyed by portal_id (compaction-ready: the latest is the truth)."""

    schema_version: Literal[1] = 1
    portal_id: str
    province: str = Field(description="Province of the portal as named in the registry")
    polled_at: AwareDatetime = Field(description="When the poll finished (its outcome was known)")
    outcome: Literal["ok", "failed"] = Field(description="failed: no request of the poll got an answer")
    consecutive_failures: int = Field(ge=0, description="Failed polls in a row, this one included (0 when ok)")
    new_articles: int = Field(default=0, ge=0, description="Article links seen for the first time")
    requests: int = Field(default=0, ge=0, description="Requests the poll made (listings, feeds, sitemaps, "
                          "robots.txt, article pages)")
    conditional_requests: int = Field(default=0, ge=0, description="Requests sent with If-None-Match or "
                                      "If-Modified-Since")
    not_modified: int = Field(default=0, ge=0, description="Answers 304 Not Modified")
    bytes: int = Field(default=0, ge=0, description="Response body bytes received")
    errors_by_kind: dict[str, int] = Field(
        default_factory=dict, description="Failed requests and error answers by kind: dns, connect, timeout, tls, "
        "http_4xx, http_5xx, robots, offsite, too_large, decompression_bomb, data_loss, ignored, gave_up, other")
    next_poll_at: AwareDatetime
    interval_s: float = Field(ge=0, description="The portal's poll interval (before failure back-off and jitter)")
    last_success_at: AwareDatetime | None = Field(default=None, description="Last poll that got an answer")
