"""Theme strings per language, and dates and numbers formatted for it (Babel).

Strings live in `strings/<language>.yaml` of a theme; a site theme may override any of them.
Keys missing in a language fall back to English, then to the key itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, format_scientific

FALLBACK = "en"


def load_strings(theme_dirs: Iterable[Path], language: str) -> dict[str, Any]:
    """Strings for `language`, merged over English, the later theme folders winning."""
    merged: dict[str, Any] = {}
    dirs = list(theme_dirs)
    for lang in dict.fromkeys((FALLBACK, language)):
        for folder in dirs:
            path = folder / "strings" / f"{lang}.yaml"
            if path.is_file():
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
                merged.update(_flatten(data))
    return merged


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not {"one", "other"} >= set(value):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Strings:
    """Looks up and fills theme strings: t("nav.archive"), t("count.objectives", count=3)."""

    language: str
    table: Mapping[str, Any]

    def __call__(self, key: str, **values: Any) -> str:
        entry = self.table.get(key, key)
        if type(entry) is not str:
            if isinstance(entry, Mapping):
                count = values.get("count", 0)
                entry = entry.get(_plural_form(self.language, abs(count)), entry.get("other", key))
                values.setdefault("n", _integer(self.language, count))
            entry = str(entry)
        return entry.format(**values) if values else entry


@dataclass(frozen=True)
class Formatter:
    """Numbers, percentages and dates in the site's language (memoised: values recur a lot)."""

    language: str

    def percent(self, value: float | None, empty: str = "–") -> str:
        return empty if value is None else _percent(self.language, round(value * 100))

    def number(self, value: float | None, empty: str = "–") -> str:
        return empty if value is None else _number(self.language, round(value, 2))

    def integer(self, value: int) -> str:
        return _integer(self.language, value)

    def grade(self, value: float | None, empty: str = "–") -> str:
        return empty if value is None else _grade(self.language, round(value, 2))

    def date(self, value: dt.date | None, empty: str = "–") -> str:
        return _date(self.language, value, "medium") if value else empty

    def date_short(self, value: dt.date | None, empty: str = "–") -> str:
        return _date(self.language, value, "d MMM") if value else empty

    def date_long(self, value: dt.date | None, empty: str = "–") -> str:
        return _date(self.language, value, "long") if value else empty

    def quantity(self, value: float | None, unit: str = "", empty: str = "–") -> str:
        """A number with its unit: "99.5%" in English, "99,5 %" in Swedish, "300 ms"."""
        return empty if value is None else self.with_unit(self.number(value), unit)

    def with_unit(self, number: str, unit: str) -> str:
        """A formatted number and its unit; a percent sign is spaced as the language spaces it."""
        if not unit:
            return number
        return number + _percent_gap(self.language) + unit if unit == "%" else f"{number} {unit}"


@lru_cache(maxsize=4096)
def _percent(language: str, hundredths: int) -> str:
    return format_percent(hundredths / 100, locale=language)


@lru_cache(maxsize=1 << 16)
def _number(language: str, value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if abs(value) >= 1e15:  # beyond Babel's decimal precision; nobody reads 16 digits anyway
        return format_scientific(value, format="#.##E0", locale=language)
    return format_decimal(value, format="#,##0.##", locale=language)


@lru_cache(maxsize=4096)
def _integer(language: str, value: int) -> str:
    return format_decimal(value, format="#,##0", locale=language)


@lru_cache(maxsize=4096)
def _plural_form(language: str, count: int) -> str:
    return Locale.parse(language).plural_form(count)


@lru_cache(maxsize=1024)
def _grade(language: str, value: float) -> str:
    return format_decimal(value, format="0.0#", locale=language)


@lru_cache(maxsize=16)
def _percent_gap(language: str) -> str:
    """What the language writes between a number and "%": nothing in English, a no-break space
    in Swedish (from its percent pattern, e.g. "#,##0\u00a0%")."""
    pattern = Locale.parse(language).percent_formats[None].pattern
    return pattern[pattern.rfind("0") + 1:pattern.find("%")] if "%" in pattern else ""


@lru_cache(maxsize=1 << 14)
def _date(language: str, value: dt.date, pattern: str) -> str:
    return format_date(value, pattern, locale=language)
