"""Officials named in a report, with their titles and roles (chủ trì, dự, phát biểu, kết luận).

Reports name officials as "đồng chí <Name>, <title>, <title>" or "<title> <Name>", and list co-chairs as
"Các đồng chí: A, title; B, title; C, title đồng chủ trì". Names are 2-5 capitalised syllables starting with
a Vietnamese surname; titles are the comma-separated phrases that follow.
"""

from __future__ import annotations

import re

from consumers.domain.text import nfc

_WORD = re.compile(r"[^\W\d_][\w']*")
# Capitalised words that start titles or bodies, never a person's name.
_NOT_NAME_WORDS = {
    "Ủy", "Uỷ", "Bí", "Chủ", "Phó", "Trưởng", "Bộ", "Ban", "Tỉnh", "Đảng", "Hội", "Thường", "Giám", "Tổng",
    "Mặt", "Liên", "Sở", "Thủ", "Viện", "Huyện", "Cục", "Chi", "Kỳ", "Phiên", "Nghị", "Các", "Đồng", "Sáng",
    "Chiều", "Tối", "Ngày", "Tại", "Trong", "Theo", "Kết", "Phát", "Dự", "Về", "Với", "Đại", "Quốc", "Trung",
    "Việt", "Nam", "Lào", "Campuchia", "Thành", "Thị", "Xã", "Nhà", "Công", "Cổng", "Báo", "Đài", "Văn", "Mẹ",
    "Ông", "Bà", "Anh", "Chị", "Hôm", "Buổi", "Tổ", "Cử", "Dưới",
}


_TITLE_BIGRAMS = {
    "bí thư", "chủ tịch", "chủ nhiệm", "ủy viên", "ủy ban", "uỷ viên", "uỷ ban", "trung ương", "quốc hội",
    "đại hội", "đại biểu", "đại tướng", "thành ủy", "thành uỷ", "thành phố", "nhân dân", "chính trị", "chính phủ",
    "văn phòng", "thị ủy", "thị uỷ", "thị xã", "đoàn đại", "tỉnh ủy", "tỉnh uỷ", "huyện ủy", "huyện uỷ",
    "giám đốc", "tổng bí", "thủ tướng", "bộ trưởng", "phó chủ", "phó bí", "trưởng ban", "trưởng đoàn",
    "hội đồng", "mặt trận", "sở nội", "ban thường", "ban chấp", "ban tổ", "ban tuyên", "ban dân", "ban nội",
}


def _starts_title(word: str, after: str) -> bool:
    nxt = re.match(r"\s+([a-zà-ỹđ]+)", after)
    return bool(nxt) and f"{word.lower()} {nxt.group(1)}" in _TITLE_BIGRAMS


# Family names: after an office ("Bí thư Tỉnh ủy Trần Hồng Minh") they start a person, otherwise a place
# ("Bí thư Thị ủy Sa Pa").
_SURNAMES = set(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Triệu Lương Đinh Trương Mai Tô Hà "
    "Đào Lâm Lưu Kim Tạ Châu Chẩu Quách Thái Đoàn Cao Vương Trịnh Chu Nông Lò Hứa La Tống Thân Khúc Giàng Sùng "
    "Vàng Mã Lục Đàm Từ Âu Đồng Nghiêm Phùng Tăng Tôn Bế Hầu Lữ Quàng Lạc Diệp Thạch Danh Y Kiều Khổng Mạc Ông "
    "Viên Giáp Chế Lầu Thào Mùa Sầm Lã Doãn Thiều Bạch Cù Cầm Ma Đậu Ksor Rơ Lại Phương Chau Kha Ngọc Hà Tòng "
    "Lăng Vi Vừ Hờ Sình Ly Tẩn Chảo Cứ Sần Hạng Lồ Pờ Phàn Bàn Hoàng Lục".split()
)
_MIDDLE_NAMES = {"Văn", "Thị"}
_AFTER_ADMIN_WORD = re.compile(r"(?:\b(?:ủy|uỷ|huyện|tỉnh|xã|phố|phường|thị trấn|thị xã|quận|UBND|HĐND|bộ|bản|"
                               r"thôn|xóm|làng|vùng|sông|núi|hồ|đèo|cửa khẩu|khu)|Đảng bộ)\s+$")


def _is_capitalised(word: str) -> bool:
    # Acronyms (HĐND, UBND) are organisations, not names; "A" in "A Pớt" is a name.
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _is_place(name: str) -> bool:
    from consumers.domain.provinces import load_provinces

    provinces = load_provinces()
    return provinces.resolve(name) is not None or provinces.resolve(" ".join(name.split()[:2])) is not None


