def P(title, body, head=""):
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"
T = "Sở Nội vụ tổ chức thi tuyển công chức năm 2025"
SAPO = "<div class='sapo'>Sáng 10/12, tại Hội trường UBND tỉnh, Sở Nội vụ tổ chức kỳ thi tuyển công chức năm 2025 với hơn 300 thí sinh.</div>"
TXT2 = ("<p>Kỳ thi có 12 vị trí việc làm khác nhau, thí sinh thi trên máy tính tại 3 phòng thi được giám sát bằng camera.</p>"
        "<p>Kết quả thi vòng 2 sẽ được công bố trên Cổng thông tin điện tử của Sở trước ngày 20/12/2025 (17h00). Thí sinh có quyền phúc khảo trong thời hạn 15 ngày.</p>")
CASES = {}
CASES["D2d_sapo_then_date"] = ("page", P(T, f"<div class='detail'><h1>{T}</h1>{SAPO}<div class='date'>Ngày đăng: 10/12/2025</div>{TXT2}</div>"))
CASES["D2e_nolead_date_after_first"] = ("page", P(T, f"<div class='detail'><h1>{T}</h1>{TXT2}<div class='date'>10/12/2025</div></div>"))
CASES["D2f_meta_top_bracket"] = ("page", P(T, f"<div class='detail'><div class='date'>10/12/2025</div><h1>{T}</h1>{SAPO}{TXT2}</div>"))
