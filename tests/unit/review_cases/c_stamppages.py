T = "HĐND tỉnh tổ chức Kỳ họp thứ 30 khóa XVIII"
BODY = ("<p>Sáng 15/12, HĐND tỉnh khóa XVIII tổ chức Kỳ họp thứ 30 để xem xét, quyết định nhiều nội dung quan trọng về phát triển kinh tế - xã hội.</p>"
        "<p>Đồng chí Chủ tịch HĐND tỉnh chủ trì kỳ họp. Tham dự có lãnh đạo UBND tỉnh, Ủy ban MTTQ Việt Nam tỉnh và các sở, ngành.</p>"
        "<p>Kỳ họp đã thông qua 25 nghị quyết, trong đó có nghị quyết về dự toán ngân sách nhà nước năm 2026.</p>")
def page(stamp):
    return f"<html><head><meta charset='utf-8'><title>{T} - Cổng TTĐT tỉnh</title></head><body><div class='menu'><a href='/'>Trang chủ</a></div><div class='detail'><h1>{T}</h1><div class='info'>{stamp}</div>{BODY}</div></body></html>"
S = ["Ngày tạo: 15/12/2025 08:30", "Ngày đưa tin: 15/12/2025", "Nguồn: Báo Hà Tĩnh - 15/12/2025 08:30",
     "Chuyên mục: Tin hoạt động | 15/12/2025 10:20", "Thời gian: 15/12/2025 08:30", "Viết lúc: 15/12/2025 08:30",
     "Ngày viết: 15/12/2025", "Chủ đề: Kỳ họp HĐND | 15/12/2025 08:30", "Ngày duyệt: 15/12/2025 08:30", "Ngày tải lên: 15/12/2025 08:30",
     "Tin bài: Minh Hà - 15/12/2025 08:30", "Tác giả: Minh Hà - 15/12/2025 08:30", "Date: 15/12/2025 08:30"]
CASES = {f"p{i}:{s}": ("page", page(s)) for i, s in enumerate(S)}
