"""Rule found on the spent holdout25: a <meta> description cut short still names the element printing the lead
(Elxis prints it as an <h2> subtitle, which trafilatura's recovery pass would drop)."""

import json
from pathlib import Path

from consumers.domain.extraction import extract_page

_CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "extraction_holdout25"


def test_a_truncated_meta_description_names_the_lead_element():
    page = _CORPUS / "elxis-01-thanhhoa-executive-conference"
    label = json.loads(page.with_suffix(".json").read_text("utf-8"))
    got = extract_page(page.with_suffix(".html").read_bytes(), label["url"])
    assert got.lead == label["lead"], got.lead


def test_a_description_that_merely_opens_a_longer_paragraph_is_no_lead():
    title = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 28"
    sentence = "Ngày 24/1, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 28, khóa XIX."
    paragraph = sentence + " " + "Hội nghị cho ý kiến về dự thảo văn kiện trình đại hội đảng bộ tỉnh. " * 6
    page = (f"<html><head><title>{title}</title><meta name='description' content='{sentence}'></head><body><main>"
            f"<h1>{title}</h1><div class='x'>{paragraph}</div><p>Đồng chí Bí thư Tỉnh ủy chủ trì hội nghị.</p></main>"
            "</body></html>").encode("utf-8")
    got = extract_page(page, "https://t.vn/b")
    assert got.lead != sentence and paragraph.strip()[:60] in got.text
