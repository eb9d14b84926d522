"""Deterministic generator of realistic Vietnamese provincial-portal pages, and a local server for them.

Reused by the fault harness (tests/faults), a portal simulator and bench/pipeline.py. Everything is a pure
function of the seed: the same `Corpus(seed, pages)` always yields the same stories, URLs and bytes (except
the per-request chrome: visit dates, view and visitor counters, which change on every request, as they do on
real portals, so a re-crawl is the same article in different page bytes).

    corpus = Corpus(seed=7, pages=300)
    corpus.stories                          # Story objects: portal, url path, title, paragraphs, kind, ...
    corpus.phase(0)                         # [(story, version)] first crawl: version 0 of every story
    corpus.phase(1)                         # re-crawl: version 1 for revised stories, version 0 for the rest
    corpus.render(story, version, visit)    # the page bytes (UTF-8 HTML) as served on request number `visit`
    corpus.raw_page(story, version, visit, base_url)   # a schemas.RawPage as the crawler would publish it
    corpus.registry_yaml(base_url)          # a portal registry (crawlers.registry format) for these portals

    with PortalServer(corpus) as site:      # threaded HTTP server on 127.0.0.1, listing pages + articles
        site.set_phase(1)                   # from now on serve the phase-1 versions
        site.base_url

Kinds of page: meeting reports (People's Council sessions, provincial party executive conferences, Standing
Secretariat briefings, People's Committee monthly meetings, provincial party standing committee meetings,
review conferences) and other news (agriculture, tourism, traffic, culture, education, health). Near copies
(`story.copy_of`) are the same meeting reported by another portal of the same province (any province for a
national briefing) in other words; revisions (`story.revised`) change one paragraph in version 1.
Each (province, meeting type, date) is used by at most one original story, so events are unambiguous.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ICT = dt.timezone(dt.timedelta(hours=7))
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
WEEKDAYS_SHORT = ["Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật"]
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
         "XVI", "XVII", "XVIII", "XIX", "XX"]


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    province: str
    cms: str  # newspaper | liferay | nukeviet | tv
    city: str
    phone: str

    def article_path(self, category: str, slug: str, number: int) -> str:
        if self.cms == "nukeviet":
            return f"/{self.id}/news/{category}/{slug}-{number}.html"
        if self.cms == "tv":
            return f"/{self.id}/tin-tuc/{category}/{slug}-{number}.html"
        return f"/{self.id}/tin-tuc/{slug}-{number}.html"

    def article_pattern(self, base_url: str) -> str:
        base = re.escape(base_url)
        if self.cms == "nukeviet":
            return f"^{base}/{self.id}/news/[a-z0-9-]+/[a-z0-9-]+-\\d+\\.html$"
        if self.cms == "tv":
            return f"^{base}/{self.id}/tin-tuc/[a-z0-9-]+/[a-z0-9-]+-\\d+\\.html$"
        return f"^{base}/{self.id}/tin-tuc/[a-z0-9-]+-\\d+\\.html$"


PORTALS = [
    Portal("qnnews", "Báo Quảng Ninh điện tử", "Quảng Ninh", "newspaper", "TP Hạ Long", "0203.3835.516"),
    Portal("qnportal", "Cổng Thông tin điện tử tỉnh Quảng Ninh", "Quảng Ninh", "liferay", "TP Hạ Long",
           "0203.3634.388"),
    Portal("cbportal", "Cổng Thông tin điện tử tỉnh Cao Bằng", "Cao Bằng", "liferay", "Thành phố Cao Bằng",
           "0206.3858.066"),
    Portal("cbhdnd", "Trang TTĐT Đoàn ĐBQH và HĐND tỉnh Cao Bằng", "Cao Bằng", "nukeviet", "Thành phố Cao Bằng",
           "0206.3853.507"),
    Portal("tbtv", "Đài Phát thanh và Truyền hình Thái Bình", "Thái Bình", "tv", "TP Thái Bình", "0227.3831.569"),
    Portal("tbnews", "Báo Thái Bình điện tử", "Thái Bình", "newspaper", "TP Thái Bình", "0227.3842.464"),
    Portal("hgtv", "Đài Phát thanh và Truyền hình Hà Giang", "Hà Giang", "tv", "TP Hà Giang", "0219.3866.105"),
    Portal("hghdnd", "Trang TTĐT HĐND tỉnh Hà Giang", "Hà Giang", "nukeviet", "TP Hà Giang", "0219.3867.210"),
]

# ---- vocabulary --------------------------------------------------------------------------------------------
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Triệu",
          "Nông", "Hà", "Lương", "Mai", "Đinh", "Tô"]
MIDDLE = ["Văn", "Thị", "Đình", "Xuân", "Minh", "Quang", "Hữu", "Đức", "Thanh", "Ngọc", "Mạnh", "Hồng", "Công",
          "Thu", "Kim", "Bá"]
GIVEN = ["Thành", "Hùng", "Dũng", "Hải", "Long", "Nam", "Tuấn", "Lâm", "Sơn", "Hà", "Lan", "Hương", "Thắng",
         "Quyết", "Khánh", "Bình", "Phong", "Trung", "Hiếu", "Vinh", "Tường", "Ánh", "Nghiêm", "Lê", "Toàn", "Huy",
         "Đạt", "Cường", "Thủy", "Nhung"]
NATIONAL_LEADERS = [
    ("Trương Thị Mai", "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư, Trưởng Ban Tổ chức Trung ương"),
    ("Võ Văn Thưởng", "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư"),
    ("Lương Cường", "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư"),
    ("Trần Cẩm Tú", "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư, Chủ nhiệm Ủy ban Kiểm tra Trung ương"),
]
SECTORS = ["nông nghiệp", "công nghiệp", "thương mại", "du lịch", "giao thông", "y tế", "giáo dục", "xây dựng",
           "tài nguyên và môi trường", "văn hóa", "lao động, thương binh và xã hội", "khoa học và công nghệ",
           "thông tin và truyền thông", "tư pháp", "nội vụ", "tài chính"]
TOPICS = ["giải ngân vốn đầu tư công", "giải phóng mặt bằng các dự án trọng điểm", "cải cách hành chính",
          "chuyển đổi số", "xây dựng nông thôn mới", "giảm nghèo bền vững", "phòng, chống thiên tai",
          "thu hút đầu tư", "phát triển kinh tế cửa khẩu", "quản lý đất đai", "phát triển du lịch cộng đồng",
          "xóa nhà tạm, nhà dột nát", "bảo vệ rừng", "an toàn thực phẩm", "phòng, chống tham nhũng, tiêu cực",
          "sắp xếp đơn vị hành chính cấp xã", "công tác cán bộ", "tinh gọn bộ máy", "nước sạch nông thôn",
          "quy hoạch tỉnh", "phát triển hạ tầng giao thông", "đào tạo nghề cho lao động nông thôn",
          "bảo hiểm xã hội tự nguyện", "phòng, chống dịch bệnh trên đàn gia súc", "khai thác khoáng sản"]
DOCS = ["Nghị quyết số {n}-NQ/TU của Ban Thường vụ Tỉnh ủy", "Chỉ thị số {n}-CT/TW của Ban Bí thư",
        "Kết luận số {n}-KL/TW của Bộ Chính trị", "Nghị quyết số {n}/NQ-HĐND của HĐND tỉnh",
        "Quyết định số {n}/QĐ-UBND của UBND tỉnh", "Chương trình hành động số {n}-CTr/TU của Tỉnh ủy"]
DISTRICTS = {
    "Quảng Ninh": ["Tiên Yên", "Vân Đồn", "Cô Tô", "Đầm Hà", "Hải Hà", "Bình Liêu", "Ba Chẽ", "Móng Cái",
                   "Uông Bí", "Đông Triều", "Quảng Yên", "Cẩm Phả"],
    "Cao Bằng": ["Hà Quảng", "Trùng Khánh", "Bảo Lạc", "Bảo Lâm", "Nguyên Bình", "Thạch An", "Quảng Hòa",
                 "Hạ Lang", "Hòa An"],
    "Thái Bình": ["Kiến Xương", "Vũ Thư", "Thái Thụy", "Tiền Hải", "Hưng Hà", "Đông Hưng", "Quỳnh Phụ"],
    "Hà Giang": ["Đồng Văn", "Mèo Vạc", "Yên Minh", "Quản Bạ", "Bắc Quang", "Hoàng Su Phì", "Xín Mần",
                 "Vị Xuyên", "Bắc Mê"],
}
VERBS_DEMAND = ["yêu cầu", "đề nghị", "chỉ đạo", "nhấn mạnh, yêu cầu"]
ADVERBS = ["quyết liệt", "khẩn trương", "đồng bộ", "hiệu quả", "thực chất", "nghiêm túc"]
UNITS = ["các sở, ban, ngành", "các địa phương", "các cấp ủy, tổ chức đảng", "các chủ đầu tư",
         "UBND các huyện, thành phố", "các cơ quan chuyên môn", "người đứng đầu các cơ quan, đơn vị"]


def slugify(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:90].strip("-")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---- stories -----------------------------------------------------------------------------------------------
@dataclass
class Story:
    number: int  # article number in the URL, unique per corpus
    portal: Portal
    path: str  # URL path, e.g. /qnnews/tin-tuc/slug-123.html
    kind: str  # meeting | news
    meeting_type: str | None
    title: str
    published: dt.datetime
    lead: str
    paragraphs: list[str]
    author: str
    photo_credit: str
    caption: str
    copy_of: int | None = None  # number of the story this one reports again in other words
    revised: bool = False
    revision: list[str] | None = None  # version 1 paragraphs when revised
    meeting_date: dt.date | None = None

    def version_paragraphs(self, version: int) -> list[str]:
        return self.revision if (version and self.revision is not None) else self.paragraphs

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


class _Writer:
    """Random but deterministic Vietnamese official-news prose."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def name(self) -> str:
        r = self.r
        return f"{r.choice(FAMILY)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"

    def pct(self, lo=1.0, hi=15.0) -> str:
        return f"{self.r.uniform(lo, hi):.2f}".replace(".", ",")

    def money(self) -> str:
        return f"{self.r.randint(120, 48000):,}".replace(",", ".")

    def topics(self, k: int) -> list[str]:
        return self.r.sample(TOPICS, k)

    def doc(self) -> str:
        return self.r.choice(DOCS).format(n=self.r.randint(3, 180))

    def figures_paragraph(self, period: str) -> str:
        r, s = self.r, []
        pool = [
            f"tốc độ tăng trưởng kinh tế (GRDP) ước đạt {self.pct(3, 12)}%",
            f"thu ngân sách nhà nước trên địa bàn đạt {self.money()} tỷ đồng, bằng {r.randint(55, 118)}% dự toán",
            f"tổng vốn đầu tư toàn xã hội đạt {self.money()} tỷ đồng",
            f"giải ngân vốn đầu tư công đạt {self.pct(30, 95)}% kế hoạch",
            f"tổng lượng khách du lịch đạt {self.pct(0.3, 15)} triệu lượt, tăng {r.randint(5, 60)}% so với cùng kỳ",
            f"kim ngạch xuất nhập khẩu đạt {r.randint(40, 2900)} triệu USD",
            f"có thêm {r.randint(2, 40)} xã đạt chuẩn nông thôn mới",
            f"tỷ lệ hộ nghèo giảm còn {self.pct(1, 30)}%",
            f"thu hút {r.randint(2, 45)} dự án đầu tư mới với tổng vốn đăng ký {self.money()} tỷ đồng",
            f"giá trị sản xuất công nghiệp tăng {self.pct(2, 20)}%",
            f"đã giải quyết việc làm cho {r.randint(800, 25000):,} lao động".replace(",", "."),
        ]
        picks = r.sample(pool, r.randint(3, 5))
        opener = r.choice([f"Theo báo cáo, {period}", f"Báo cáo tại {r.choice(['hội nghị', 'phiên họp', 'kỳ họp'])} cho biết, {period}",
                           f"{period[0].upper()}{period[1:]}", f"Cũng trong {period}, trên địa bàn tỉnh"])
        s.append(f"{opener}, {'; '.join(picks)}.")
        weak = r.choice([
            f"Tuy nhiên, công tác {r.choice(TOPICS)} còn chậm; một số chỉ tiêu về {r.choice(SECTORS)} khó đạt kế hoạch",
            f"Bên cạnh kết quả đạt được, việc {r.choice(TOPICS)} ở một số địa phương còn hạn chế",
            f"Một số dự án trọng điểm còn vướng mắc về {r.choice(['mặt bằng', 'nguồn vật liệu', 'thủ tục đầu tư', 'vốn'])}, ảnh hưởng đến tiến độ chung",
        ])
        s.append(weak + ".")
        return " ".join(s)

    def discussion_paragraph(self, venue: str) -> str:
        r = self.r
        t = self.topics(3)
        return r.choice([
            f"Tại {venue}, các đại biểu tập trung thảo luận, làm rõ nguyên nhân của những tồn tại, hạn chế; "
            f"đề xuất giải pháp đẩy mạnh {t[0]}, {t[1]} và {t[2]} trong thời gian tới.",
            f"Phát biểu tại {venue}, nhiều ý kiến kiến nghị tháo gỡ khó khăn trong {t[0]}; "
            f"đồng thời đề nghị tăng cường phối hợp giữa ngành {r.choice(SECTORS)} với các địa phương về {t[1]}.",
            f"Các ý kiến tại {venue} thống nhất đánh giá công tác {t[0]} có chuyển biến rõ nét, "
            f"song {t[1]} cần được chỉ đạo sát sao hơn, nhất là ở huyện {r.choice(sum(DISTRICTS.values(), []))}.",
            f"Thảo luận tại {venue}, đại diện lãnh đạo Sở {r.choice(SECTORS).capitalize()} và UBND huyện "
            f"{r.choice(sum(DISTRICTS.values(), []))} đã làm rõ thêm kết quả {t[0]}, nêu kiến nghị về {t[1]}.",
        ])

    def conclusion_paragraph(self, chair_ref: str, venue: str) -> str:
        r = self.r
        t = self.topics(3)
        return (f"Kết luận {venue}, {chair_ref} {r.choice(VERBS_DEMAND)} {r.choice(UNITS)} {r.choice(ADVERBS)} "
                f"triển khai các nhiệm vụ, giải pháp về {t[0]}; tập trung {t[1]}; "
                f"chủ động rà soát, tháo gỡ vướng mắc về {t[2]}, phấn đấu hoàn thành cao nhất các chỉ tiêu "
                f"{r.choice(['năm', 'cả năm', 'của nhiệm kỳ', 'đã đề ra'])}.")

    def task_paragraph(self) -> str:
        r = self.r
        t = self.topics(2)
        return r.choice([
            f"Cùng với đó, thực hiện nghiêm {self.doc()} về {t[0]}; kịp thời biểu dương tập thể, cá nhân làm tốt, "
            f"xử lý nghiêm trường hợp né tránh, đùn đẩy trách nhiệm trong {t[1]}.",
            f"Các cơ quan chuyên môn được giao hoàn thiện hồ sơ trình HĐND tỉnh về {t[0]}, "
            f"bảo đảm chất lượng và đúng thời hạn; chuẩn bị kỹ phương án {t[1]}.",
            f"Đối với {t[0]}, {r.choice(UNITS)} cần phân công lãnh đạo trực tiếp theo dõi từng việc, "
            f"báo cáo tiến độ hằng tuần; gắn trách nhiệm người đứng đầu với kết quả {t[1]}.",
        ])

    def _pick(self, *variants: str) -> str:
        return self.r.choice(variants)

    def local_paragraph(self, district: str) -> str:
        """A paragraph of local follow-up, assembled from independent parts (keeps two stories dissimilar)."""
        r = self.r
        t = self.topics(2)
        who = r.choice([f"Ông {self.name()}, Chủ tịch UBND huyện {district}", f"Bà {self.name()}, Phó Chủ tịch UBND huyện {district}",
                        f"Lãnh đạo Phòng {r.choice(SECTORS).capitalize()} huyện {district}", f"Bí thư Đảng ủy xã {r.choice(GIVEN)} {r.choice(['Thượng', 'Hạ', 'Trung', 'Mới', 'Sơn'])}",
                        f"Trưởng thôn {r.choice(GIVEN)} {r.choice(['Thượng', 'Hạ', 'Trung', 'Mới'])} {self.name()}"])
        verb = r.choice(["cho biết", "chia sẻ", "nhấn mạnh", "thông tin"])
        plan = r.choice([f"thời gian tới địa phương sẽ ưu tiên {t[0]}, đồng thời {r.choice(['lồng ghép', 'kết hợp', 'gắn'])} với {t[1]}",
                         f"năm nay huyện dành {r.randint(2, 90)} tỷ đồng cho {t[0]} và {r.randint(1, 40)} tỷ đồng cho {t[1]}",
                         f"khó khăn lớn nhất hiện nay là {r.choice(['thiếu vốn', 'thiếu nhân lực', 'địa hình chia cắt', 'thời tiết bất thường'])}, "
                         f"nên cần sự hỗ trợ của tỉnh về {t[0]}",
                         f"kết quả {t[0]} đạt {self.pct(40, 99)}% kế hoạch, {r.choice(['cao hơn', 'thấp hơn', 'tương đương'])} cùng kỳ năm trước"])
        tail = r.choice(["", f" Người dân {r.choice(['rất phấn khởi', 'đồng tình ủng hộ', 'mong muốn được hỗ trợ thêm'])} "
                         f"vì {r.choice(['đời sống được cải thiện', 'đường sá thuận tiện hơn', 'có thêm việc làm', 'thu nhập tăng'])}."])
        return f"{who} {verb}, {plan}.{tail}"

    def news_paragraphs(self, district: str, theme: str) -> tuple[str, list[str]]:
        r, pk = self.r, self._pick
        n1, n2 = r.randint(12, 2400), r.randint(3, 95)
        if theme == "agri":
            crop = r.choice(["lúa xuân", "lúa mùa", "ngô đông", "chè", "cam sành", "hồi", "quế", "thạch đen", "khoai tây"])
            lead = pk(f"Những ngày này, nông dân huyện {district} đang tập trung thu hoạch {crop} trên diện tích hơn {n1} ha.",
                      f"Huyện {district} bước vào vụ thu hoạch {crop} với tổng diện tích khoảng {n1} ha.",
                      f"Trên những cánh đồng ở {district}, bà con đang khẩn trương thu hoạch {crop}, diện tích toàn huyện trên {n1} ha.")
            body = [pk(f"Năng suất {crop} năm nay ước đạt {n2} tạ/ha, tăng {r.randint(1, 9)} tạ so với cùng kỳ nhờ thời tiết thuận lợi và giống mới.",
                       f"Theo ước tính, sản lượng đạt khoảng {n1 * n2 // 10} tấn; nhiều diện tích áp dụng cơ giới hóa khâu thu hoạch.",
                       f"Một số xã có năng suất cao nhờ chuyển sang giống {crop} mới chịu hạn, ít sâu bệnh."),
                    pk(f"Giá bán tại ruộng dao động từ {r.randint(6, 60)}.000 đến {r.randint(61, 90)}.000 đồng/kg, nhiều hộ có thu nhập khá.",
                       f"Thương lái thu mua tận nơi với giá {r.randint(6, 60)}.000 đồng/kg, bà con không phải lo đầu ra.",
                       f"Hợp tác xã liên kết bao tiêu {r.randint(20, 90)}% sản lượng, giá ổn định hơn mọi năm."),
                    pk("Ngành nông nghiệp khuyến cáo bà con thu hoạch nhanh gọn, làm đất kịp thời vụ cho cây trồng vụ sau.",
                       "Cán bộ khuyến nông hướng dẫn bà con xử lý rơm rạ, phụ phẩm đúng cách, không đốt đồng.",
                       f"Huyện đặt mục tiêu mở rộng vùng sản xuất {crop} theo tiêu chuẩn VietGAP thêm {r.randint(10, 300)} ha.")]
        elif theme == "tour":
            lead = pk(f"Dịp nghỉ lễ vừa qua, các điểm du lịch ở {district} đón khoảng {n1:,} lượt khách, doanh thu ước đạt {n2} tỷ đồng.".replace(",", "."),
                      f"Lượng du khách đến {district} trong kỳ nghỉ tăng mạnh, ước {n1:,} lượt, mang về {n2} tỷ đồng.".replace(",", "."),
                      f"Trong {r.randint(3, 5)} ngày nghỉ, {district} thu hút {n1:,} lượt khách tham quan, trải nghiệm.".replace(",", "."))
            body = [pk("Nhiều homestay, nhà nghỉ kín phòng từ trước kỳ nghỉ; các tour trải nghiệm văn hóa, ẩm thực bản địa thu hút du khách trẻ.",
                       f"Các điểm check-in mới như {r.choice(['đồi chè', 'thác nước', 'ruộng bậc thang', 'bãi biển', 'làng cổ'])} {r.choice(GIVEN)} trở nên quá tải vào buổi chiều.",
                       f"Khách quốc tế chiếm khoảng {r.randint(3, 30)}%, chủ yếu đến từ châu Âu và Hàn Quốc."),
                    pk("Lực lượng chức năng tăng cường kiểm tra giá dịch vụ, vệ sinh an toàn thực phẩm.",
                       f"Huyện bố trí {r.randint(10, 80)} tình nguyện viên hướng dẫn, hỗ trợ du khách tại các điểm đông người.",
                       "Công an huyện phân luồng giao thông, không để xảy ra ùn tắc kéo dài."),
                    pk(f"Địa phương đang hoàn thiện hạ tầng bãi đỗ xe, nhà vệ sinh công cộng tại {r.randint(2, 9)} điểm du lịch cộng đồng.",
                       f"Huyện dự kiến tổ chức thêm {r.randint(2, 6)} lễ hội, giải thể thao để kéo dài mùa du lịch.",
                       "Các hộ làm du lịch được tập huấn kỹ năng đón tiếp, quảng bá sản phẩm trên mạng xã hội.")]
        elif theme == "traffic":
            road = r.choice(["Quốc lộ 18", "Quốc lộ 4A", "Quốc lộ 10", "Quốc lộ 2", "Quốc lộ 34", "đường tỉnh 176", "đường tỉnh 217"])
            lead = pk(f"Từ ngày {r.randint(1, 28)}/{r.randint(1, 12)}, cơ quan chức năng tổ chức phân luồng giao thông trên {road} đoạn qua {district} để phục vụ thi công.",
                      f"Để thi công cầu mới trên {road} qua {district}, các phương tiện sẽ phải đi đường vòng trong {r.randint(2, 9)} tháng.",
                      f"Dự án nâng cấp {road} đoạn qua huyện {district} đã khởi công, kéo theo việc điều chỉnh luồng xe.")
            body = [pk(f"Các phương tiện có tải trọng trên {r.randint(10, 30)} tấn đi theo tuyến tránh dài khoảng {r.randint(3, 25)} km.",
                       f"Xe khách tuyến cố định được bố trí điểm đón trả tạm tại km {r.randint(1, 200)}.",
                       "Xe máy và ô tô con vẫn được lưu thông một làn, tốc độ tối đa 30 km/h."),
                    pk("Đơn vị thi công bố trí biển báo, đèn tín hiệu và người hướng dẫn 24/24 giờ.",
                       f"Tổng mức đầu tư dự án khoảng {self.money()} tỷ đồng từ nguồn vốn ngân sách trung ương.",
                       f"Đến nay, công tác giải phóng mặt bằng đạt {self.pct(50, 99)}%, còn {r.randint(2, 40)} hộ chưa bàn giao."),
                    pk("Người tham gia giao thông được khuyến cáo chấp hành hướng dẫn, giảm tốc độ khi qua khu vực công trường.",
                       "Thanh tra giao thông sẽ xử lý nghiêm xe quá tải cố tình đi vào đoạn đang thi công.",
                       f"Dự kiến công trình hoàn thành trong quý {r.choice(['I', 'II', 'III', 'IV'])} năm sau.")]
        elif theme == "culture":
            lead = pk(f"Tối {r.randint(1, 28)}/{r.randint(1, 12)}, huyện {district} tổ chức khai mạc Ngày hội văn hóa, thể thao các dân tộc lần thứ {r.randint(2, 15)}.",
                      f"Ngày hội văn hóa các dân tộc huyện {district} năm nay có chủ đề về bảo tồn di sản.",
                      f"Hàng nghìn người dân, du khách dự lễ khai mạc lễ hội truyền thống tại {district}.")
            body = [pk(f"Ngày hội thu hút gần {n1} vận động viên, nghệ nhân đến từ {n2 % 20 + 5} xã, thị trấn.",
                       f"Có {n2 % 20 + 5} đội văn nghệ tham gia với hơn {n1} diễn viên quần chúng.",
                       f"Ban tổ chức trao {r.randint(10, 60)} giải cho các tập thể và cá nhân xuất sắc."),
                    pk(f"Trong {r.randint(2, 4)} ngày diễn ra, có các hoạt động thi hát dân ca, trình diễn trang phục truyền thống, kéo co, đẩy gậy.",
                       "Các gian hàng trưng bày sản vật, đồ thủ công mỹ nghệ thu hút đông người xem.",
                       "Phần hội có thi gói bánh, giã bánh dày, ném còn và đánh quay."),
                    pk("Đây là dịp bảo tồn, phát huy giá trị văn hóa truyền thống, quảng bá hình ảnh quê hương tới du khách.",
                       f"Huyện đang lập hồ sơ đề nghị công nhận {r.choice(['lễ hội', 'nghề dệt', 'hát then', 'múa khèn'])} là di sản văn hóa phi vật thể.",
                       "Nhiều nghệ nhân lớn tuổi tham gia truyền dạy cho thế hệ trẻ.")]
        elif theme == "edu":
            lead = pk(f"Năm học này, ngành giáo dục huyện {district} có {n1} học sinh đạt giải trong các kỳ thi học sinh giỏi cấp tỉnh.",
                      f"Chất lượng giáo dục ở {district} có bước tiến rõ rệt với {n1} giải học sinh giỏi các cấp.",
                      f"Huyện {district} vừa tổng kết năm học, khen thưởng {n1} học sinh tiêu biểu.")
            body = [pk(f"Toàn huyện có {n2} trường đạt chuẩn quốc gia, tỷ lệ học sinh tốt nghiệp trung học cơ sở đạt {self.pct(90, 99.9)}%.",
                       f"Tỷ lệ huy động trẻ 5 tuổi ra lớp đạt {self.pct(95, 100)}%, không có học sinh bỏ học giữa chừng.",
                       f"Huyện có {r.randint(2, 30)} giáo viên đạt danh hiệu giáo viên dạy giỏi cấp tỉnh."),
                    pk("Một số trường ở vùng sâu vẫn thiếu phòng học bộ môn, giáo viên tin học và tiếng Anh.",
                       f"Cơ sở vật chất tại {r.randint(2, 15)} điểm trường lẻ đã xuống cấp, cần sửa chữa.",
                       "Việc dạy học trực tuyến gặp khó do nhiều thôn chưa có sóng điện thoại ổn định."),
                    pk("Huyện đang đề xuất bổ sung biên chế và nguồn vốn sửa chữa cơ sở vật chất trước năm học mới.",
                       f"Năm học tới, ngành đặt mục tiêu có thêm {r.randint(1, 6)} trường đạt chuẩn quốc gia.",
                       "Các nhà trường tăng cường giáo dục kỹ năng sống, phòng chống đuối nước cho học sinh.")]
        else:
            lead = pk(f"Trung tâm Y tế huyện {district} vừa tổ chức khám sàng lọc, cấp thuốc miễn phí cho {n1} người cao tuổi và trẻ em.",
                      f"Đoàn y, bác sĩ tuyến tỉnh về {district} khám bệnh, tư vấn sức khỏe cho {n1} người dân.",
                      f"Ngành y tế {district} triển khai đợt tiêm chủng bổ sung cho hơn {n1} trẻ em.")
            body = [pk(f"Qua khám, phát hiện {n2} trường hợp mắc bệnh mạn tính, được tư vấn điều trị tại tuyến trên.",
                       f"Có {n2} ca được chuyển lên bệnh viện tỉnh để điều trị chuyên sâu.",
                       f"Các bệnh thường gặp là tăng huyết áp, tiểu đường và bệnh về xương khớp, chiếm {r.randint(20, 70)}%."),
                    pk(f"Chương trình tiêm chủng mở rộng đạt {self.pct(85, 99)}% kế hoạch, không để xảy ra dịch bệnh lớn.",
                       f"Trạm y tế các xã được bổ sung {r.randint(5, 60)} danh mục thuốc thiết yếu.",
                       "Công tác khám chữa bệnh bảo hiểm y tế tại tuyến xã được cải thiện."),
                    pk("Ngành y tế tiếp tục tăng cường truyền thông phòng, chống sốt xuất huyết trong mùa mưa.",
                       "Người dân được hướng dẫn vệ sinh môi trường, diệt bọ gậy, phòng bệnh tay chân miệng.",
                       f"Huyện kêu gọi các nhà hảo tâm hỗ trợ {r.randint(1, 5)} xe cứu thương cho vùng cao.")]
        r.shuffle(body)
        extra = [self.local_paragraph(district) for _ in range(r.randint(2, 3))]
        return lead, body + extra


