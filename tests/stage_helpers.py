"""Builders for stage tests: RawPages and Articles without a broker."""

from __future__ import annotations

import datetime as dt

import zstandard

from consumers.domain.text import fingerprint
from schemas import Article, RawPage

PUBLISHED = dt.datetime(2023, 7, 28, 18, 13, tzinfo=dt.timezone(dt.timedelta(hours=7)))

MEETING_TEXT = [
    "Ngày 28/7, đồng chí Trương Thị Mai, Ủy viên Bộ Chính trị, Thường trực Ban Bí thư, Trưởng Ban Tổ chức "
    "Trung ương chủ trì hội nghị trực tuyến toàn quốc giao ban công tác 6 tháng đầu năm 2023 của Thường trực "
    "Ban Bí thư với các đồng chí Bí thư Tỉnh ủy, Thành ủy trực thuộc Trung ương.",
    "Tại hội nghị, các ý kiến đã tập trung thảo luận công tác lãnh đạo, chỉ đạo, kết quả thực hiện Nghị quyết "
    "Đại hội XIII của Đảng; các nghị quyết, chỉ thị, kết luận của Ban Chấp hành Trung ương Đảng.",
    "Đồng chí Đại tướng Tô Lâm, Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an quán triệt những nội dung chủ yếu "
    "của Chỉ thị số 24-CT/TW ngày 13/7/2023 của Bộ Chính trị về bảo đảm vững chắc an ninh quốc gia.",
]
NEWS_TEXT = [
    "Những ngày này, nông dân huyện Tiên Yên đang tập trung thu hoạch lúa xuân trên diện tích hơn 1.200 ha.",
    "Năng suất lúa năm nay ước đạt 55 tạ/ha, tăng 3 tạ so với cùng kỳ nhờ thời tiết thuận lợi và giống mới.",
    "Ngành nông nghiệp khuyến cáo bà con thu hoạch nhanh gọn để chuẩn bị cho vụ mùa.",
]


def raw_page(html: str | bytes, url: str = "https://baoquangninh.vn/a-1.html", portal: str = "qn",
             province: str = "Quảng Ninh", status: int = 200) -> RawPage:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return RawPage(url=url, final_url=url, canonical_url=url, portal_id=portal, province=province,
                   fetched_at=dt.datetime.now(dt.timezone.utc), http_status=status, content_type="text/html",
                   body=zstandard.ZstdCompressor().compress(body), body_length=len(body))


def article(paragraphs: list[str] | None = None, url: str = "https://baoquangninh.vn/a-1.html",
            portal: str = "qn", province: str = "Quảng Ninh",
            title: str = "Thường trực Ban Bí thư giao ban công tác 6 tháng") -> Article:
    paragraphs = MEETING_TEXT if paragraphs is None else paragraphs
    text = "\n".join(paragraphs)
    return Article(portal_id=portal, province=province, url=url, canonical_url=url, title=title,
                   lead=paragraphs[0], text=text, published_at=PUBLISHED, fingerprint=fingerprint(text))

