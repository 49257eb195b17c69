"""site.toml → a typed, frozen SiteConfig; every problem a diagnostic with its line."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from okrsite.config import SiteConfig, build_date, option_docs, parse_config
from okrsite.diagnostics import Diagnostic, Diagnostics

from .conftest import dedent

OBJECTIVE = """
    ---
    title: Grow
    key_results: [{title: Reach 10 customers, start: 0, target: 10}]
    ---
"""


def parse(text: str) -> tuple[SiteConfig, list[Diagnostic]]:
    found = Diagnostics()
    config = parse_config(dedent(text), found)
    return config, found.items


def only(items: list[Diagnostic], code: str, line: int, message: str) -> Diagnostic:
    assert [d.code for d in items] == [code], items
    assert items[0].path == "site.toml" and items[0].line == line, items[0]
    assert message in items[0].message, items[0].message
    return items[0]


def test_no_site_toml_means_all_defaults(site):
    result = site({"content/2026-Q4/acme/grow.md": OBJECTIVE})
    result.assert_clean()
    assert result.site.config == SiteConfig()


def test_every_option_is_read_with_its_type():
    config, problems = parse("""
        title = "Acme OKRs"
        description = "What we are aiming for"
        base_url = "/okrs"
        language = "sv"
        theme = "dark"
        today = 2026-11-20
        current_cycle = "2026-Q4"

        [cycles]
        fiscal_year_start_month = 2
        [checkins]
        stale_after_days = 21
        remind_after_days = 3
        [scoring]
        on_track = 1
        at_risk = 0.5
        low_confidence = 0.25
        [lint]
        max_objectives_per_owner = 3
        max_key_results = 4
        disable = ["stale", "unaligned"]
        [markdown]
        allow_html = true
        [extra]
        logo_alt = "Acme"
    """)
    assert problems == []
    assert config.title == "Acme OKRs" and config.description == "What we are aiming for"
    assert config.base_url == "/okrs/"  # a trailing slash is added
    assert config.language == "sv" and config.theme == "dark"
    assert config.today == dt.date(2026, 11, 20) and config.current_cycle == "2026-Q4"
    assert config.cycles.fiscal_year_start_month == 2
    assert (config.checkins.stale_after_days, config.checkins.remind_after_days) == (21, 3)
    assert config.scoring.on_track == 1.0 and isinstance(config.scoring.on_track, float)
    assert (config.scoring.at_risk, config.scoring.low_confidence) == (0.5, 0.25)
    assert (config.lint.max_objectives_per_owner, config.lint.max_key_results) == (3, 4)
    assert config.lint.disable == ("stale", "unaligned")
    assert config.markdown.allow_html is True
    assert dict(config.extra) == {"logo_alt": "Acme"}


def test_config_is_frozen_and_hashable():
    config, _ = parse('title = "x"\n[extra]\na = 1\n')
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.title = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.extra["a"] = 2  # type: ignore[index]
    assert config.digest() == parse('title = "x"\n[extra]\na = 1\n')[0].digest()
    assert config.digest() != parse('title = "z"\n')[0].digest()


def test_today_may_be_a_quoted_date():
    config, problems = parse('today = "2026-11-20"\n')
    assert problems == [] and config.today == dt.date(2026, 11, 20)


def test_unknown_top_level_key_names_the_nearest_key(site):
    result = site({
        "site.toml": """
            title = "Acme"
            titel = "Acme OKRs"
        """,
        "content/2026-Q4/acme/grow.md": OBJECTIVE,
    })
    found = result.expect("config-unknown-key", "site.toml", 2, "unknown key titel", column=1)
    assert found.hint == "did you mean `title`?"
    assert result.site.config.title == "Acme"  # the rest of the file still counts


def test_unknown_key_in_a_section_names_the_nearest_key():
    _, problems = parse("""
        [scoring]
          on_trak = 0.8
    """)
    found = only(problems, "config-unknown-key", 2, "[scoring] on_trak")
    assert found.column == 3
    assert found.hint == "did you mean `on_track`?"


def test_unknown_section_names_the_nearest_section():
    _, problems = parse("[lints]\nmax_key_results = 3\n")
    found = only(problems, "config-unknown-key", 1, "unknown key lints")
    assert found.hint == "did you mean `lint`?"


@pytest.mark.parametrize("key, section", [
    ("stale_after_days = 7", "checkins"),
    ("low_confidence = 0.3", "scoring"),
    ("disable = []", "lint"),
    ("fiscal_year_start_month = 2", "cycles"),
])
def test_a_section_key_at_the_top_points_to_its_section(key, section):
    _, problems = parse(key + "\n")
    found = only(problems, "config-unknown-key", 1, "unknown key")
    assert f"[{section}]" in found.hint


@pytest.mark.parametrize("text, line, message", [
    ('title = 3\n', 1, "title must be a string, not int 3"),
    ('language = "en"\n[scoring]\non_track = "high"\n', 3, "[scoring] on_track must be a number"),
    ('[checkins]\nstale_after_days = 2.5\n', 2, "must be a whole number"),
    ('[checkins]\nstale_after_days = true\n', 2, "must be a whole number, not the boolean true"),
    ('[markdown]\nallow_html = "yes"\n', 2, "must be true or false"),
    ('today = "next week"\n', 1, "today must be a date"),
    ('[lint]\ndisable = "stale"\n', 2, "must be a list of strings"),
    ('scoring = 0.9\n', 1, "scoring must be a table [scoring]"),
    ('extra = "x"\n', 1, "extra must be a table"),
])
def test_wrong_types_are_errors(text, line, message):
    config, problems = parse(text)
    only(problems, "config-type", line, message)
    assert config == dataclasses.replace(config)  # still a usable config (defaults filled in)


@pytest.mark.parametrize("text, line, message", [
    ('[cycles]\nfiscal_year_start_month = 13\n', 2, "fiscal_year_start_month = 13 is out of range 1..12"),
    ('[cycles]\nfiscal_year_start_month = 0\n', 2, "out of range 1..12"),
    ('[scoring]\non_track = 1.5\n', 2, "on_track = 1.5 is out of range 0.0..1.0"),
    ('[lint]\nmax_key_results = 0\n', 2, "max_key_results = 0 is out of range"),
    ('[checkins]\nstale_after_days = 0\n', 2, "stale_after_days = 0"),
    ('[scoring]\non_track = 0.5\nat_risk = 0.7\n', 3, "at_risk (0.7) is above on_track (0.5)"),
])
def test_values_out_of_range_are_errors_and_fall_back_to_defaults(text, line, message):
    config, problems = parse(text)
    only(problems, "config-range", line, message)
    assert config.scoring == SiteConfig().scoring or "scoring" not in text
    assert config.cycles.fiscal_year_start_month == 1


def test_unsupported_language_is_an_error_with_a_suggestion():
    config, problems = parse('language = "se"\n')
    found = only(problems, "config-value", 1, "language = 'se' is not supported")
    assert "`en`" in found.hint and "`sv`" in found.hint
    assert config.language == "en"


def test_base_url_must_be_a_path_or_url():
    config, problems = parse('base_url = "okrs"\n')
    only(problems, "config-value", 1, "base_url 'okrs' must start with / or http(s)://")
    assert config.base_url == "/"
    assert parse('base_url = "https://okrs.example.com"\n')[0].base_url == "https://okrs.example.com/"


def test_lint_disable_accepts_only_warning_codes():
    _, problems = parse('[lint]\ndisable = ["stal", "yaml-syntax"]\n')
    assert [d.code for d in problems] == ["config-value", "config-value"]
    assert problems[0].hint == "did you mean `stale`?" and problems[0].line == 2
    assert "'yaml-syntax', which is not a warning code" in problems[1].message


def test_toml_syntax_error_points_at_line_and_column(site):
    result = site({
        "site.toml": 'title = "Acme"\nbase_url = /okrs/\n',
        "content/2026-Q4/acme/grow.md": OBJECTIVE,
    })
    found = result.expect("toml-syntax", "site.toml", 2, "site.toml is not valid TOML")
    assert found.column == 12
    assert "quotes" in found.hint
    assert len(result.site.objectives) == 1  # the content is still checked


def test_site_toml_that_is_not_utf8_is_an_error(site):
    result = site({
        "site.toml": 'title = "Acme"\ndescription = "caf\xe9"\n'.encode("latin-1"),
        "content/2026-Q4/acme/grow.md": OBJECTIVE,
    })
    result.expect("encoding", "site.toml", 2, "site.toml is not valid UTF-8")


def test_current_cycle_must_name_a_cycle(site):
    result = site({
        "site.toml": 'title = "Acme"\ncurrent_cycle = "2026-Q5"\n',
        "content/2026-Q4/acme/grow.md": OBJECTIVE,
    })
    found = result.expect("config-value", "site.toml", 2, "current_cycle = '2026-Q5' names no cycle")
    assert found.hint == "did you mean `2026-Q4`?"


def test_build_date_order(monkeypatch):
    pinned = SiteConfig(today=dt.date(2026, 1, 2))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21 UTC
    assert build_date(pinned, dt.date(2025, 5, 5)) == dt.date(2025, 5, 5)
    assert build_date(pinned) == dt.date(2026, 1, 2)
    assert build_date(SiteConfig()) == dt.date(2026, 9, 21)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert build_date(SiteConfig()) == dt.datetime.now(dt.UTC).date()


def test_configuration_md_lists_every_option():
    text = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, key, default, _ in option_docs():
        if key == "extra":
            assert "## [extra]" in text
            continue
        heading = f"## [{section}]" if section else "## Top level"
        assert heading in text, heading
        row = f"| `{key}` | {f'`{default}`' if default else 'unset'} |"
        assert row in text.split(heading, 1)[1].split("\n## ", 1)[0], f"{section} {key} {default}"


def test_option_docs_lists_every_option_with_a_doc():
    rows = option_docs()
    names = {(section, key) for section, key, _, _ in rows}
    assert ("", "title") in names and ("scoring", "on_track") in names and ("lint", "disable") in names
    assert all(doc for *_, doc in rows)
    defaults = {(section, key): default for section, key, default, _ in rows}
    assert defaults[("", "title")] == '"OKRs"'
    assert defaults[("lint", "disable")] == "[]"
    assert defaults[("markdown", "allow_html")] == "false"
    assert defaults[("", "today")] == ""  # unset
