_TITLE = "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 28"
_PARAS = ("<p>Ngày 20/12, Ban Chấp hành Đảng bộ huyện tổ chức hội nghị lần thứ 28 để đánh giá kết quả thực hiện nhiệm "
          "vụ năm 2024 và bàn phương hướng, nhiệm vụ năm 2025 của toàn Đảng bộ.</p>"
          "<p>Năm 2024, tổng giá trị sản xuất trên địa bàn huyện ước tăng 8,6%; thu ngân sách nhà nước đạt 1.126 tỷ "
          "đồng, vượt 18% dự toán; huyện có thêm một xã đạt chuẩn nông thôn mới nâng cao.</p>"
          "<p>Hội nghị đã thảo luận, thống nhất nhiều giải pháp quan trọng nhằm tháo gỡ khó khăn cho sản xuất, kinh doanh, thúc đẩy giải ngân vốn đầu tư công và bảo đảm an sinh xã hội trên địa bàn huyện trong năm 2025.</p><p>Phát biểu kết luận hội nghị, đồng chí Bí thư Huyện ủy đề nghị các cấp ủy, chính quyền tập trung lãnh đạo thực hiện thắng lợi các chỉ tiêu đã đề ra, chuẩn bị tốt cho đại hội đảng bộ các cấp.</p>"
          "<p>Hội nghị đã thảo luận, thống nhất các chỉ tiêu chủ yếu năm 2025, trong đó phấn đấu tốc độ tăng giá trị sản xuất đạt 9% trở lên.</p>")
_BOX = ("<table border='0' width='170'><tr><td class='boxtitle'><b>Thông báo</b></td></tr><tr><td>"
        "Chủ tịch UBND huyện tiếp công dân định kỳ vào ngày 15 và ngày 25 hằng tháng tại Trụ sở tiếp công dân huyện.</td></tr>"
        "<tr><td>Đường dây nóng tiếp nhận phản ánh của người dân: 0256.3833.xxx, hoạt động 24/7 kể cả ngày nghỉ.</td></tr></table>")
def L2(side, title="Trang thông tin điện tử huyện Tuy Phước"):
    return (f"<html><head><title>{title}</title></head><body><table width='100%'><tr valign='top'>"
            f"<td width='170'>{side}</td><td width='100%'><p><font size=4 color=red><b>{_TITLE}</b></font></p>{_PARAS}"
            f"</td></tr></table></body></html>")
def L1(side):
    return (f"<html><head><title>{_TITLE}</title></head><body><table width='100%'><tr><td colspan='2'><div class='title'><b>{_TITLE}</b></div></td></tr>"
            f"<tr valign='top'><td width='170'>{side}</td><td width='100%'>{_PARAS}</td></tr></table></body></html>")
CASES = {"S_L2": ("page", L2(_BOX)), "S_L1": ("page", L1(_BOX)), "S_L2_title_trunc": ("page", L2(_BOX, "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ..."))}
