"""Front matter: splitting, line numbers, safe YAML, and every way a file can be unreadable."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrsite.content import frontmatter
from okrsite.content.frontmatter import FrontMatter
from okrsite.diagnostics import Diagnostic, Diagnostics

from .conftest import dedent

PATH = "content/2026-Q4/acme/grow.md"


def parse(text: str | bytes) -> tuple[FrontMatter | None, list[Diagnostic]]:
    found = Diagnostics()
    raw = text if isinstance(text, bytes) else dedent(text).encode()
    return frontmatter.parse(PATH, raw, found), found.items


def only(items: list[Diagnostic], code: str, line: int, message: str, column: int | None = None) -> Diagnostic:
    assert [d.code for d in items] == [code], [d.as_text() for d in items]
    assert (items[0].path, items[0].line) == (PATH, line), items[0].as_text()
    assert message in items[0].message, items[0].message
    if column is not None:
        assert items[0].column == column, items[0].as_text()
    return items[0]


def test_splits_yaml_and_body_keeping_lines():
    fm, problems = parse("""
        ---
        title: Grow
        key_results:
          - id: arr
            target: 10
        ---
        Why it matters.

        More.
    """)
    assert problems == [] and fm is not None
    assert fm.data == {"title": "Grow", "key_results": [{"id": "arr", "target": 10}]}
    assert fm.body == "Why it matters.\n\nMore.\n"
    assert fm.body_line == 7
    assert fm.where("title").line == 2 and fm.where("title").column == 8
    assert fm.where("key_results", 0, "target").line == 5
    assert fm.where_key("key_results", 0, "target").column == 5
    assert fm.where("no", "such").line == 2  # nearest enclosing value: the whole mapping


def test_byte_order_mark_and_crlf_are_accepted():
    fm, problems = parse(b"\xef\xbb\xbf---\r\ntitle: Grow\r\n---\r\nBody\r\n")
    assert problems == [] and fm is not None
    assert fm.data == {"title": "Grow"} and fm.body == "Body\n" and fm.body_line == 4


def test_empty_front_matter_and_dots_closing():
    fm, problems = parse("---\n---\nBody\n")
    assert problems == [] and fm is not None and fm.data == {} and fm.body == "Body\n"
    fm, problems = parse("---\ntitle: x\n...\nBody\n")
    assert problems == [] and fm is not None and fm.data == {"title": "x"}


def test_dates_are_dates_and_datetimes_keep_their_time():
    fm, _ = parse("---\nd: 2026-11-20\nt: 2026-11-20T10:30:00\n---\n")
    assert fm is not None
    assert fm.data["d"] == dt.date(2026, 11, 20)
    assert fm.data["t"] == dt.datetime(2026, 11, 20, 10, 30)


def test_no_front_matter(site):
    result = site({PATH: "# Grow\n\nJust Markdown.\n"})
    found = result.expect("no-front-matter", PATH, 1, "does not start with front matter")
    assert "---" in found.hint


def test_front_matter_never_closed(site):
    result = site({PATH: "---\ntitle: Grow\nkey_results: []\n\nBody text\n"})
    found = result.expect("unclosed-front-matter", PATH, 1, "never closed")
    assert "add a line with just ---" in found.hint


def test_yaml_syntax_error_is_reported_at_the_yaml_line(site):
    result = site({PATH: """
        ---
        title: Grow
        kind: aspirational
        retrospective: Q4: we shipped
        ---
    """})
    found = result.expect("yaml-syntax", PATH, 4, "mapping values are not allowed", column=18)
    assert 'title: "Q4: ship it"' in found.hint


def test_tab_indentation_gets_its_own_hint():
    _, problems = parse("---\ntitle: Grow\nkey_results:\n\t- title: x\n---\n")
    found = only(problems, "yaml-syntax", 4, "YAML syntax error")
    assert "tabs" in found.hint


def test_unclosed_quote_is_reported_where_it_opened():
    _, problems = parse('---\ntitle: "Grow\nkind: committed\n---\n')
    found = only(problems, "yaml-syntax", 2, "while scanning a quoted scalar", column=8)
    assert "quote opened here is never closed" in found.hint


def test_unclosed_bracket():
    _, problems = parse("---\ntitle: Grow\ntags: [a, b\nkind: committed\n---\n")
    found = only(problems, "yaml-syntax", 4, "did not find expected ',' or ']'")
    assert "[ or { opened" in found.hint


def test_front_matter_must_be_a_mapping():
    _, problems = parse("---\n- title: Grow\n---\n")
    only(problems, "yaml-not-mapping", 2, "must be a mapping of fields")


def test_duplicate_key_is_an_error_at_the_second_key():
    fm, problems = parse("---\ntitle: Grow\nkind: committed\ntitle: Grow more\n---\n")
    only(problems, "duplicate-key", 4, "key `title` appears twice", column=1)
    assert fm is not None and fm.data["title"] == "Grow more"


def test_impossible_date_in_a_value():
    _, problems = parse("---\ntitle: Grow\nchanges:\n  - {date: 2026-02-30, change: x}\n---\n")
    only(problems, "impossible-date", 4, "`2026-02-30` is not a real date", column=12)


def test_key_that_is_a_list():
    _, problems = parse("---\n? [a, b]\n: 1\ntitle: x\n---\n")
    only(problems, "yaml-key", 2, "a key must be a plain name")


@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system [ls]",
    "!!python/name:os.system x",
    "!custom x",
    "!!binary aGk=",
    "!!set {a, b}",
])
def test_tags_are_refused_and_never_construct_objects(value):
    fm, problems = parse(f"---\ntitle: Grow\nx: {value}\n---\n")
    found = only(problems, "yaml-tag", 3, "is not supported here", column=4)
    assert "remove the tag" in found.hint
    assert fm is not None and isinstance(fm.data["x"], (str, list, dict))


def test_value_that_does_not_fit_its_tag():
    _, problems = parse("---\nx: !!int twelve\n---\n")
    only(problems, "yaml-value", 2, "value `twelve` could not be read")


def test_alias_bomb_is_refused_quickly():
    lines = ["---", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    began = time.perf_counter()
    fm, problems = parse("\n".join(lines + ["title: x", "---", ""]).encode())
    assert time.perf_counter() - began < 1.0
    assert fm is None
    found = only(problems, "yaml-too-complex", 6, "expands to more than")  # at a4: 9**5 values
    assert "aliases" in found.hint


def test_small_aliases_are_fine():
    fm, problems = parse("---\ntags: &t [a, b]\nmore: *t\n---\n")
    assert problems == [] and fm is not None and fm.data["more"] == ["a", "b"]


def test_deep_nesting_is_refused():
    fm, problems = parse(("---\nx: " + "[" * 2000 + "]" * 2000 + "\n---\n").encode())
    assert fm is None
    only(problems, "yaml-too-complex", 2, "nested more than")


def test_file_that_is_not_utf8(site):
    result = site({PATH: "---\ntitle: Grow\nkind: caf\xe9\n---\n".encode("latin-1")})
    found = result.expect("encoding", PATH, 3, "not valid UTF-8 (byte 0xe9", column=10)
    assert "UTF-8" in found.hint


def test_binary_file(site):
    result = site({PATH: b"---\ntitle: x\n---\n\x89PNG\x00\x00"})
    result.expect("binary-file", PATH, 4, "NUL bytes")


def test_file_too_large(site, monkeypatch):
    monkeypatch.setattr(frontmatter, "MAX_FILE_BYTES", 1000)
    result = site({PATH: "---\ntitle: Grow\n---\n" + "x" * 2000})
    result.expect("file-too-large", PATH, 1, "okrsite reads content files up to")


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_is_parsed_or_reported_never_raises(text):
    found = Diagnostics()
    fm = frontmatter.parse(PATH, ("---\n" + text + "\n---\n").encode(), found)
    if fm is None:  # an unusable file always says why
        assert any(d.is_error for d in found.items)
    for diagnostic in found.items:
        assert diagnostic.path == PATH and diagnostic.line >= 1 and diagnostic.column >= 1


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True),
    st.one_of(
        st.integers(-10**6, 10**6), st.booleans(), st.none(),
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30),
    ),
    max_size=8,
))
def test_plain_values_round_trip(values):
    import yaml

    fm, problems = parse(("---\n" + yaml.safe_dump(values, allow_unicode=True) + "---\n").encode())
    assert problems == [] and fm is not None
    assert fm.data == values


def test_utf16_file_is_named_as_such(site):
    result = site({PATH: "---\ntitle: Grow\n---\n".encode("utf-16")})
    result.expect("encoding", PATH, 1, "file is UTF-16, not UTF-8")
