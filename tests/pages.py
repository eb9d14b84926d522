"""Small portal pages built in tests, with the chrome the seeds show."""

from __future__ import annotations


def portal_page(*, title: str, date_line: str, lead: str, paragraphs: list[str], author: str = "",
                visit_header: str = "Thứ Hai, 25/11/2024 21:13 (GMT +7)", caption: str = "",
                site: str = "Báo Quảng Ninh điện tử") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    fig = f'<figure><img src="a.jpg"><figcaption>{caption}</figcaption></figure>' if caption else ""
    byline = f"<p><strong>{author}</strong></p>" if author else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - {site}</title></head>
<body><header><div class="top">Tất cả chuyên mục</div><div class="today">{visit_header}</div>
<h1 class="logo">{site}</h1></header>
<div class="main"><article class="detail">
<h1 class="detail-title">{title}</h1>
<div class="meta">{date_line} <span class="fontsize">A A</span></div>
<div class="sapo">{lead}</div>
<div class="content">{body}{fig}{byline}</div>
<div class="views">20,037 lượt xem</div>
<div class="links">Liên kết website</div><div class="comment">Ý kiến ()</div>
<div class="other"><h3>Tin cùng chuyên mục</h3><ul><li><a href="#">Hội nghị khác 12/11/2024</a></li></ul></div>
</article></div>
<div class="thong-ke">Thống kê truy cập<ul><li>Đang truy cập22</li><li>Tổng lượt truy cập7,235,900</li></ul></div>
<footer>Địa chỉ: 71 Lê Thánh Tông, TP Hạ Long</footer></body></html>"""
