"""A lead printed in an element of no known class is found from the summary the page declares in its <meta>
description (TYPO3 teasers, Odoo subtitles, Tilda post descriptions); a summary that only the head or the footer
carries is never taken for the lead."""

from __future__ import annotations

from consumers.domain.extraction import extract_page
from tests.unit.test_extraction import LEAD, PARAS, TITLE

CHROME = "<ul class='menu'><li><a href='/'>Trang chủ</a></li><li><a href='/tin'>Tin tức</a></li></ul>"


def _page(description: str, lead_html: str, footer: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<html><head><title>{TITLE}</title><meta name='description' content='{description}'></head><body>"
            f"<header><div class='logo'>Cổng thông tin điện tử tỉnh</div>{CHROME}</header>"
            # The lead in the article's header block, beside the headline, where trafilatura drops it.
            f"<main><article><header class='post-header'><h1>{TITLE}</h1><div class='x-7f'>{lead_html}</div>"
            f"</header>{body}</article></main>"
            f"<footer>{footer}<p>Bản quyền thuộc Ủy ban nhân dân tỉnh</p></footer></body></html>").encode()


def test_the_element_printing_the_declared_summary_is_the_lead():
    got = extract_page(_page(LEAD, f"<strong>{LEAD}</strong>"), "https://tinhuy.example.vn/tin/1.html")
    assert got.lead == LEAD
    assert got.paragraphs == PARAS


def test_a_summary_the_body_does_not_print_whole_is_not_a_lead():
    half = LEAD[: len(LEAD) // 2]
    got = extract_page(_page(LEAD, f"<span>{half}</span>"), "https://tinhuy.example.vn/tin/2.html")
    assert got.lead != LEAD


def test_a_short_or_title_like_description_is_ignored():
    got = extract_page(_page(TITLE, ""), "https://tinhuy.example.vn/tin/3.html")
    assert got.lead == PARAS[0]