def names_in(text: str) -> list[tuple[int, int, str]]:
    """Runs of 2-5 capitalised words that are not titles, organisations or places."""
    runs: list[list[re.Match]] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not _is_capitalised(word):
            continue
        if runs and text[runs[-1][-1].end():m.start()] == " " and len(runs[-1]) < 6:
            runs[-1].append(m)
        else:
            runs.append([m])
    out = []
    for run in runs:
        words = list(run)
        while words and words[0].group(0) in _NOT_NAME_WORDS:
            words.pop(0)
        # A trailing title word is recognised with the lowercase word after it ("... Minh Bí thư").
        while words and _starts_title(words[-1].group(0), text[words[-1].end():words[-1].end() + 12]):
            words.pop()
        if not 2 <= len(words) <= 5:
            continue
        name = text[words[0].start():words[-1].end()]
        # "Bí thư Thị ủy Sa Pa", "UBND huyện Bắc Hà": a capitalised run right after an administrative
        # word names the place, not a person.
        # A middle name "Văn" or "Thị" ("Bí thư Huyện ủy Mông Văn Khải") marks a person whatever the family name.
        if _AFTER_ADMIN_WORD.search(text[max(0, words[0].start() - 25):words[0].start()]) and \
                words[0].group(0) not in _SURNAMES and not (len(words) >= 3 and words[1].group(0) in _MIDDLE_NAMES):
            continue
        if not _is_place(name):
            out.append((words[0].start(), words[-1].end(), name))
    return out


# The head of a working delegation chairs its working session ("đoàn ... do ông X làm trưởng đoàn").
# A chair "điều hành" (conducts) a sitting; "chỉ đạo, điều hành" the economy chairs nothing.
# A congress is chaired by its presidium: "Đoàn Chủ tịch đại hội gồm các đồng chí A, …; B, … và C, …" (not the
# title "Ủy viên Đoàn Chủ tịch Ủy ban Trung ương MTTQ", which no "gồm" follows).
_CHAIR = re.compile(r"(đồng chủ trì|chủ trì|chủ tọa|chủ toạ|làm trưởng đoàn|"
                    r"điều hành\s+(?=(?:phiên|kỳ họp|hội nghị|buổi)\b)|"
                    r"đoàn chủ tịch(?:\s+(?:đại hội|hội nghị))?(?=\s+gồm\b))", re.I)
# A local leader chairing only the province's end of a national online meeting is not its chair.
_LOCAL_END = re.compile(r"(?:chủ trì|chủ tọa|dự)\s+(?:hội nghị\s+|buổi giao ban\s+)?(?:tại\s+|ở\s+)?điểm cầu|"
                        r"^(?:tại|ở)\s+điểm cầu", re.I)
# ... but the province's own online meeting with its communes is chaired at the province's end: "UBND tỉnh Hưng Yên
# tổ chức hội nghị trực tuyến với 104 xã, phường" (a ministry's or the Secretariat's meeting "với 34 tỉnh, thành
# phố" keeps the rule).
_PROVINCE_HOSTS_ONLINE = re.compile(
    r"\b(?:ubnd|hđnd|ủy ban nhân dân|uỷ ban nhân dân|hội đồng nhân dân|tỉnh ủy|tỉnh uỷ|thành ủy|thành uỷ)"
    r"(?:\s+(?:tỉnh|thành phố))?[^.;]{0,40}?\btổ chức hội nghị trực tuyến với\s+(?:các\s+|\d+\s+)?"
    r"(?:xã|phường|đặc khu|huyện|sở|địa phương|điểm cầu xã|điểm cầu cấp xã)", re.I)
# Attending or directing is not chairing: "Bà X, Phó Chủ tịch UBND tỉnh dự và chỉ đạo hội nghị; ông Y chủ trì".
# "dự thảo" (a draft), "dự án" (a project) and the like are other words, as is a "Ban Chỉ đạo" (steering board).
_ATTENDS = re.compile(r"\b(?:tham\s+)?dự\b(?!\s+(?:thảo|án|kiến|toán|báo|bị|trữ|phòng|định|tính|thi|luật|khuyết|đoán)\b)"
                      r"|(?<!ban )(?<!tổ )\bchỉ\s+đạo\b", re.I)  # not "Trưởng Ban Chỉ đạo …", a title
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ỸĐ])|\n")
_KEYWORDS = [
    ("kết luận", re.compile(r"\b(kết luận|phát biểu kết luận)\b", re.I)),
    ("phát biểu", re.compile(r"\b(phát biểu|quán triệt|trình bày|báo cáo)\b", re.I)),
    ("dự", re.compile(r"\b(dự|tham dự|dự và chỉ đạo)\b", re.I)),
]


