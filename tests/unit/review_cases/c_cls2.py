CASES = {
 "N1_dbqh_gifts": ("cls", "Đoàn đại biểu Quốc hội tỉnh thăm, tặng quà gia đình chính sách dịp Tết",
   "Ngày 20/1, Đoàn đại biểu Quốc hội tỉnh do đồng chí Phó Trưởng Đoàn ĐBQH chuyên trách dẫn đầu đã đến thăm, tặng quà các gia đình chính sách, hộ nghèo tại huyện Quỳ Hợp.\nĐoàn đã trao 200 suất quà, mỗi suất trị giá 1 triệu đồng."),
 "N2_minister_inaugurates": ("cls", "Bộ trưởng Bộ Giao thông vận tải dự lễ khánh thành cầu Cửa Hội",
   "Sáng 15/12, đồng chí Bộ trưởng Bộ Giao thông vận tải cùng lãnh đạo tỉnh dự lễ khánh thành cầu Cửa Hội. Đồng chí Phó Chủ tịch UBND tỉnh phát biểu tại buổi lễ.\nCầu có tổng mức đầu tư 1.200 tỷ đồng, dài 1,2 km."),
 "N3_pm_visits": ("cls", "Thủ tướng Chính phủ thăm công trường cao tốc Bắc - Nam qua tỉnh",
   "Sáng 20/12, Thủ tướng Chính phủ cùng đoàn đã đến thăm, động viên cán bộ, công nhân đang thi công trên công trường cao tốc Bắc - Nam đoạn qua tỉnh. Cùng đi có đồng chí Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh.\nThủ tướng yêu cầu các nhà thầu tăng ca, bảo đảm hoàn thành dự án đúng tiến độ."),
 "N4_pm_letter": ("cls", "Thủ tướng gửi thư khen lực lượng cứu hộ cứu nạn",
   "Ngày 12/11, Thủ tướng Chính phủ gửi thư khen các lực lượng đã tham gia cứu hộ, cứu nạn trong đợt mưa lũ vừa qua tại tỉnh. Thư khen nêu rõ tinh thần dũng cảm, không quản hiểm nguy của cán bộ, chiến sĩ.\nĐồng chí Chủ tịch UBND tỉnh đã trao thư khen cho các đơn vị."),
 "N5_delegation_tours": ("cls", "Đoàn giám sát của Quốc hội khảo sát tại Khu kinh tế Nghi Sơn",
   "Chiều 14/10, Đoàn giám sát của Ủy ban Thường vụ Quốc hội do đồng chí Phó Chủ tịch Quốc hội làm trưởng đoàn đã đi khảo sát thực tế tại Khu kinh tế Nghi Sơn. Đoàn đến thăm nhà máy lọc hóa dầu và cảng biển.\nĐồng chí Phó Chủ tịch UBND tỉnh cùng đi với đoàn."),
}
