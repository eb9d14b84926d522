def P(title, body, head=""):
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"
TXT = ("<p>Năm 2025, xã Mộc Bắc tập trung huy động mọi nguồn lực để xây dựng nông thôn mới nâng cao, đạt nhiều kết quả tích cực trên các lĩnh vực kinh tế, văn hóa, xã hội và quốc phòng, an ninh.</p>"
       "<p>Trong năm, xã đã huy động hơn 25 tỷ đồng để đầu tư xây dựng đường giao thông nông thôn, nhà văn hóa thôn và hệ thống kênh mương nội đồng.</p>")
CASES = {}
CASES["H1_static_banner_h2"] = ("page", P("Xã Mộc Bắc", f"<div class='banner'><h2>Trang thông tin điện tử xã Mộc Bắc</h2></div><div class='content'><h3>Xã Mộc Bắc xây dựng nông thôn mới nâng cao</h3>{TXT}</div>"))
CASES["H1b_static_section_h2"] = ("page", P("Xã Mộc Bắc", f"<div class='content'><h2>Tin tức - Sự kiện nổi bật</h2><h3>Xã Mộc Bắc xây dựng nông thôn mới nâng cao</h3>{TXT}</div>"))
CASES["H1c_static_kicker_h4"] = ("page", P("Xã Mộc Bắc", f"<div class='content'><h4>Hoạt động của HĐND xã</h4><h2>Xã Mộc Bắc xây dựng nông thôn mới nâng cao</h2>{TXT}</div>"))
