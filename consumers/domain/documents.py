"""Documents cited in a report (Nghị quyết, Chỉ thị số 24-CT/TW, Kết luận số 21-KL/TW) and headline figures."""

from __future__ import annotations

import re

_KINDS = "Nghị quyết|Chỉ thị|Kết luận|Quyết định|Thông báo|Kế hoạch|Đề án|Chương trình|Quy định|Luật|Nghị định"
_DOC = re.compile(
    rf"\b(?P<kind>{_KINDS})(?:\s+Trung ương\s+\d+)?\s+(?:số\s+)?(?P<number>\d{{1,4}}(?:[/-][A-ZĐa-z0-9Đ]+)+|\d{{1,4}})\b"
    rf"(?P<rest>(?:\s+ngày\s+\d{{1,2}}/\d{{1,2}}/\d{{4}})?(?:\s+của\s+(?P<issuer>[A-ZĐÀ-Ỹ][^,.;:()]{{2,60}}?)"
    rf"(?=\s+(?:về|khóa|khoá|và)\b|[,.;:()]|$))?)",
)
_SUFFIX_ISSUER = {
    "TW": "Trung ương", "TU": "Tỉnh ủy", "HU": "Huyện ủy", "QH": "Quốc hội", "CP": "Chính phủ", "TTg": "Thủ tướng",
    "HĐND": "Hội đồng nhân dân", "UBND": "Ủy ban nhân dân", "BCT": "Bộ Chính trị",
}

_NUMBER = r"(?P<value>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
_UNIT = r"(?P<unit>%|tỷ đồng|triệu đồng|nghìn tỷ đồng|triệu USD|tỷ USD|USD|ha|tấn|lượt khách|lượt người|km)"
_FIGURE = re.compile(rf"(?<![\d.,]){_NUMBER}\s*{_UNIT}(?!\w)")
_CLAUSE_START = re.compile(r"[.;:\n]")
_NAME_HINTS = [
    (re.compile(r"bình quân đầu người|thu nhập", re.I), "income per capita"),
    (re.compile(r"GRDP|tăng trưởng", re.I), "growth"),
    (re.compile(r"thu ngân sách", re.I), "budget revenue"),
    (re.compile(r"chi ngân sách", re.I), "budget spending"),
    (re.compile(r"đầu tư công|giải ngân", re.I), "public investment disbursed"),
    (re.compile(r"xuất nhập khẩu|xuất khẩu", re.I), "trade"),
    (re.compile(r"FDI|vốn đầu tư nước ngoài", re.I), "FDI"),
    (re.compile(r"hộ nghèo", re.I), "poverty rate"),
    (re.compile(r"khách du lịch|du lịch", re.I), "tourism"),
]


def documents(text: str) -> list[dict]:
    out: dict[str, dict] = {}
    for m in _DOC.finditer(text):
        number = m.group("number")
        if number.isdigit() and not m.group("issuer"):
            continue  # "Nghị quyết 12" with no issuer is too vague to be a citation
        suffix = number.rsplit("/", 1)[-1] if "/" in number else None
        issuer = m.group("issuer") or next((v for k, v in _SUFFIX_ISSUER.items() if suffix and suffix.endswith(k)), None)
        key = f"{m.group('kind')}|{number}"
        if key not in out:
            out[key] = {"kind": m.group("kind"), "number": number, "issuer": issuer.strip() if issuer else None,
                        "text": m.group(0).strip()}
    return list(out.values())


def parse_number(value: str) -> float:
    """Vietnamese notation: '.' groups thousands, ',' is the decimal mark."""
    return float(value.replace(".", "").replace(",", "."))


def figures(text: str, limit: int = 20) -> list[dict]:
    out = []
    for m in _FIGURE.finditer(text):
        window = text[max(0, m.start() - 100): m.start()]
        cut = list(_CLAUSE_START.finditer(window))
        context = window[cut[-1].end():] if cut else window
        name = next((label for pattern, label in _NAME_HINTS if pattern.search(context)), None)
        if name is None:
            continue  # only headline figures whose meaning we can name
        out.append({"name": name, "value": parse_number(m.group("value")), "unit": m.group("unit"),
                    "text": (context.strip() + " " + m.group(0)).strip()[-120:]})
        if len(out) >= limit:
            break
    return out
