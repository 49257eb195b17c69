"""Markdown of content text: what the page's CSP and screen readers need from its tables."""

from __future__ import annotations

import random
import re

from markupsafe import Markup

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


def test_blocks_rendered_in_another_process_are_taken_as_rendered_here() -> None:
    texts = ["# Plan\n\nShip **it**", "Plain note with a [link](https://example.com)", "## Risks\n\n- one"]
    here = Markdown()
    expected = [(here.block(t), here.block(t, 4)) for t in texts]
    made = Markdown().blocks(texts)  # what a forked process sends
    taker = Markdown()
    taker.keep(texts, made)
    taker._render = None  # type: ignore[assignment]  # nothing may be rendered again
    assert [taker.block(t) for t in texts] == [e[0] for e in expected]
    assert isinstance(taker.block(texts[0]), Markup)
    # a heading level asked for still shifts (rendered again only for texts with headings)
    taker._render = Markdown()._render  # type: ignore[method-assign]
    assert [taker.block(t, 4) for t in texts] == [e[1] for e in expected]
    unused = Markdown()
    unused.keep(texts, made)
    unused.forget_kept()  # what the render processes used is not held on to
    assert unused._given == {}


def test_text_without_markup_skips_the_parser_and_renders_as_the_parser_would(monkeypatch) -> None:
    """Inline text with no character that starts inline Markdown is rendered without parsing
    (most titles): the same HTML and plain text as the parser gives, over random texts."""
    from okrsite.render import markdown as markdown_module

    rng = random.Random(7)
    alphabet = list("abcXYZ 09.,;'\"()/?|-:#$%+=@{}^é€\t\x0b\x0c\x1c\x85\u00a0\u2003\u3000") \
        + list("!&*<>[]\\_`~\n\r\x00")
    texts = ["Build the foundations for accessibility at scale", 'Say "yes" to 3 teams: Q4/EMEA (50%)',
             *("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(20000))]
    fast = Markdown()
    parsed_texts: list[str] = []
    parse_inline = fast.md.parseInline
    fast.md.parseInline = lambda text, env=None: (parsed_texts.append(text), parse_inline(text, env))[1]
    got = [(str(fast.inline(t)), fast.plain(t)) for t in texts]
    monkeypatch.setattr(markdown_module, "_NO_MARKUP", re.compile(r"(?!)"))  # never: always parse
    parsed = Markdown()
    want = [(str(parsed.inline(t)), parsed.plain(t)) for t in texts]
    assert got == want
    assert texts[0] not in parsed_texts and texts[1] not in parsed_texts  # titles: not parsed
    assert 2000 < len(texts) - len(set(parsed_texts)) < len(texts) - 2000  # both paths taken often