MEETING_TYPES = ["peoples_council_session", "provincial_party_executive_conference", "standing_secretariat_briefing",
                 "peoples_committee_meeting", "provincial_party_standing_committee", "review_conference"]
NEWS_THEMES = ["agri", "tour", "traffic", "culture", "edu", "health"]
PART = ["Sáng", "Chiều", "Ngày"]


class Corpus:
    """`pages` distinct article stories over the portals; `revision_rate` of them change in phase 1;
    `near_copy_rate` of the meeting reports get a near copy on another portal."""

    def __init__(self, seed: int = 7, pages: int = 300, *, revision_rate: float = 0.1, near_copy_rate: float = 0.15,
                 meeting_share: float = 0.6, portals: list[Portal] | None = None, start: dt.date = dt.date(2021, 1, 4)) -> None:
        self.seed = seed
        self.portals = portals or PORTALS
        self.r = random.Random(seed)
        self.w = _Writer(self.r)
        self.start = start
        self._used: set[tuple] = set()
        self.leaders = {p: [self.w.name() for _ in range(4)] for p in sorted({x.province for x in self.portals})}
        # A portal has a handful of reporters and photographers, so bylines and credits repeat across its pages
        # (as on real portals, where a learned-boilerplate memory sees the same short lines again and again).
        self.reporters = {p.id: [self.w.name().split(" ", 1)[1] for _ in range(5)] for p in self.portals}
        self.photographers = {p.id: [self.w.name().split(" ", 1)[1] for _ in range(3)] for p in self.portals}
        self.stories: list[Story] = []
        self.by_path: dict[str, Story] = {}
        number = 1000 + seed % 1000 * 7
        while len(self.stories) < pages:
            number += self.r.randint(1, 9)
            portal = self.r.choice(self.portals)
            if self.r.random() < meeting_share:
                story = self._meeting(number, portal)
                if story is None:
                    continue
                self._add(story)
                if len(self.stories) < pages and self.r.random() < near_copy_rate:
                    number += self.r.randint(1, 9)
                    copy = self._near_copy(number, story)
                    if copy is not None:
                        self._add(copy)
            else:
                self._add(self._news(number, portal))
        for story in self.stories:
            if self.r.random() < revision_rate:
                self._revise(story)

    # -- building ----------------------------------------------------------------------------------------
    def _add(self, story: Story) -> None:
        self.stories.append(story)
        self.by_path[story.path] = story

    def _date(self, key: tuple, spread_days: int = 1800) -> dt.date | None:
        for _ in range(50):
            day = self.start + dt.timedelta(days=self.r.randrange(spread_days))
            if (key, day) not in self._used:
                self._used.add((key, day))
                return day
        return None

    def _published(self, day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, self.r.randint(9, 21), self.r.randint(0, 59),
                           self.r.randint(0, 59), tzinfo=ICT)

    def _meeting(self, number: int, portal: Portal) -> Story | None:
        r, w = self.r, self.w
        mtype = r.choice(MEETING_TYPES)
        national = mtype == "standing_secretariat_briefing"
        day = self._date(("national",) if national else (portal.province, mtype))
        if day is None:
            return None
        prov = portal.province
        when = f"{r.choice(PART)} {day.day}/{day.month}"
        secretary, chairman, council, deputy = self.leaders[prov]
        term_party, term_council = r.choice(["XV", "XVI", "XVII", "XIX", "XX"]), r.choice(["XVI", "XVII", "XVIII"])
        ordinal = r.randint(3, 28)
        period = r.choice(["6 tháng đầu năm", "9 tháng năm", "quý I năm", "năm", f"tháng {day.month} năm"]) + f" {day.year}"
        if mtype == "peoples_council_session":
            kind = r.choice(["thường lệ", "chuyên đề", "giữa năm", "cuối năm"])
            title = r.choice([f"Khai mạc Kỳ họp thứ {ordinal} HĐND tỉnh khóa {term_council}",
                              f"Bế mạc Kỳ họp thứ {ordinal} HĐND tỉnh khóa {term_council}",
                              f"HĐND tỉnh {prov} tổ chức kỳ họp thứ {ordinal} ({kind})"])
            chair = f"đồng chí {council}, Phó Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh"
            lead = (f"{when}, HĐND tỉnh {prov} khóa {term_council}, nhiệm kỳ 2021 - 2026 tổ chức Kỳ họp thứ {ordinal} "
                    f"(kỳ họp {kind}) để xem xét, quyết định nhiều nội dung quan trọng. {chair[0].upper()}{chair[1:]} chủ trì kỳ họp.")
            venue, chair_ref, category = "kỳ họp", f"Chủ tịch HĐND tỉnh {council}", "hoat-dong-cua-hdnd"
        elif mtype == "provincial_party_executive_conference":
            title = f"Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ {ordinal}, khóa {term_party}"
            chair = f"đồng chí {secretary}, Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy"
            lead = (f"{when}, Ban Chấp hành Đảng bộ tỉnh {prov} tổ chức Hội nghị lần thứ {ordinal}, khóa {term_party}, "
                    f"nhiệm kỳ 2020 - 2025 để đánh giá kết quả lãnh đạo, chỉ đạo {period}. {chair[0].upper()}{chair[1:]} chủ trì hội nghị.")
            venue, chair_ref, category = "hội nghị", f"Bí thư Tỉnh ủy {secretary}", "thoi-su"
        elif mtype == "standing_secretariat_briefing":
            leader, leader_title = r.choice(NATIONAL_LEADERS)
            title = r.choice(["Thường trực Ban Bí thư giao ban trực tuyến với các đồng chí Bí thư Tỉnh ủy, Thành ủy",
                              f"Giao ban công tác {period} của Thường trực Ban Bí thư với Bí thư các tỉnh ủy, thành ủy"])
            lead = (f"{when}, đồng chí {leader}, {leader_title} chủ trì hội nghị trực tuyến giao ban công tác {period} "
                    f"của Thường trực Ban Bí thư với các đồng chí Bí thư Tỉnh ủy, Thành ủy trực thuộc Trung ương. "
                    f"Dự tại điểm cầu tỉnh {prov} có đồng chí {secretary}, Bí thư Tỉnh ủy.")
            venue, chair_ref, category = "hội nghị", f"đồng chí {leader}", "thoi-su"
        elif mtype == "peoples_committee_meeting":
            title = f"UBND tỉnh họp phiên thường kỳ tháng {day.month} năm {day.year}"
            lead = (f"{when}, đồng chí {chairman}, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh chủ trì phiên họp thường kỳ "
                    f"tháng {day.month} của UBND tỉnh {prov}. Cùng dự có các đồng chí Phó Chủ tịch UBND tỉnh; lãnh đạo các sở, ngành.")
            venue, chair_ref, category = "phiên họp", f"Chủ tịch UBND tỉnh {chairman}", "chinh-quyen"
        elif mtype == "provincial_party_standing_committee":
            subject = r.choice(TOPICS)
            title = f"Ban Thường vụ Tỉnh ủy cho ý kiến về {subject}"
            lead = (f"{when}, Ban Thường vụ Tỉnh ủy {prov} họp cho ý kiến vào đề án {subject} và một số nội dung quan trọng khác. "
                    f"Đồng chí {secretary}, Bí thư Tỉnh ủy chủ trì hội nghị.")
            venue, chair_ref, category = "hội nghị", f"Bí thư Tỉnh ủy {secretary}", "thoi-su"
        else:
            sector = r.choice(SECTORS)
            title = f"Ngành {sector} tổng kết công tác năm {day.year - 1}, triển khai nhiệm vụ năm {day.year}"
            lead = (f"{when}, Sở {sector.capitalize()} tỉnh {prov} tổ chức hội nghị tổng kết công tác năm {day.year - 1}, "
                    f"triển khai nhiệm vụ năm {day.year}. Đồng chí {deputy}, Phó Chủ tịch UBND tỉnh dự và chỉ đạo hội nghị.")
            venue, chair_ref, category = "hội nghị", f"Phó Chủ tịch UBND tỉnh {deputy}", "xa-hoi"
        paragraphs = [w.figures_paragraph(period), w.discussion_paragraph(venue)]
        if r.random() < 0.7:
            paragraphs.append(w.discussion_paragraph(venue))
        paragraphs.append(w.conclusion_paragraph(chair_ref, venue))
        if r.random() < 0.6:
            paragraphs.append(w.task_paragraph())
        path = portal.article_path(category, slugify(title), number)
        return Story(number, portal, path, "meeting", mtype, title, self._published(day), lead, paragraphs,
                     r.choice(self.reporters[portal.id]), r.choice(self.photographers[portal.id]),
                     f"Quang cảnh {venue}.", meeting_date=day)

    def _near_copy(self, number: int, original: Story) -> Story | None:
        r = self.r
        if original.meeting_type == "standing_secretariat_briefing":
            candidates = [p for p in self.portals if p.id != original.portal.id]
        else:
            candidates = [p for p in self.portals if p.province == original.portal.province and p.id != original.portal.id]
        if not candidates:
            return None
        portal = r.choice(candidates)
        lead = original.lead
        if original.meeting_type == "standing_secretariat_briefing":
            lead = lead.replace(f"điểm cầu tỉnh {original.portal.province}", f"điểm cầu tỉnh {portal.province}")
            lead = lead.replace(self.leaders[original.portal.province][0], self.leaders[portal.province][0])
        for a, b in (("tổ chức", "đã tổ chức"), ("để xem xét", "nhằm xem xét"), ("chủ trì", "chủ trì và điều hành"),
                     ("Cùng dự có", "Tham dự có"), ("để đánh giá", "nhằm đánh giá"), ("Dự tại", "Tham dự tại")):
            lead = lead.replace(a, b, 1)
        paragraphs = list(original.paragraphs)
        paragraphs.append(r.choice([
            f"Hội nghị được kết nối trực tuyến tới các huyện, thành phố trong tỉnh {portal.province}.",
            f"Ngay sau hội nghị, các địa phương trong tỉnh {portal.province} đã triển khai kế hoạch thực hiện.",
        ]))
        title = original.title.replace("tổ chức", "tiến hành") if "tổ chức" in original.title else original.title + " (tin tổng hợp)"
        category = original.path.rsplit("/", 2)[-2] if portal.cms in ("nukeviet", "tv") else ""
        path = portal.article_path(category or "thoi-su", slugify(title), number)
        published = original.published + dt.timedelta(minutes=r.randint(20, 600))
        return Story(number, portal, path, "meeting", original.meeting_type, title, published, lead, paragraphs,
                     r.choice(self.reporters[portal.id]), r.choice(self.photographers[portal.id]), original.caption,
                     copy_of=original.number, meeting_date=original.meeting_date)

    def _news(self, number: int, portal: Portal) -> Story:
        r = self.r
        theme = r.choice(NEWS_THEMES)
        district = r.choice(DISTRICTS[portal.province])
        lead, body = self.w.news_paragraphs(district, theme)
        day = self.start + dt.timedelta(days=r.randrange(1800))
        title = f"{district}: " + " ".join(lead.split(" ")[2:13]).rstrip(",.")
        category = {"agri": "kinh-te", "tour": "du-lich", "traffic": "giao-thong", "culture": "van-hoa",
                    "edu": "giao-duc", "health": "y-te"}[theme]
        path = portal.article_path(category, slugify(title), number)
        return Story(number, portal, path, "news", None, title, self._published(day), lead, body,
                     r.choice(self.reporters[portal.id]), r.choice(self.photographers[portal.id]),
                     f"Toàn cảnh tại {district}.")

    def _revise(self, story: Story) -> None:
        paragraphs = list(story.paragraphs)
        i = self.r.randrange(len(paragraphs))
        if story.kind == "meeting":
            paragraphs[i] = self.w.task_paragraph() if i % 2 else self.w.discussion_paragraph("hội nghị")
        else:
            paragraphs[i] = (f"Cập nhật: theo số liệu mới nhất của UBND huyện, kết quả đạt {self.w.pct(60, 99)}% kế hoạch, "
                             f"cao hơn {self.r.randint(2, 30)} điểm phần trăm so với báo cáo trước.")
        story.revised = True
        story.revision = paragraphs

    # -- API -----------------------------------------------------------------------------------------------
    def phase(self, n: int) -> list[tuple[Story, int]]:
        """Phase 0: every story's first version. Phase n >= 1: a re-crawl; revised stories in version 1."""
        return [(s, 1 if (n >= 1 and s.revised) else 0) for s in self.stories]

    def counters(self, story: Story, visit: int) -> dict:
        h = int.from_bytes(hashlib.blake2b(f"{self.seed}:{story.path}:{visit}".encode(), digest_size=8).digest(), "big")
        seen = dt.datetime(2024, 11, 25, 21, 13, tzinfo=ICT) + dt.timedelta(days=visit, minutes=visit * 7 + h % 50)
        return {"views": 500 + visit * 37 + h % 9000, "online": 5 + h % 60, "today": 1200 + h % 9000,
                "month": 90_000 + h % 90_000, "total": 7_200_000 + visit * 101 + h % 50_000, "seen": seen,
                "bots": h % 9, "guests": 3 + h % 40}

    def render(self, story: Story, version: int = 0, visit: int = 0) -> bytes:
        return _RENDER[story.portal.cms](story, story.version_paragraphs(version), self.counters(story, visit),
                                         self._related(story)).encode("utf-8")

    def _related(self, story: Story) -> list[Story]:
        if not hasattr(self, "_by_portal"):
            self._by_portal: dict[str, list[Story]] = {}
            for s in self.stories:
                self._by_portal.setdefault(s.portal.id, []).append(s)
        same = self._by_portal.get(story.portal.id, [])
        rnd = random.Random(f"{self.seed}:{story.number}")
        return [s for s in rnd.sample(same, min(5, len(same))) if s is not story][:4]

    def raw_page(self, story: Story, version: int, visit: int, base_url: str):
        """A schemas.RawPage built the way crawlers.pipelines.kafka_publish.to_raw_page builds one."""
        from crawlers.items import PageItem
        from crawlers.pipelines.kafka_publish import to_raw_page

        body = self.render(story, version, visit)
        url = story.url(base_url)
        item = PageItem(url=url, final_url=url, portal_id=story.portal.id, province=story.portal.province,
                        http_status=200, body=body, content_type="text/html; charset=utf-8",
                        headers={"content-type": "text/html; charset=utf-8"})
        return to_raw_page(item, max_message_bytes=900_000)

    def registry_yaml(self, base_url: str) -> str:
        lines = ["portals:"]
        for p in self.portals:
            base = base_url.rstrip("/")
            lines += [f"  - id: {p.id}", f'    name: "{p.name}"', f'    province: "{p.province}"', f"    cms: {p.cms}",
                      f'    start_urls: ["{base}/{p.id}/index.html"]',
                      f"    article_patterns: ['{p.article_pattern(base)}']",
                      f'    allow: ["{base}/{p.id}/"]', "    max_listing_pages: 100000"]
        return "\n".join(lines) + "\n"

    def listing(self, portal_id: str, page: int, per_page: int = 40) -> tuple[str, int] | None:
        stories = [s for s in self.stories if s.portal.id == portal_id]
        pages = max(1, -(-len(stories) // per_page))
        if page < 1 or page > pages:
            return None
        chunk = stories[(page - 1) * per_page: page * per_page]
        portal = next(p for p in self.portals if p.id == portal_id)
        return _listing_html(portal, chunk, page, pages), pages


# ---- rendering in the demo site's CMS styles ---------------------------------------------------------------
def _body_html(paragraphs: list[str], story: Story, style: str) -> str:
    out = []
    for i, p in enumerate(paragraphs):
        out.append(f'<p style="text-align:justify">{_esc(p)}</p>' if style == "liferay" else f"<p>{_esc(p)}</p>")
        if i == 1:
            img = f"/{story.portal.id}/uploads/news/{story.published:%Y_%m}/{story.path.rsplit('/', 1)[1][:40]}-1.jpg"
            if style in ("liferay", "nukeviet"):
                out.append('<table class="image" align="center" border="0" cellpadding="0" cellspacing="0" style="width:100%">'
                           f'<tbody><tr><td><img alt="{_esc(story.caption)}" src="{img}" style="width:100%"></td></tr>'
                           f'<tr><td class="image_caption" style="text-align:center"><em>{_esc(story.caption)}</em></td></tr></tbody></table>')
            else:
                out.append(f'<figure class="image"><img src="{img}" alt="{_esc(story.caption)}" width="800" height="534">'
                           f"<figcaption><em>{_esc(story.caption)}</em></figcaption></figure>")
    return "\n".join(out)


def _related_html(related: list[Story], cls: str) -> str:
    return "\n".join(f'<li><a href="/{s.portal.id}/index.html">{_esc(s.title)}</a> <span class="{cls}">({s.published:%d/%m/%Y})</span></li>'
                     for s in related)


def _menu(portal: Portal, items: list[str]) -> str:
    return "\n".join(f'<li><a href="/{portal.id}/index.html">{i}</a></li>' for i in items)


def _newspaper(story: Story, paragraphs: list[str], c: dict, related: list[Story]) -> str:
    p = story.portal
    seen = c["seen"]
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(story.title)} - {p.name}</title>
<meta name="description" content="{_esc(story.lead[:160])}">
<link rel="canonical" href="{story.path}">
<meta property="og:type" content="article">
<meta property="og:title" content="{_esc(story.title)}">
<meta property="og:site_name" content="{p.name}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<link rel="stylesheet" href="/{p.id}/static/css/style.css?v=20230712">
</head>
<body class="page-detail">
<div class="top-bar"><div class="container clearfix">
 <div class="all-cat"><a href="javascript:void(0)" id="btn-allcat"><i class="icon-bars"></i> Tất cả chuyên mục</a></div>
 <div class="today">{WEEKDAYS[seen.weekday()]}, {seen:%d/%m/%Y %H:%M} (GMT +7)</div>
 <form class="search-box" action="/{p.id}/tim-kiem/" method="get"><input type="text" name="q" placeholder="Nhập từ khóa..."><button type="submit">Tìm</button></form>
</div></div>
<header class="header"><div class="container clearfix">
 <a class="logo" href="/{p.id}/index.html"><img src="/{p.id}/static/images/logo.png" alt="{p.name}"></a>
 <div class="hotline">Đường dây nóng: {p.phone}</div>
</div></header>
<nav class="main-nav"><div class="container"><ul class="menu">
<li class="home"><a href="/{p.id}/index.html"><i class="icon-home"></i></a></li>
{_menu(p, ["Thời sự", "Chính trị", "Kinh tế", "Xã hội", "Văn hóa", "Du lịch", "Thể thao", "Bạn đọc"])}
</ul></div></nav>
<div class="container main-content clearfix"><div class="col-main">
<div class="breadcrumb"><a href="/{p.id}/index.html">Trang chủ</a> <span>›</span> <a href="/{p.id}/index.html">Thời sự</a></div>
<article class="detail" id="detail-{story.number}">
 <h1 class="detail-title">{_esc(story.title)}</h1>
 <div class="detail-meta clearfix">
  <span class="date">{WEEKDAYS_SHORT[story.published.weekday()]}, {story.published:%d/%m/%Y | %H:%M:%S} [GMT +7]</span>
  <span class="font-size"><a href="javascript:void(0)" class="fs-minus" title="Giảm cỡ chữ">A</a> <a href="javascript:void(0)" class="fs-plus" title="Tăng cỡ chữ">A</a></span>
  <span class="print"><a href="javascript:window.print()" title="In bài">In bài</a></span>
 </div>
 <p class="lead"><strong>{_esc(story.lead)}</strong></p>
 <div class="detail-content" id="content-detail">
{_body_html(paragraphs, story, "newspaper")}
<p style="text-align:right"><strong>{_esc(story.author)}</strong></p>
<p style="text-align:right"><em>Ảnh: {_esc(story.photo_credit)}</em></p>
<p><em>Mời bạn đọc theo dõi tin tức mới nhất của {p.name} trên ứng dụng Zalo và kênh YouTube.</em></p>
 </div>
 <div class="detail-share"><a class="fb" href="#" target="_blank">Facebook</a> <a class="zalo" href="#" target="_blank">Zalo</a></div>
 <div class="detail-comment"><h3 class="title-comment">Ý kiến ()</h3>
  <form class="comment-form" action="/{p.id}/binh-luan/" method="post"><textarea name="content" placeholder="Mời bạn để lại ý kiến..."></textarea><button type="submit">Gửi ý kiến</button></form></div>
 <div class="related-news"><h3 class="title-box">Tin liên quan</h3><ul>
{_related_html(related, "time")}
 </ul></div>
</article>
</div>
<aside class="col-side"><div class="box most-read"><h3 class="title-box">Đọc nhiều nhất</h3><ul>
{_related_html(related[:3], "time")}
</ul></div></aside>
</div>
<footer class="footer"><div class="container"><div class="footer-info">
<p>Cơ quan chủ quản: Tỉnh ủy {p.province}</p>
<p>Giấy phép số 33/GP-BTTTT do Bộ Thông tin và Truyền thông cấp ngày 29/01/2021</p>
<p>Địa chỉ: {p.city}, tỉnh {p.province}</p>
<p>Điện thoại: {p.phone} - Email: toasoan@{p.id}.vn</p>
<p>Ghi rõ nguồn “{p.name}” khi phát hành lại thông tin từ website này.</p>
</div></div></footer>
<script src="/{p.id}/static/js/main.js?v=20230712"></script>
</body>
</html>"""


def _liferay(story: Story, paragraphs: list[str], c: dict, related: list[Story]) -> str:
    p = story.portal
    seen = c["seen"]
    return f"""<!DOCTYPE html>
<html class="ltr" dir="ltr" lang="vi-VN">
<head>
<title>{_esc(story.title)} - Tin hoạt động - {p.name}</title>
<meta content="initial-scale=1.0, width=device-width" name="viewport">
<meta content="text/html; charset=UTF-8" http-equiv="content-type">
<link href="{story.path}" rel="canonical">
<meta property="og:type" content="article">
<meta property="og:title" content="{_esc(story.title)}">
<meta property="og:site_name" content="{p.name.upper()}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<link class="lfr-css-file" href="/{p.id}/o/classic-theme/css/main.css?browserId=other&amp;languageId=vi_VN" rel="stylesheet" type="text/css">
<script>var themeDisplay = Liferay.ThemeDisplay = {{getLanguageId: function(){{return "vi_VN";}}}};</script>
</head>
<body class="controls-visible signed-out public-page site">
<a href="#main-content" id="skip-to-content">Chuyển đến nội dung chính</a>
<div class="container-fluid" id="wrapper">
<header id="banner" role="banner">
 <div class="top-bar"><span class="date-time">{WEEKDAYS[seen.weekday()]}, {seen:%d/%m/%Y}</span>
 <ul class="top-links"><li><a href="/{p.id}/index.html">Sơ đồ cổng</a></li><li><a href="/{p.id}/index.html">English</a></li><li><a href="/{p.id}/index.html">Đăng nhập</a></li></ul></div>
 <div id="heading"><a class="logo default-logo" href="/{p.id}/index.html" title="{p.name.upper()}"><img alt="{p.name.upper()}" src="/{p.id}/image/layout_set_logo?img_id=35512" height="90"></a>
 <div class="site-title"><span class="site-name">{p.name.upper()}</span></div></div>
 <nav class="sort-pages modify-pages" id="navigation" role="navigation"><ul aria-label="Trang Web" role="menubar">
{_menu(p, ["Trang chủ", "Giới thiệu", "Tin tức - Sự kiện", "Chính quyền", "Công dân", "Doanh nghiệp", "Văn bản"])}
 </ul></nav>
</header>
<section id="content"><div class="columns-2" id="main-content" role="main"><div class="portlet-layout row">
<div class="col-md-8 portlet-column portlet-column-first" id="column-1">
<nav aria-label="Breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item"><a class="breadcrumb-link" href="/{p.id}/index.html">Trang chủ</a></li>
<li class="breadcrumb-item active"><span class="breadcrumb-text-truncate">Tin hoạt động</span></li></ol></nav>
<div class="portlet-boundary portlet-journal-content"><section class="portlet"><div class="portlet-content"><div class="portlet-body">
<div class="journal-content-article" data-analytics-asset-id="{story.number}">
 <h1 class="title-news">{_esc(story.title)}</h1>
 <div class="date-news"><i class="icon-calendar"></i> {story.published:%d/%m/%Y %H:%M}</div>
 <p class="lead"><strong>{_esc(story.lead)}</strong></p>
 <div class="content-news">
{_body_html(paragraphs, story, "liferay")}
<p style="text-align:right"><strong>{_esc(story.author)}</strong></p>
 </div>
</div>
<div class="taglib-social-bookmarks article-tools">
 <span class="view-count">Lượt xem: {c["views"]:,}</span>
 <a href="javascript:window.print();" class="print-article"><i class="icon-print"></i> In bài viết</a>
 <a href="javascript:history.back();"><i class="icon-arrow-left"></i> Quay lại</a>
</div>
<div class="other-news"><h3 class="title-other">Các tin khác</h3><ul>
{_related_html(related, "date")}
</ul></div>
</div></div></section></div>
</div>
<div class="col-md-4 portlet-column portlet-column-last" id="column-2">
<div class="portlet-boundary portlet-polls"><section class="portlet"><h2 class="portlet-title-text">Thăm dò ý kiến</h2>
<div class="portlet-content"><p class="question">Bạn quan tâm đến nội dung nào trên Cổng thông tin điện tử tỉnh?</p>
<form><label><input type="radio" name="q"> Tin tức - sự kiện</label><br><label><input type="radio" name="q"> Thủ tục hành chính</label><br>
<button type="button">Bình chọn</button> <a href="#">Xem kết quả</a></form></div></section></div>
</div>
</div></div></section>
<footer id="footer" role="contentinfo">
<p>Cơ quan chủ quản: Ủy ban nhân dân tỉnh {p.province}</p>
<p>Cơ quan thường trực: Ban Biên tập Cổng Thông tin điện tử tỉnh</p>
<p>Địa chỉ: {p.city}, tỉnh {p.province}</p>
<p>Điện thoại: {p.phone} - Email: bbt@{p.id}.gov.vn</p>
</footer>
</div>
</body>
</html>"""


def _nukeviet(story: Story, paragraphs: list[str], c: dict, related: list[Story]) -> str:
    p = story.portal
    pub = story.published
    return f"""<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml" prefix="og: http://ogp.me/ns#">
<head>
<title>{_esc(story.title)} - Hoạt động của HĐND - {p.name}</title>
<meta name="description" content="{_esc(story.lead[:160])}">
<meta name="author" content="{p.name.upper()}">
<meta name="generator" content="NukeViet v4.5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<link rel="StyleSheet" href="/{p.id}/themes/default/css/style.css">
</head>
<body>
<noscript><div class="alert alert-danger">Trình duyệt của bạn đã tắt chức năng hỗ trợ JavaScript.<br>Website chỉ làm việc khi bạn bật nó trở lại.</div></noscript>
<div class="body-bg"><div class="wraper">
<header><div class="container"><div id="header" class="row">
 <div class="logo col-xs-24 col-sm-24 col-md-8"><a title="{p.name.upper()}" href="/{p.id}/index.html"><img src="/{p.id}/uploads/logo.png" alt="{p.name.upper()}"></a></div>
</div></div></header>
<nav class="second-nav" id="menusite"><div class="container"><div class="row"><div class="bg box-shadow"><ul class="nav navbar-nav">
{_menu(p, ["Giới thiệu", "Hoạt động của HĐND", "Hoạt động của Đoàn ĐBQH", "Kỳ họp HĐND", "Tiếp xúc cử tri", "Thông báo", "Văn bản"])}
</ul></div></div></div></nav>
<section><div class="container" id="body"><div class="row">
<div class="col-sm-16 col-md-18">
<div class="news_column panel panel-default" itemtype="http://schema.org/NewsArticle" itemscope><div class="panel-body">
 <h1 class="title margin-bottom-lg" itemprop="headline">{_esc(story.title)}</h1>
 <div class="row margin-bottom-lg">
  <div class="col-md-12"><span class="h5">{WEEKDAYS[pub.weekday()].lower().capitalize()} - {pub:%d/%m/%Y %H:%M}</span><span itemprop="datePublished" content="{pub:%Y-%m-%d}ICT{pub:%H:%M:%S}"></span></div>
  <div class="col-md-12"><ul class="list-inline text-right"><li><a class="dimgray" rel="nofollow" title="In ra" href="javascript:void(0);"><em class="fa fa-print fa-lg">&nbsp;</em></a></li></ul></div>
 </div>
 <div class="clearfix"><div class="hometext m-bottom" itemprop="description">{_esc(story.lead)}</div></div>
 <div id="news-bodyhtml" class="bodytext margin-bottom-lg">
{_body_html(paragraphs, story, "nukeviet")}
 </div>
</div></div>
<div class="news_column panel panel-default"><div class="panel-body"><div class="h5 pull-right"><strong>Tác giả: </strong>{_esc(story.author)}</div></div></div>
<div class="news_column panel panel-default"><div class="panel-body"><form id="form3B" action=""><div class="h5 clearfix">
 <p id="stringrating">Tổng số điểm của bài viết là: 0 trong 0 đánh giá</p>
 <span id="hover-test" style="margin: 0 0 0 20px;">Click để đánh giá bài viết</span></div></form></div></div>
<div class="news_column panel panel-default"><div class="panel-body other-news">
 <p class="h3"><strong>Những tin mới hơn</strong></p>
 <div class="clearfix"><ul class="related list-items">
{_related_html(related[:2], "x")}
 </ul></div>
 <p class="h3"><strong>Những tin cũ hơn</strong></p>
 <div class="clearfix"><ul class="related list-items">
{_related_html(related[2:], "x")}
 </ul></div>
</div></div>
</div>
<div class="col-sm-8 col-md-6"><div class="panel panel-default">
 <div class="panel-heading">Thống kê truy cập</div>
 <div class="panel-body"><ul class="counter list-none display-table">
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Đang truy cập</span><span class="pull-right">{c["online"]}</span></li>
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Máy chủ tìm kiếm</span><span class="pull-right">{c["bots"]}</span></li>
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Khách viếng thăm</span><span class="pull-right">{c["guests"]}</span></li>
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Hôm nay</span><span class="pull-right">{c["today"]:,}</span></li>
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Tháng hiện tại</span><span class="pull-right">{c["month"]:,}</span></li>
<li><em class="fa fa-bolt fa-lg fa-horizon"></em><span class="counter-label">Tổng lượt truy cập</span><span class="pull-right">{c["total"]:,}</span></li>
 </ul></div>
</div></div>
</div></div></section>
<footer id="footer"><div class="wraper"><div class="container"><div class="row"><div class="col-xs-24 col-sm-24 col-md-24">
<p class="footer-title"><strong>{p.name.upper()}</strong></p>
<p>Địa chỉ: {p.city}, tỉnh {p.province}</p>
<p>Điện thoại: {p.phone} - Email: hdnd@{p.id}.gov.vn</p>
</div></div></div></div></footer>
</div></div>
<div id="timeoutsess" class="chromeframe">
 Bạn đã không sử dụng Site, <a onclick="timeoutsesscancel();" href="#">Bấm vào đây để duy trì trạng thái đăng nhập</a>. Thời gian chờ: <span id="secField"> 60 </span> giây
</div>
</body>
</html>"""


KICKERS = {"hgtv": "Tin từ phóng viên thường trú của Đài tại các huyện, thành phố trong tỉnh gửi về."}


def _kicker(portal: Portal) -> str:
    """Some TV portals open every article with the same kicker line, before the lead (no lead container)."""
    line = KICKERS.get(portal.id)
    return f"<p>{line}</p>\n" if line else ""


def _tv(story: Story, paragraphs: list[str], c: dict, related: list[Story]) -> str:
    p = story.portal
    seen = c["seen"]
    pub = story.published
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_esc(story.title)} - {p.name}</title>
<meta name="description" content="{_esc(story.lead[:160])}">
<meta property="og:type" content="article">
<meta property="og:title" content="{_esc(story.title)}">
<meta property="og:site_name" content="{p.name}">
<meta property="article:published_time" content="{pub.isoformat()}">
<link href="/{p.id}/css/site.css?v=3.2" rel="stylesheet">
</head>
<body>
<div class="header-top"><div class="container">
 <span class="date-now">{WEEKDAYS_SHORT[seen.weekday()]}, {seen:%d/%m/%Y, %H:%M}[GMT+7]</span>
 <ul class="top-links"><li><a href="/{p.id}/index.html">TRỰC TUYẾN</a></li><li><a href="/{p.id}/index.html">FM 97.0 MHz</a></li></ul>
</div></div>
<header class="header"><div class="container"><a href="/{p.id}/index.html" class="logo"><img src="/{p.id}/images/logo.png" alt="{p.name}"></a></div></header>
<nav class="navbar"><div class="container"><ul class="nav-menu">
<li><a href="/{p.id}/index.html"><i class="fa fa-home"></i></a></li>
{_menu(p, ["Thời sự", "Kinh tế", "Xã hội", "Văn hóa - Thể thao", "Pháp luật", "Truyền hình", "Phát thanh", "Video"])}
</ul></div></nav>
<div class="container main"><div class="row">
<div class="col-md-8 col-left">
<div class="news-detail">
 <h1 class="title-detail">{_esc(story.title)}</h1>
 <div class="meta-detail">
 <div class="date-detail"><i class="fa fa-clock-o"></i> {WEEKDAYS_SHORT[pub.weekday()]}, {pub:%d/%m/%Y | %H:%M:%S}</div>
 <div class="view-count"><i class="fa fa-eye"></i> {c["views"]:,} lượt xem</div>
 </div>
 <div class="content-detail">
{_kicker(p)}<p>{_esc(story.lead)}</p>
{_body_html(paragraphs, story, "tv")}
<p style="text-align:right"><strong>{_esc(story.author)}</strong></p>
<p style="text-align:right"><em>Ảnh: {_esc(story.photo_credit)}</em></p>
 </div>
</div>
<div class="same-category"><h3 class="box-title">Tin cùng chuyên mục</h3><ul>
{_related_html(related, "date")}
</ul></div>
</div>
<div class="col-md-4 col-right">
 <div class="box-video"><h3 class="box-title">Video nổi bật</h3><ul>
{_related_html(related[:2], "date")}
 </ul></div>
 <div class="box-schedule"><h3 class="box-title">Lịch phát sóng</h3><div id="schedule-content">Đang tải...</div></div>
</div>
</div></div>
<footer class="footer"><div class="container">
<p>{p.name}</p>
<p>Giấy phép số 198/GP-BTTTT ngày 18/5/2020 của Bộ Thông tin và Truyền thông</p>
<p>Địa chỉ: {p.city}, tỉnh {p.province}</p>
<p>Điện thoại: {p.phone} - Email: {p.id}@gov.vn</p>
</div></footer>
<script src="/{p.id}/js/jquery.min.js"></script>
</body>
</html>"""


_RENDER = {"newspaper": _newspaper, "liferay": _liferay, "nukeviet": _nukeviet, "tv": _tv}


def _listing_html(portal: Portal, stories: list[Story], page: int, pages: int) -> str:
    items = "\n".join(
        f'<div class="story"><h3 class="story-title"><a href="{s.path}">{_esc(s.title)}</a></h3>'
        f'<div class="story-time">{s.published:%d/%m/%Y %H:%M}</div><p class="story-sapo">{_esc(s.lead[:150])}…</p></div>'
        for s in stories)
    # Every listing page links every other one, so each is one hop from the start page (DEPTH_LIMIT stays far).
    pager = " ".join(f'<a href="/{portal.id}/{"index" if k == 1 else f"page-{k}"}.html">{k}</a>' for k in range(1, pages + 1))
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Tin tức - {portal.name}</title></head>
<body class="page-list"><header class="header"><a class="logo" href="/{portal.id}/index.html">{portal.name}</a></header>
<div class="container main-content"><h2 class="cat-title">Tin tức</h2>
<div class="list-story">
{items}
</div>
<div class="pagination">{pager}</div>
</div>
<footer class="footer"><p>{portal.name}</p></footer></body></html>"""


# ---- the HTTP server -----------------------------------------------------------------------------------------
class PortalServer:
    """Serves a Corpus on 127.0.0.1: /{portal}/index.html, /{portal}/page-N.html, article pages, robots.txt.

    Each request of an article renders it anew with request-dependent chrome (a re-crawl); `set_phase(n)`
    switches which version of revised stories is served. `requests` counts article requests by path;
    `delay_s` adds latency to each article response (so a crawl lasts long enough to be interrupted)."""

    def __init__(self, corpus: Corpus, host: str = "127.0.0.1", port: int = 0, delay_s: float = 0.0) -> None:
        self.corpus = corpus
        self.delay_s = delay_s  # added latency per article request
        self.phase = 0
        self.requests: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                body, status = server._respond(self.path.split("?", 1)[0])
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8" if status == 200 or body else "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the crawler went away (killed mid-request)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="portal-server")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def set_phase(self, phase: int) -> None:
        self.phase = phase

    def _respond(self, path: str) -> tuple[bytes, int]:
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", 200
        story = self.corpus.by_path.get(path)
        if story is not None:
            if self.delay_s:
                time.sleep(self.delay_s)
            with self._lock:
                visit = self.requests.get(path, 0)
                self.requests[path] = visit + 1
            version = 1 if (self.phase >= 1 and story.revised) else 0
            return self.corpus.render(story, version, visit), 200
        m = re.fullmatch(r"/([a-z0-9_-]+)/(?:index|page-(\d+))\.html", path)
        if m:
            listing = self.corpus.listing(m.group(1), int(m.group(2) or 1)) if any(
                p.id == m.group(1) for p in self.corpus.portals) else None
            if listing:
                return listing[0].encode("utf-8"), 200
        return b"", 404

    def start(self) -> PortalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # python -m tests.pagegen [seed] [pages]: print a summary and one page
    import sys

    corpus = Corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 7, int(sys.argv[2]) if len(sys.argv) > 2 else 50)
    kinds: dict[str, int] = {}
    for s in corpus.stories:
        kinds[s.meeting_type or "news"] = kinds.get(s.meeting_type or "news", 0) + 1
    print(kinds, "revised", sum(s.revised for s in corpus.stories), "copies", sum(s.copy_of is not None for s in corpus.stories))
    print(corpus.render(corpus.stories[0]).decode())
