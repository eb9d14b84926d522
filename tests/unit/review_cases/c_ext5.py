def P(title, body, head=""):
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"
H = "HĐND huyện tổ chức Kỳ họp thứ 19 khóa XII"
TXT = ("<p>Sáng 20/12, HĐND huyện khóa XII tổ chức Kỳ họp thứ 19 để xem xét, quyết định các nội dung quan trọng của huyện trong năm 2025.</p>"
       "<p>Kỳ họp đã thông qua 8 nghị quyết, trong đó có nghị quyết về dự toán ngân sách và kế hoạch đầu tư công năm 2025.</p>")
NEWEST = (f"<div><b>Tin mới nhất</b><ul><li>20/12/2024 - <a href='/a/5'>{H}</a></li><li>18/12/2024 - <a href='/a/4'>Huyện ủy tổng kết công tác xây dựng Đảng năm 2024</a></li>"
          "<li>17/12/2024 - <a href='/a/3'>UBND huyện họp phiên thường kỳ tháng 12</a></li></ul></div>")
CASES = {}
CASES["T1_newest_first"] = ("page", P(f"Cổng TTĐT huyện - Tin tức - {H}", f"<table><tr><td width='200'>{NEWEST}</td><td><table><tr><td class='capmain'>{H}</td></tr><tr><td>Ngày đăng: 20/12/2024</td></tr><tr><td>{TXT}</td></tr></table></td></tr></table>"))
CASES["T2_newest_first_time"] = ("page", P(f"Cổng TTĐT huyện - Tin tức - {H}", f"<table><tr><td width='200'>{NEWEST}</td><td><table><tr><td class='capmain'>{H}</td></tr><tr><td>{TXT}</td></tr><tr><td>Đăng bởi Nguyễn Thị Mỹ Lệ lúc 16:00 ngày 20/12/2024</td></tr></table></td></tr></table>"))
CASES["T3_breadcrumb"] = ("page", P(f"Cổng TTĐT huyện - Tin tức - {H}", f"<div class='top'>Hôm nay: 22/12/2024</div><div class='bc'><a href='/'>Trang chủ</a> » <a href='/tt'>Tin tức</a> » <span>{H}</span></div><div class='ticker'>Lịch tiếp công dân tháng 12/2024 (15/12/2024)</div><table><tr><td class='capmain'>{H}</td></tr><tr><td>Ngày đăng: 20/12/2024</td></tr><tr><td>{TXT}</td></tr></table>"))
