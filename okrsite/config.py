"""site.toml → a typed, frozen SiteConfig.

Each section is a frozen dataclass; each option a typed field with a default and a one-line doc
(`doc` metadata, also used by `docs/configuration.md`). Unknown keys, wrong types and values out
of range are collected as diagnostics that name the line and the nearest valid key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args, get_origin, get_type_hints

from babel import localedata

from .content.frontmatter import without_controls
from .diagnostics import Diagnostics, Location, suggestion_hint
from .rules import WARNING_CODES

CONFIG_FILE = "site.toml"
LANGUAGES = ("en", "sv")  # the built-in theme's strings files; a site theme may add more


def _opt(default: Any, doc: str, **limits: Any) -> Any:
    return field(default=default, metadata={"doc": doc, **limits})


@dataclass(frozen=True)
class CyclesConfig:
    fiscal_year_start_month: int = _opt(
        1, "Month (1-12) in which the fiscal year starts; 2 makes FY2027-Q1 begin 2026-02-01.",
        min=1, max=12,
    )


@dataclass(frozen=True)
class CheckinsConfig:
    stale_after_days: int = _opt(
        14, "A running objective with no check-in for this many days is stale.", min=1, max=366
    )
    remind_after_days: int = _opt(
        7, "`okrsite remind` lists objectives with no check-in for this many days.", min=1, max=366
    )


@dataclass(frozen=True)
class ScoringConfig:
    on_track: float = _opt(
        0.9, "Progress at least this share of the expected progress is on track.", min=0.0, max=1.0
    )
    at_risk: float = _opt(
        0.6, "Progress at least this share of expected (but below on_track) is at risk.",
        min=0.0, max=1.0,
    )
    low_confidence: float = _opt(
        0.4, "A latest confidence below this (0-1) marks an objective low confidence.",
        min=0.0, max=1.0,
    )


@dataclass(frozen=True)
class LintConfig:
    max_objectives_per_owner: int = _opt(
        5, "Warn when an owner has more objectives than this in one cycle.", min=1, max=1000
    )
    max_key_results: int = _opt(
        5, "Warn when an objective has more key results than this.", min=1, max=1000
    )
    disable: tuple[str, ...] = _opt((), "Warning codes to silence, e.g. [\"no-key-results\"].")


@dataclass(frozen=True)
class MarkdownConfig:
    allow_html: bool = _opt(
        False, "Let raw HTML in Markdown through. Off: HTML in content is shown as text."
    )


@dataclass(frozen=True)
class SearchConfig:
    enabled: bool = _opt(
        True, "Build a full-text search index with Pagefind (when installed) after each build "
              "that changed a page; the search page falls back to titles without it."
    )


@dataclass(frozen=True)
class SiteConfig:
    title: str = _opt("OKRs", "The site's name, shown in the header and the page titles.")
    description: str = _opt("", "One line about the site, shown on the home page and in feeds.")
    base_url: str = _opt("/", "Path or URL the site is served under, e.g. \"/okrs/\".")
    language: str = _opt(
        "en", "Language of the theme's strings and of date and number formats: \"en\" or \"sv\", "
              "or one the site's theme has a strings/<language>.yaml for."
    )
    theme: str = _opt("default", "Theme name: themes/<name>/ in the site, else the built-in one.")
    today: dt.date | None = _opt(None, "Pin the build's date (else SOURCE_DATE_EPOCH, else the clock).")  # noqa: RUF009
    current_cycle: str | None = _opt(None, "Cycle shown on the home page (else the one running today).")
    cycles: CyclesConfig = field(default_factory=CyclesConfig)
    checkins: CheckinsConfig = field(default_factory=CheckinsConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    lint: LintConfig = field(default_factory=LintConfig)
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    extra: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata={"doc": "Free-form values for themes; never checked."},
    )

    def digest(self) -> str:
        """A stable hash of every setting, for cache keys."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


def build_date(config: SiteConfig, override: dt.date | None = None) -> dt.date:
    """The date a build is made for: --today, else site.toml `today`, else SOURCE_DATE_EPOCH,
    else the clock (UTC)."""
    if override is not None:
        return override
    if config.today is not None:
        return config.today
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def load_config(site_dir: Path, diagnostics: Diagnostics) -> SiteConfig:
    """Read `site.toml` in `site_dir` (a missing file means all defaults)."""
    path = site_dir / CONFIG_FILE
    if not path.is_file():
        return SiteConfig()
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diagnostics.error(
            Location(CONFIG_FILE, _line_of_offset(raw_bytes, exc.start)), "encoding",
            "site.toml is not valid UTF-8", "save the file as UTF-8",
        )
        return SiteConfig()
    return parse_config(text, diagnostics, site_dir)


