"""Credits: who wrote a page and who took its photos, from the lines and boxes that print them.

A credit line has a label ("Tác giả:", "Bài, ảnh:", "Đăng bởi:") or is a name alone (a person's, a pen name, an
office's); what reads like a name may still be a schedule's "Chiều", a document's signer or a list of people. Pure
text rules: the extract step (core.py) decides where on the page a line stands.
"""

from __future__ import annotations

import re

from consumers.domain.extraction.chrome import ChromeRules
from consumers.domain.text import fold

# A schedule table's time or part-of-day cell: "08h00", "14 giờ 30", "Sáng", "Cả ngày" recur row after row.
TIME_OR_PART_OF_DAY = re.compile(
    r"^(?:\d{1,2}\s*(?:giờ|h|g|:)\s*\d{0,2}'?|(?:buổi\s+)?(?:sáng|chiều|trưa|tối)|cả ngày)\s*:?$", re.IGNORECASE)

# "Đăng bởi: Hoài An" credits a person when nothing else does; "Đăng bởi: admin" is the posting account, chrome
# before this is asked.
POSTED_BY = re.compile(r"^(?:đăng bởi|người đăng)\s*:", re.I)
AUTHOR_PREFIX = re.compile(r"^(?:(?:tác giả(?: bài viết)?|bài(?:\s*(?:và|,|&)\s*ảnh)?|tin(?:\s*(?:và|,|&)\s*ảnh)?|"
                           r"ảnh\s*(?:và|,|&)\s*(?:bài|tin)|đăng bởi|người đăng|"
                           r"nhóm phóng viên|pv|phóng viên|người viết|biên tập|viết bởi|thực hiện|nội dung)\s*:|"
                           r"^(?:viết |đăng )?bởi\s)\s*(.+)$", re.I)
# "Ảnh: Trung Kiên - Bài: Thủy Tiên": the photo credit first, then the writer.
PHOTO_THEN_TEXT = re.compile(r"^(?:ảnh|photo)\s*:\s*(.+?)\s*[-–|,;·]\s*(?:bài|tin|nội dung|lời)\s*:\s*(.+)$", re.I)
WORDS_BY = re.compile(r"[-–|,;·]\s*lời\s*:", re.I)  # "Lời: X" credits the words, and may quote a leader
# A byline element that prints its label on a line of its own: "Tác giả\nVăn phòng Đoàn ĐBQH và HĐND tỉnh".
GLUED_LABEL = re.compile(r"^(?i:tác giả(?: bài viết)?|người viết|viết bởi|thực hiện)\s*(?=[A-ZĐÀÁẢÃẠÂĂÊÔƠƯ])")
AUTHOR_LABEL = re.compile(r"^(?:tác giả(?: bài viết)?|người viết|phóng viên|biên tập|viết bởi|thực hiện)\s*:?$", re.I)
# A credit's label on a line of its own, the credit on the next: VuePress's "Nguồn" box over "Văn phòng HĐND và UBND
# xã" (not "Thực hiện:" heading a plan's last section).
CREDIT_LABEL_ALONE = re.compile(r"^(?:nguồn(?: tin)?|tác giả(?: bài viết)?|người viết)\s*:?$", re.I)
# An attribution printed after the text with a dash before it: "— Văn phòng HĐND và UBND xã", "– Thanh Tâm".
ATTRIBUTION_DASH = re.compile(r"^\s*[—–]\s+")
# Under "Nguồn", a newspaper, station, agency or portal is the source the text is taken from, not its writer.
PRESS_SOURCE = re.compile(r"^(?:báo|đài|tạp chí|ttxvn|thông tấn|cổng|trang|vtv|vov|truyền hình)\b", re.I)
# Offices, boards and centres that sign a page: "Văn phòng Đoàn ĐBQH và HĐND tỉnh", "Ban Tuyên giáo Tỉnh ủy",
# "Trung tâm Văn hóa - Thể thao huyện", "Phòng Xây dựng chính quyền và Công tác thanh niên".
INSTITUTION = re.compile(r"^(?:văn phòng|ban|trung tâm|phòng|sở|ủy ban|uỷ ban|ubnd|hđnd|ubmttq|hội đồng|hội|"
                         r"đoàn|tổ|cục|chi cục|bộ phận|bộ chỉ huy|thường trực|huyện ủy|huyện uỷ|tỉnh ủy|tỉnh uỷ|"
                         r"thành ủy|thành uỷ|đảng ủy|đảng uỷ|công an|đài|báo|nhóm phóng viên|nhóm pv)\s", re.I)
