"""What kind of page an article is (interview, schedule, announcement, document, photo story, video), from
generic signals in its text and media: pure functions, no portal rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree


ARTICLE, INTERVIEW, SCHEDULE, ANNOUNCEMENT, DOCUMENT, PHOTO_STORY, VIDEO = (
    "article", "interview", "schedule", "announcement", "document", "photo_story", "video")

_MARK = r"^(?:[-*•+–]\s*)?"
# A reporter's question: "PV: …", "Phóng viên: …", "Hỏi: …", "P.V: …".
_QUESTION_LABEL = re.compile(_MARK + r"(?:pv|p\.v|phóng viên|hỏi|câu hỏi)\s*[:.-]", re.I)
_ANSWER_LABEL = re.compile(_MARK + r"(?:trả lời|đáp)\s*:", re.I)
_ADDRESS = re.compile(r"\b(?:thưa|xin cảm ơn|xin trân trọng cảm ơn)\s+(?:ông|bà|đồng chí|anh|chị|đại biểu|giám đốc)",
                      re.I)
_REPORTER_TALKS = re.compile(r"phóng viên[^.]{0,40}(?:trao đổi|phỏng vấn|trò chuyện)", re.I)
_INTERVIEW_TITLE = re.compile(r"phỏng vấn|trả lời phỏng vấn|trao đổi với|trò chuyện với|hỏi\s*-\s*đáp|hỏi đáp", re.I)
# "Thứ Sáu (29/11/2024):", "THỨ HAI, NGÀY 25/11", "Chủ nhật 01/12".
_DAY_HEADING = re.compile(_MARK + r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ nhật)\b[^.]{0,25}?\d{1,2}\s*[/-]\s*\d{1,2}",
                          re.I)
# "- 8 giờ 00: …", "14h00: …", "Sáng 7 giờ 30 …", "7:30 - …".
_TIME_ITEM = re.compile(_MARK + r"(?:(?:buổi\s+)?(?:sáng|chiều|tối|trưa)\s*:?\s*)?(?:từ\s+)?\d{1,2}\s*(?:giờ|h|g|:)\s*\d{0,2}\b",
                        re.I)
_SESSION_HEADING = re.compile(_MARK + r"(?:buổi\s+)?(?:sáng|chiều|tối|cả ngày)\s*:?$", re.I)
_SCHEDULE_TITLE = re.compile(r"\blịch (?:công tác|làm việc|tiếp công dân|trực)|chương trình (?:kỳ họp|làm việc|hội nghị)",
                             re.I)
# "Điều 1. …", "Điều 2: …": a decision, resolution or regulation quoted in full.
_ARTICLE_CLAUSE = re.compile(r"^điều\s+\d{1,3}\s*[.:]", re.I)
_DOCUMENT_HEADING = re.compile(r"^(?:quyết định|nghị quyết|kế hoạch|chỉ thị|quy chế|quy định|hướng dẫn)\b", re.I)
_ROMAN_SECTION = re.compile(r"^[IVX]{1,5}\s*[.:-]\s+\S")
_LEGAL_BASIS = re.compile(r"^căn cứ\b", re.I)
_ANNOUNCEMENT_HEADING = re.compile(r"^thông báo\b", re.I)
# "Số: 123/TB-UBND", "Số 45/TB-VP": the document number of a notice.
_NOTICE_NUMBER = re.compile(r"\bsố\s*:?\s*\d+\s*/\s*(?:\d{4}\s*/\s*)?tb\b", re.I)

# One walk over the body (each step of a union walks the document again).
_VIDEO_ELEMENTS = etree.XPath(
    "boolean(//body//*[self::video or (self::iframe and (contains(@src, 'youtube') or contains(@src, 'youtu.be') or "
    "contains(@src, 'vimeo') or contains(@src, 'player') or contains(@src, 'video'))) or "
    "(@class and (contains(@class, 'video-player') or contains(@class, 'jwplayer') or contains(@class, 'vjs-') or "
    "contains(@class, 'plyr'))) or (@id and contains(@id, 'player'))] | //meta[@property='og:video' or "
    "@property='og:video:url' or (@property='og:type' and starts-with(@content, 'video'))])")
_FIGURES = etree.XPath("count(//body//figure | //body//img[not(ancestor::figure)][not(ancestor::a)])")


@dataclass(frozen=True)
class Media:
    """What the page shows besides text, read before chrome is pruned (players are pruned as chrome)."""
    video: bool = False
    figures: int = 0


def media_of(tree) -> Media:
    return Media(video=bool(_VIDEO_ELEMENTS(tree)), figures=int(_FIGURES(tree)))


def page_kind(title: str, lines: list[str], captions: list[str] = (), media: Media = Media()) -> str:
    """The kind of page whose title is `title` and whose body (lead first) is `lines`."""
    text_chars = sum(len(line) for line in lines)
    if _is_interview(title, lines):
        return INTERVIEW
    if _is_schedule(title, lines):
        return SCHEDULE
    if _is_document(lines):
        return DOCUMENT
    if _is_announcement(title, lines):
        return ANNOUNCEMENT
    if media.video and text_chars < 2000:
        return VIDEO
    # Many captioned pictures and little text: a few short paragraphs per picture at most.
    pictures = len(captions)
    if pictures >= 4 and text_chars < 350 * pictures:
        return PHOTO_STORY
    return ARTICLE


def _is_interview(title: str, lines: list[str]) -> bool:
    labelled = sum(1 for line in lines if _QUESTION_LABEL.match(line))
    if labelled >= 2:
        return True
    questions = sum(1 for line in lines if len(line) <= 400 and line.rstrip(" *\"”").endswith("?"))
    addressed = sum(1 for line in lines if _ADDRESS.search(line))
    answered = sum(1 for line in lines if _ANSWER_LABEL.match(line))
    # The lead may say it instead of the headline: "Phóng viên trao đổi với bà …", "… phóng viên đã có cuộc trao đổi".
    announced = bool(_INTERVIEW_TITLE.search(title)) or bool(lines and _REPORTER_TALKS.search(lines[0]))
    return (questions >= 2 and (addressed >= 1 or answered >= 1 or announced)) or (labelled >= 1 and answered >= 1)


def _is_schedule(title: str, lines: list[str]) -> bool:
    # A day heading may share its line with the day's items (a table row printed as one line).
    days = sum(1 for line in lines if _DAY_HEADING.match(line))
    items = sum(1 for line in lines if len(line) <= 400 and _TIME_ITEM.match(line))
    sessions = sum(1 for line in lines if _SESSION_HEADING.match(line))
    if _SCHEDULE_TITLE.search(title) and days + items + sessions >= 2:
        return True
    return (days >= 2 and items + sessions >= 1) or (days >= 1 and items >= 2) or items >= 4 \
        or (sessions >= 2 and items >= 2)


def _is_document(lines: list[str]) -> bool:
    clauses = sum(1 for line in lines if _ARTICLE_CLAUSE.match(line))
    if clauses >= 2:
        return True
    # A plan's numbered sections in capitals: "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN".
    if sum(1 for line in lines if _ROMAN_SECTION.match(line) and line.isupper()) >= 3:
        return True
    headed = any(_DOCUMENT_HEADING.match(line) and line.isupper() for line in lines[:12])
    based = sum(1 for line in lines[:20] if _LEGAL_BASIS.match(line))
    return headed and (based >= 1 or clauses >= 1)


def _is_announcement(title: str, lines: list[str]) -> bool:
    if _ANNOUNCEMENT_HEADING.match(title.strip()):
        return True
    # The notice's own heading, printed above its text when the page's headline is the site's name.
    if any(len(line) <= 250 and _ANNOUNCEMENT_HEADING.match(line.strip()) for line in lines[:3]):
        return True
    head = lines[:12]
    return any(line.strip().upper() == line.strip() and _ANNOUNCEMENT_HEADING.match(line.strip()) for line in head) \
        or any(_NOTICE_NUMBER.search(line) for line in head)