def site_languages(site_dir: Path | None, theme: str) -> tuple[str, ...]:
    """The built-in languages, plus those the site's theme `theme` has a strings file for."""
    folder = site_dir / "themes" / theme / "strings" if site_dir is not None else None
    added = {p.stem for p in folder.glob("*.yaml")} if folder and folder.is_dir() else set()
    return tuple(sorted(set(LANGUAGES) | {lang for lang in added if localedata.exists(lang)}))


def parse_config(text: str, diagnostics: Diagnostics, site_dir: Path | None = None) -> SiteConfig:
    """Parse the text of a site.toml; problems go to `diagnostics`, defaults fill the gaps.
    With `site_dir`, a language the site's theme adds strings for is accepted too."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_error_position(str(exc))
        diagnostics.error(
            Location(CONFIG_FILE, line, column), "toml-syntax", f"site.toml is not valid TOML: {exc}",
            "check quotes around strings and `key = value` pairs",
        )
        return SiteConfig()
    reader = _Reader(text, diagnostics)
    config = reader.read_section(SiteConfig, data, section="")
    config = _check_language(config, reader, site_languages(site_dir, config.theme))
    return _check_cross_fields(config, reader)


def _check_language(config: SiteConfig, reader: _Reader, languages: tuple[str, ...]) -> SiteConfig:
    if config.language in languages:
        return config
    reader.diagnostics.error(
        reader.locate("", "language"), "config-value",
        f"language = {config.language!r} is not supported",
        "; ".join(filter(None, [
            suggestion_hint(config.language, languages, "values"),
            f"a site theme adds one with themes/{config.theme}/strings/{config.language}.yaml",
        ])),
    )
    return dataclasses.replace(config, language="en")


_THEME_NAME = re.compile(r"^[^\W_][\w.-]*$")


def _check_cross_fields(config: SiteConfig, reader: _Reader) -> SiteConfig:
    if config.scoring.at_risk > config.scoring.on_track:
        reader.diagnostics.error(
            reader.locate("scoring", "at_risk"), "config-range",
            f"[scoring] at_risk ({config.scoring.at_risk}) is above on_track ({config.scoring.on_track})",
            "at_risk is the lower threshold: e.g. on_track = 0.9, at_risk = 0.6",
        )
        config = dataclasses.replace(config, scoring=ScoringConfig())
    for code in config.lint.disable:
        if code not in WARNING_CODES:
            reader.diagnostics.error(
                reader.locate("lint", "disable"), "config-value",
                f"[lint] disable names {code!r}, which is not a warning code",
                suggestion_hint(code, WARNING_CODES, "warning codes"),
            )
    if not _THEME_NAME.match(config.theme):
        reader.diagnostics.error(
            reader.locate("", "theme"), "config-value",
            f"theme {config.theme!r} is not a folder name of themes/",
            'name a folder of themes/ (letters, digits, ".", "_", "-"), or use theme = "default"',
        )
        config = dataclasses.replace(config, theme="default")
    config = dataclasses.replace(  # shown in every page and feed
        config, title=without_controls(config.title, reader.locate("", "title"), reader.diagnostics),
        description=without_controls(config.description, reader.locate("", "description"), reader.diagnostics),
    )
    base = config.base_url
    if not (base.startswith("/") or re.match(r"^https?://", base)):
        reader.diagnostics.error(
            reader.locate("", "base_url"), "config-value",
            f"base_url {base!r} must start with / or http(s)://",
            'e.g. base_url = "/" or base_url = "/okrs/" or "https://okrs.example.com/"',
        )
        config = dataclasses.replace(config, base_url="/")
    elif not base.endswith("/"):
        config = dataclasses.replace(config, base_url=base + "/")
    return config


class _Reader:
    """Reads TOML tables into config dataclasses, reporting problems with their lines."""

    def __init__(self, text: str, diagnostics: Diagnostics):
        self.lines = text.splitlines()
        self.diagnostics = diagnostics

    def read_section(self, cls: type, data: dict[str, Any], section: str) -> Any:
        hints = get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in fields:
                self._unknown_key(section, key, fields)
                continue
            f = fields[key]
            kind = hints[key]
            if key == "extra":
                if isinstance(value, dict):
                    values[key] = MappingProxyType(value)
                else:
                    self._wrong_type(section, key, value, "a table")
                continue
            if dataclasses.is_dataclass(kind):
                if isinstance(value, dict):
                    values[key] = self.read_section(kind, value, key)
                else:
                    self._wrong_type(section, key, value, f"a table [{key}]")
                continue
            converted = self._convert(section, key, value, kind, f.metadata)
            if converted is not _INVALID:
                values[key] = converted
        return cls(**values)

    def locate(self, section: str, key: str) -> Location:
        return locate_option(self.lines, section, key)

    def _name(self, section: str, key: str) -> str:
        return f"[{section}] {key}" if section else key

    def _unknown_key(self, section: str, key: str, fields: Mapping[str, Any]) -> None:
        hint = suggestion_hint(key, fields, "keys")
        if not section and key in _SECTION_KEYS:
            hint = f"`{key}` belongs in a section: see the `[{_SECTION_KEYS[key]}]` table"
        self.diagnostics.error(
            self.locate(section, key), "config-unknown-key",
            f"unknown key {self._name(section, key)!s} in site.toml", hint,
        )

    def _wrong_type(self, section: str, key: str, value: Any, expected: str) -> None:
        self.diagnostics.error(
            self.locate(section, key), "config-type",
            f"{self._name(section, key)} must be {expected}, not {_describe(value)}",
            f"write {expected}; docs/configuration.md lists every option with its default",
        )

    def _convert(
        self, section: str, key: str, value: Any, kind: Any, meta: Mapping[str, Any]
    ) -> Any:
        base, _ = _unwrap_optional(kind)
        expected = _TYPE_NAMES.get(base, "a list of strings")
        if base is bool:
            ok = isinstance(value, bool)
        elif base is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif base is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif base is str:
            ok = isinstance(value, str)
        elif base is dt.date:
            value = _as_date(value)
            ok = value is not None
        elif get_origin(base) is tuple:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else value
        else:  # pragma: no cover - a config field of a type this reader does not know
            raise TypeError(f"unsupported config type {kind!r}")
        if not ok:
            self._wrong_type(section, key, value, expected)
            return _INVALID
        return self._check_limits(section, key, value, meta)

    def _check_limits(self, section: str, key: str, value: Any, meta: Mapping[str, Any]) -> Any:
        low, high, choices = meta.get("min"), meta.get("max"), meta.get("choices")
        if (low is not None and value < low) or (high is not None and value > high):
            self.diagnostics.error(
                self.locate(section, key), "config-range",
                f"{self._name(section, key)} = {value} is out of range {low}..{high}",
                f"use a value from {low} to {high}",
            )
            return _INVALID
        if choices is not None and value not in choices:
            self.diagnostics.error(
                self.locate(section, key), "config-value",
                f"{self._name(section, key)} = {value!r} is not supported",
                suggestion_hint(str(value), choices, "values"),
            )
            return _INVALID
        return value


_INVALID = object()
_TYPE_NAMES: dict[Any, str] = {
    bool: "true or false", int: "a whole number", float: "a number", str: "a string",
    dt.date: 'a date like "2026-11-20"',
}


def _section_keys() -> dict[str, str]:
    """Each option of a [section] table → its section, to point a misplaced key to it."""
    found: dict[str, str] = {}
    for f in dataclasses.fields(SiteConfig):
        kind = get_type_hints(SiteConfig)[f.name]
        if f.name != "extra" and dataclasses.is_dataclass(kind):
            found.update((option.name, f.name) for option in dataclasses.fields(kind))
    return found


_SECTION_KEYS = _section_keys()


def locate_option(lines: list[str], section: str, key: str) -> Location:
    """Where `key` of `[section]` (or the section header, without key) is written in site.toml."""
    current = ""
    key_re = re.compile(rf"^(\s*)[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            current = header.group(1)
            if current == section and not key:
                return Location(CONFIG_FILE, number, 1)
            continue
        found = key_re.match(line) if key and current == section else None
        if found:
            return Location(CONFIG_FILE, number, len(found.group(1)) + 1)
    return Location(CONFIG_FILE, 1, 1)


def option_location(site_dir: Path, section: str, key: str) -> Location:
    """Where an option is set in the site.toml of `site_dir` (line 1 when it cannot be found)."""
    try:
        text = (site_dir / CONFIG_FILE).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Location(CONFIG_FILE)
    return locate_option(text.splitlines(), section, key)


def _unwrap_optional(kind: Any) -> tuple[Any, bool]:
    args = get_args(kind)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return kind, False


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _toml_value(value: Any) -> str:
    """A default as it would be written in site.toml."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}"
    return str(value)


def _toml_error_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def option_docs() -> list[tuple[str, str, str, str]]:
    """(section, key, default as TOML, doc) for every option, for the documentation.

    A default of "" means the option is unset by default (there is no TOML null)."""
    rows: list[tuple[str, str, str, str]] = []

    def walk(cls: type, section: str) -> None:
        for f in dataclasses.fields(cls):
            if f.name != "extra" and dataclasses.is_dataclass(get_type_hints(cls)[f.name]):
                walk(get_type_hints(cls)[f.name], f.name)
                continue
            default = f.default if f.default is not dataclasses.MISSING else {}
            rows.append((section, f.name, _toml_value(default), f.metadata.get("doc", "")))

    walk(SiteConfig, "")
    return rows
