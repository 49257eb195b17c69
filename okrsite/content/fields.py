"""Typed readers for front-matter fields.

A `Fields` wraps one mapping of a file's front matter (the top level, or a key result, or one
check-in update) and reads values of a given type. A value of the wrong type is reported with
its line and a hint, and the reader returns None, so loading carries on and reports the rest.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostics, Location, suggestion_hint
from .frontmatter import FrontMatter, Path_

_NUMBER_RE = re.compile(r"^[+-]?(\d{1,3}([,_ \u00a0]\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$")
_PERCENT_RE = re.compile(r"^([+-]?\d+(\.\d+)?)\s*%$")


@dataclass(frozen=True)
class Fields:
    """Reads the fields of the mapping at `at` inside a file's front matter."""

    fm: FrontMatter
    data: Mapping[str, Any]
    at: Path_
    diagnostics: Diagnostics

    def where(self, key: str | int | None = None) -> Location:
        return self.fm.where(*self.at) if key is None else self.fm.where(*self.at, key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def reported(self, key: str) -> bool:
        """Whether reading the YAML already reported a problem with this value (it reads None)."""
        at = self.where(key)
        return key in self.data and any(
            d.path == at.path and (d.line, d.column) == (at.line, at.column) for d in self.diagnostics.items
        )

    def check_known(self, allowed: Collection[str], what: str) -> None:
        """Report every key not in `allowed`, with the nearest valid one."""
        for key in self.data:
            if key not in allowed:
                self.diagnostics.error(
                    self.fm.where_key(*self.at, key), "unknown-field",
                    f"unknown field `{key}` in {what}", suggestion_hint(key, allowed, "fields"),
                )

    def _wrong(self, key: str, expected: str, hint: str = "") -> None:
        value = self.data[key]
        self.diagnostics.error(
            self.where(key), "wrong-type",
            f"`{key}` must be {expected}, not {describe(value)}", hint,
        )

    def text(self, key: str) -> str | None:
        """A one-line or multi-line text; numbers and dates are taken as their text."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            self._wrong(key, "text", f'quote it if you mean the word: {key}: "{str(value).lower()}"')
            return None
        if isinstance(value, (str, int, float, dt.date)):
            return str(value)
        self._wrong(key, "text", f'write one line of text, e.g. {key}: "..." (quotes keep `[`, `{{` and `: ` as text)')
        return None

    def required_text(self, key: str, what: str, example: str) -> str | None:
        """A text that must be present and not blank."""
        if key not in self.data:
            self.diagnostics.error(
                self.where(), "missing-field", f"{what} has no `{key}`",
                f"add a line `{key}: {example}`",
            )
            return None
        value = self.text(key)
        if value is None and self.data[key] is not None:
            return None  # wrong type, already reported
        if value is None or not value.strip():
            self.diagnostics.error(
                self.where(key), "empty-field", f"`{key}` of {what} is empty",
                f"write it out, e.g. `{key}: {example}`",
            )
            return None
        return value

    def number(self, key: str) -> float | None:
        """A finite number; numeric text like "1,200" is accepted."""
        value = self.data.get(key)
        if value is None:
            return None
        parsed = parse_number(value)
        if parsed is None:
            self.diagnostics.error(
                self.where(key), "not-a-number",
                f"`{key}` must be a number, not {describe(value)}",
                "write digits only, e.g. 1200 or 99.5; put the unit in `unit:`",
            )
        return parsed

    def fraction(self, key: str) -> float | None:
        """A share: 40% or 0.4, between 0 and 1 (0% and 100%)."""
        value = self.data.get(key)
        if value is None:
            return None
        share = parse_fraction(value)
        if share is None:
            self.diagnostics.error(
                self.where(key), "not-a-fraction",
                f"`{key}` must be a share like 40% or 0.4, not {describe(value)}",
                "write a percentage with % (40%) or a fraction between 0 and 1 (0.4)",
            )
        return share

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        self._wrong(key, "true or false", f"write {key}: true or {key}: false, without quotes")
        return None

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            parsed = parse_date(value)
            if parsed is not None:
                return parsed
        self._wrong(key, "a date like 2026-11-20", f"write {key}: YYYY-MM-DD, e.g. {key}: 2026-11-20")
        return None

    def choice(self, key: str, choices: Collection[str]) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        if value not in choices:
            self.diagnostics.error(
                self.where(key), "invalid-value",
                f"`{key}: {value}` is not one of {', '.join(sorted(choices))}",
                suggestion_hint(value, choices, "values"),
            )
            return None
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of texts; a single text is a list of one."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return (str(value),)
        if isinstance(value, list) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
        ):
            return tuple(str(v) for v in value)
        self._wrong(key, "a list of names", f"e.g. {key}: [one, two]")
        return ()

    def mapping_list(self, key: str) -> list[Fields]:
        """A list of mappings (such as key_results); items that are not mappings are reported."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(key, "a list (each item on a line starting with `- `)",
                        f"write each item of `{key}` on its own line, starting with `- `")
            return []
        items: list[Fields] = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                items.append(Fields(self.fm, item, self.at + (key, index), self.diagnostics))
            elif isinstance(item, str):
                items.append(Fields(self.fm, {"title": item}, self.at + (key, index), self.diagnostics))
            else:
                self.diagnostics.error(
                    self.fm.where(*self.at, key, index), "wrong-type",
                    f"item {index + 1} of `{key}` must be a mapping of fields, not {describe(item)}",
                    "write the item's fields as `- name: value` lines, or {name: value, ...}",
                )
        return items


def parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            return None
    elif isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        number = float(re.sub(r"[,_ \u00a0]", "", value.strip()))
    else:
        return None
    return number if math.isfinite(number) else None


def parse_fraction(value: Any) -> float | None:
    """A share 0..1, written as a fraction (0.4) or a percentage (40%); None otherwise."""
    if isinstance(value, str):
        match = _PERCENT_RE.match(value.strip())
        value = float(match.group(1)) / 100 if match else parse_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or not 0 <= value <= 1:
        return None
    return float(value)


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def describe(value: Any) -> str:
    """A short description of a YAML value for messages."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (true/false)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the text "{shown}"'
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"`{value}`"
