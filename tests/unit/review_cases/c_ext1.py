def P(title, body, head=""):
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"
TXT = ("<p>Sáng 15/12, HĐND tỉnh khóa XVIII tổ chức Kỳ họp thứ 30 để xem xét, quyết định nhiều nội dung quan trọng về phát triển kinh tế - xã hội.</p>"
       "<p>Đồng chí Chủ tịch HĐND tỉnh chủ trì kỳ họp. Tham dự có lãnh đạo UBND tỉnh, Ủy ban MTTQ Việt Nam tỉnh và các sở, ngành.</p>"
       "<p>Kỳ họp đã thông qua 25 nghị quyết, trong đó có nghị quyết về dự toán ngân sách nhà nước năm 2026.</p>")
T = "HĐND tỉnh tổ chức Kỳ họp thứ 30 khóa XVIII"
CASES = {}
# E1: schedule table, long item repeated on two days
rows = "".join(f"<tr><td>{d}</td><td>Sáng</td><td>{a}</td></tr><tr><td></td><td>Chiều</td><td>{b}</td></tr>" for d, a, b in [
    ("Thứ Hai (15/12/2025)", "Chủ tịch UBND tỉnh họp giao ban với các Phó Chủ tịch UBND tỉnh.", "Chủ tịch UBND tỉnh làm việc tại trụ sở, giải quyết công việc thường xuyên."),
    ("Thứ Ba (16/12/2025)", "Chủ tịch UBND tỉnh dự Kỳ họp thứ 30 HĐND tỉnh khóa XVIII.", "Chủ tịch UBND tỉnh dự Kỳ họp thứ 30 HĐND tỉnh khóa XVIII."),
    ("Thứ Tư (17/12/2025)", "Chủ tịch UBND tỉnh tiếp công dân định kỳ tại Trụ sở tiếp công dân tỉnh.", "Chủ tịch UBND tỉnh làm việc tại trụ sở, giải quyết công việc thường xuyên.")])
CASES["E1_sched_table"] = ("page", P("Lịch công tác tuần 51 của Chủ tịch UBND tỉnh", "<main><h1>Lịch công tác tuần 51 của Chủ tịch UBND tỉnh</h1><p>Văn phòng UBND tỉnh thông báo lịch công tác tuần 51 (từ ngày 15/12 đến ngày 19/12/2025) của Chủ tịch UBND tỉnh như sau:</p>"
   f"<table border='1'><tr><th>Ngày</th><th>Buổi</th><th>Nội dung</th></tr>{rows}</table></main>"))
# E2: headline row above 3-col row with sidebars
side = "<table><tr><td><b>Tin mới</b></td></tr>" + "".join(f"<tr><td><a href='/t{i}'>Tin bài số {i} về hoạt động của HĐND</a></td></tr>" for i in range(6)) + "</table>"
CASES["E2_sidebar_row"] = ("page", P(T + " - HĐND tỉnh", f"<table width='980'><tr><td colspan='3'><img src='/banner.jpg'></td></tr><tr><td width='180'>{side}</td><td><table><tr><td class='title'><h2>{T}</h2></td></tr></table></td><td width='180'>{side.replace('Tin mới','Xem nhiều')}</td></tr>"
   f"<tr><td width='180'>{side.replace('Tin mới','Liên kết')}</td><td>{TXT}</td><td width='180'>{side.replace('Tin mới','Thống kê')}</td></tr></table>"))
CASES["E2b_sidebar_title_el_none"] = ("page", P("Cổng thông tin điện tử HĐND tỉnh", f"<table width='980'><tr><td width='180'>{side}</td><td><p><b>Kỳ họp thứ 30 thông qua nhiều nghị quyết</b></p>{TXT}</td><td width='180'>{side.replace('Tin mới','Xem nhiều')}</td></tr></table>"))
# E3: names under lead
for nm in ["ĐÀM THU TRANG", "Thu Hằng, Minh Tâm", "PHÙNG THỊ HƯƠNG", "Lại Văn Sâm", "Giàng Seo Phử", "Anh Tuấn và Thu Hà", "NGHIÊM THỊ HẰNG"]:
    CASES["E3_"+nm] = ("page", P(T, f"<div class='detail'><h1>{T}</h1><div class='sapo'>Sáng 15/12, HĐND tỉnh khóa XVIII tổ chức Kỳ họp thứ 30 để xem xét, quyết định nhiều nội dung quan trọng.</div><p><strong>{nm}</strong></p>{TXT}</div>"))