PHOTO_PREFIX = re.compile(r"^(?:ảnh|ảnh minh họa|ảnh minh hoạ|ảnh tư liệu|nguồn ảnh|photo)\s*:\s*(.+)$", re.I)
# (A television report's camera credit is its pictures': "Minh Huệ | Quay phim: Đức Toàn".)
BYLINE_WITH_PHOTO = re.compile(r"^(.+?)\s*[-–—,;|]\s*(?:ảnh|photo|quay phim|camera)\s*:\s*(.+)$", re.I)
# A posting record naming a person before its time: "Đăng bởi Nguyễn Thị Mỹ Lệ lúc 16:00 …", "… trong Tin hoạt động".
POSTER_ALONE = re.compile(r"^(?:đăng|viết) bởi\s*:\s*([^\d·|,:]{3,40})$", re.I)  # "Đăng bởi: Hoài An", a chrome line
POSTER_IN_STAMP = re.compile(r"^(?:(?:đăng|viết|gửi) bởi\s*:?|(?:đăng|gửi) lúc [\d:h]+ bởi|người đăng\s*:)\s*"
                             r"([^\d·|,:\-–]{3,40}?)"
                             r"\s*(?:\s(?:lúc|vào|ngày|trong)\b|[-–·|,]|$)", re.I)


HONORIFIC = re.compile(r"^(?:ông|bà|đồng chí|đ/c|anh|chị)\s", re.I)


def ends_a_list(paragraphs: list[str]) -> bool:
    """The last line closes a list of people ("… các thành viên gồm:", "Ông Trần Văn Bình", "Ông Nguyễn Văn An"),
    not a byline: it is addressed ("Ông …"), or follows a line that introduces a list or is a name itself."""
    last = paragraphs[-1]
    if HONORIFIC.match(last):
        return True
    if len(paragraphs) < 2:
        return False
    before = paragraphs[-2]
    if CREDIT_LABEL_ALONE.match(before.strip()):
        return False  # "Nguồn" / "Tác giả:" over the credit, not a list's opening
    return before.rstrip().endswith(":") or (looks_like_name(before) and not SOURCE_LINE.match(last))


def names_with_photo(line: str) -> bool:
    """A closing credit for text and photos: "Quang Vinh - Ảnh: Ngọc Anh"."""
    both = BYLINE_WITH_PHOTO.match(line)
    return bool(both) and len(line) <= 80 and looks_like_name(both.group(1)) and looks_like_name(both.group(2))
# "Quang Sáng (bài) - Hữu Đạt (ảnh)": each name followed by its role.
BYLINE_WITH_ROLES = re.compile(r"^(.+?)\s*\((?:bài|tin|bài viết|nội dung)\)\s*[-–,;|]\s*(.+?)\s*\(ảnh\)$", re.I)
SOURCE_LINE = re.compile(r"^\(?(?:nguồn(?:\s+tin)?|theo)\s*:?\s*[\w .\-]{2,60}\)?$", re.I)
# "Bài, ảnh: Hùng Sơn" credits the same person for the text and the photos.
TEXT_AND_PHOTO = re.compile(r"^(?:(?:bài|tin)\s*(?:và|,|&)\s*ảnh|ảnh\s*(?:và|,|&)\s*(?:bài|tin))\s*:", re.I)
# Ê Đê and other Central Highlands names carry an apostrophe: "H'Nga Byă", "Y Thuận Êban".
NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.'’]*$")


def looks_like_name(line: str) -> bool:
    """A trailing credit line: "Thu Chung", "Đình Anh- Văn Hương", "Thanh Loan (BCB)"; never a schedule's "Chiều"."""
    core = re.sub(r"\([^)]{1,20}\)", "", line).strip(" .")
    if not core or len(line) > 60 or core.endswith((":", ";", ",")) or TIME_OR_PART_OF_DAY.match(core):
        return False
    words = [w for w in re.split(r"[\s,\-–&/]+", core) if w and w.lower() not in ("và",)]
    return 1 <= len(words) <= 8 and all(NAME_WORD.match(w) for w in words)


def looks_like_institution(line: str) -> bool:
    """A signing office on a line of its own: an institution word first, a short name, no sentence in it (an
    announcement's closing formula "Thường trực HĐND tỉnh trân trọng thông báo." names an office too)."""
    core = re.sub(r"\([^)]{1,20}\)", "", line).strip(" .")
    return (3 <= len(core) <= 70 and core[0].isupper() and bool(INSTITUTION.match(core))
            and not re.search(r"[.?!;:\"“”]", core) and 2 <= len(core.split()) <= 12
            and not CLOSING_FORMULA.search(core))


# ... and its apology: "UBND phường mong người dân, tổ chức thông cảm.", "Xin lỗi vì sự bất tiện này." (not a place:
# "UBND xã Mong Thọ").
CLOSING_FORMULA = re.compile(r"\b(?:trân trọng|kính (?:mời|báo|gửi)|thông báo|đề nghị|xin lỗi|thông cảm|"
                             r"(?:rất )?mong (?:người dân|nhân dân|quý|các|bà con|được))\b", re.I)