def _titles_after(text: str, end: int) -> list[str]:
    """Comma-separated titles that follow a name, up to the next clause."""
    tail = text[end:end + 250]
    if tail.startswith((" - ", " – ")):
        tail = "," + tail[3:]  # "Ông X - Bí thư Tỉnh ủy" writes titles after a dash
    if not tail.startswith(","):
        return []
    titles = []
    for part in re.split(r"[,;]|\s+và\s+", tail[1:]):
        part = part.strip()
        if names_in(part[:40]) and names_in(part[:40])[0][0] == 0:
            break  # the next official of a list
        stop = re.search(r"\s(chủ trì|đồng chủ trì|dự|phát biểu|kết luận|cùng|và các|nhấn mạnh|đề nghị|cho biết)\b",
                         part)
        if stop:
            part = part[: stop.start()].strip()
            if part and part[0].isupper():
                titles.append(part)
            break
        if not part or not part[0].isupper() or len(part) > 90:
            break
        titles.append(part)
    return titles


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(nfc(text)) if s.strip()]


def presiding(text: str, limit_chars: int = 2500) -> list[dict]:
    """Officials who chaired: names in the clause that says chủ trì / đồng chủ trì / làm trưởng đoàn.
    A delegation head and the local leader who "đồng chủ trì" are both chairs, so the first few chairing
    sentences of the opening are read, not only the first."""
    found: dict[str, dict] = {}
    chairing_sentences = 0
    own_online = bool(_PROVINCE_HOSTS_ONLINE.search(text[:limit_chars]))
    for position, sentence in _positioned_sentences(text[:limit_chars]):
        chair = _CHAIR.search(sentence)
        if not chair or (not own_online and _LOCAL_END.search(sentence)):
            continue
        if found and (position > 1500 or chairing_sentences >= 2):
            break
        chairing_sentences += 1
        previous_end = 0
        for chair in _CHAIR.finditer(sentence):
            # "Hội nghị do ông X ... chủ trì": names before the verb; "dưới sự chủ trì của ông X",
            # "cùng chủ trì có ông Y", "Chủ trì hội nghị có ...": names after it.
            after_text = sentence[chair.end(): chair.end() + 300]
            forced_after = re.match(r"\s*(?:của|có|là|gồm|:)\s", after_text) or \
                re.search(r"dưới sự\s*$", sentence[max(0, chair.start() - 12):chair.start()])
            start = _after_attendance(sentence, previous_end, chair.start())
            before = [] if forced_after else [
                (start + a, start + b, n) for a, b, n in names_in(sentence[start: chair.start()])]
            # Names after the verb run to the end of the sentence: co-chairs are listed with ";".
            candidates = before or [(chair.end() + a, chair.end() + b, n) for a, b, n in names_in(after_text)]
            previous_end = chair.end()
            for _start, end, name in candidates:
                if name not in found:
                    found[name] = {"name": name, "titles": _titles_after(sentence, end), "role": "chủ trì"}
    return list(found.values())


def _after_attendance(sentence: str, start: int, end: int) -> int:
    """Where the chair's own clause starts in sentence[start:end]: after the last attending or directing verb
    and the clause it opens ("Dự hội nghị có ông X; ông Y chủ trì"), else at `start`."""
    last = None
    for last in _ATTENDS.finditer(sentence, start, end):
        pass
    if last is None:
        return start
    semicolon = sentence.find(";", last.end(), end)
    return semicolon + 1 if semicolon >= 0 else last.end()


def _positioned_sentences(text: str) -> list[tuple[int, str]]:
    out, position = [], 0
    for sentence in sentences(text):
        out.append((position, sentence))
        position += len(sentence) + 1
    return out


def participants(text: str, chairs: set[str], limit_chars: int = 4000) -> list[dict]:
    """Other named officials with the role the sentence gives them."""
    found: dict[str, dict] = {}
    for sentence in sentences(text[:limit_chars]):
        role = next((r for r, pattern in _KEYWORDS if pattern.search(sentence)), None)
        if role is None:
            continue
        for _, end, name in names_in(sentence):
            if name in chairs or name in found:
                continue
            found[name] = {"name": name, "titles": _titles_after(sentence, end), "role": role}
    return list(found.values())
