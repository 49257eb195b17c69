"""Markdown of content text: what the page's CSP and screen readers need from its tables."""

from __future__ import annotations

import re

from okrsite.render.markdown import Markdown

TABLE = """
|          | Q2  | Q3 |
| -------- | :-: | -: |
| ARR      | 13  | 15 |
"""


def test_table_alignment_is_a_class_not_a_style_attribute() -> None:
    html = str(Markdown().block(TABLE))
    assert "style=" not in html  # the site's Content-Security-Policy would drop it
    assert '<th class="align-center">Q2</th>' in html and '<td class="align-right">15</td>' in html


def test_an_empty_corner_header_becomes_a_plain_cell() -> None:
    html = str(Markdown().block(TABLE))
    assert "<th></th>" not in html and html.count("<td></td>") == 1
    assert len(re.findall(r"<th[ >]", html)) == 2  # Q2 and Q3 stay headers