def is_credit(name: str) -> bool:
    """What a byline prefix ("PV:", "Phóng viên:", "Tác giả:") is followed by when it credits someone: names or
    an office. An interview's question ("PV: Vậy huyện sẽ có những giải pháp gì?") is body text."""
    name = name.strip(" .")
    if not name or "?" in name or "!" in name or len(name) > 60:
        return False
    words = [w for w in re.split(r"[\s,\-–&/;]+", re.sub(r"\([^)]{1,30}\)", "", name)) if w]
    if not words or len(words) > 12:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return looks_like_institution(name) or capitalised * 2 > len(words)


def credit_label(line: str) -> re.Match | None:
    """The match of a credit's label ("Tác giả: X"), the inner one when the box's label holds the credit's own:
    "Tác giả: Bài, ảnh: Y Blăk"."""
    outer = AUTHOR_PREFIX.match(line)
    return outer and AUTHOR_PREFIX.match(outer.group(1)) or outer


# "Nguồn: Văn phòng Đoàn ĐBQH và HĐND tỉnh" in a byline box names the office that wrote it; "Nguồn: Báo Nhân Dân"
# names a newspaper the text is taken from.
_SOURCE_OFFICE = re.compile(r"^\(?nguồn\s*:(?!\s*(?:báo|đài|tạp chí|ttxvn|theo))\s*(.+?)\)?$", re.I)


def byline_name(line: str, rules: ChromeRules) -> str | None:
    """The credited name in a byline element's text: a person or a named office, not a placeholder."""
    if "\n" in line:
        line = " ".join(part for part in line.split("\n") if part.strip() and not AUTHOR_LABEL.match(part.strip()))
    line = GLUED_LABEL.sub("", line, count=1)  # "Tác giảVăn phòng …": two elements' texts run together
    line = ATTRIBUTION_DASH.sub("", line)  # "— Văn phòng HĐND và UBND xã": an attribution's dash
    both = PHOTO_THEN_TEXT.match(line)
    if not both and PHOTO_PREFIX.match(line):
        return None  # "Ảnh: X" alone credits the pictures
    office = _SOURCE_OFFICE.match(line.strip())
    if office and looks_like_institution(office.group(1)):
        return office.group(1).strip()
    byline = credit_label(line)
    name = (both.group(2) if both else byline.group(1) if byline else line).strip(" .")
    if not name or len(name) > 60 or not name[0].isupper() or any(c.isdigit() for c in name) \
            or not is_credit(name) \
            or name.endswith(":") or rules.is_placeholder_author(name) or rules.is_chrome_line(name) \
            or SOURCE_LINE.match(name):
        return None
    return name


# Vietnamese family names: a three- or four-word name under the lead starts with one ("NGUYỄN THỊ MỸ LỆ"); two words
# are a pen name ("MINH NHẬT", "Thu Hà"). A subheading in title case ("Phát Huy Nội Lực") starts with neither.
FAMILY_NAMES = frozenset(fold(n) for n in (
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đào trịnh mai lương lưu "
    "trương văn tạ hà cao chu châu thái tô tôn la lâm quách kiều mạc triệu doãn khổng lã vương đoàn nông lò "
    "hứa thân kim âu y h' đàm phùng lại giàng nghiêm ninh thạch quan ông bạch cù diệp đồng giáp hầu khúc lò lù "
    "mã sùng thào vừ lầu hoàng hùng tăng từ văn vi bế").split())
# "X Thị Y", "X Văn Y": a middle name makes a three-word line a person's name, whatever the family name.
MIDDLE_NAMES = frozenset(fold(n) for n in ("thị", "văn", "đức", "hữu", "ngọc", "minh", "thanh", "quang", "công"))
# "Người viết: Văn phòng Huyện ủy - Đăng ngày 07-03-2025, 09:15": the credit, then the posting stamp.
CREDIT_THEN_STAMP = re.compile(r"^(.+?)\s+[-–|·]\s+(?:đăng|cập nhật|ngày đăng|xuất bản)\b.*\d", re.I)


def poster_name(text: str, offices: bool = False) -> str | None:
    """The person (with `offices`, or the office) a posting record names: "Đăng bởi: Hoài An", "Đăng bởi Nguyễn
    Thị Mỹ Lệ lúc 16:00 …", "Đăng lúc 17:05 bởi Trần Thu Hà - …"."""
    found = POSTER_IN_STAMP.match(text) or POSTER_ALONE.match(text)
    if found is None:
        return None
    name = found.group(1)
    return name.strip() if looks_like_name(name) or (offices and looks_like_institution(name)) else None
