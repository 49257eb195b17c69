"""Diagnostics: what is wrong, where, and how to fix it.

Every problem okrsite finds in a site becomes a `Diagnostic` carrying the file (relative to the
site), the line and column, a severity, a stable code, a message and an optional hint. Readers
collect them in a `Diagnostics` list and carry on, so one run reports every problem.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in one file."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_text(self) -> str:
        head = f"{self.path}:{self.line}:{self.column}: {self.severity.value}: {self.message} [{self.code}]"
        return _printable(f"{head}\n    hint: {self.hint}" if self.hint else head)

    def as_github(self, prefix: str = "") -> str:
        kind = "error" if self.is_error else "warning"
        text = _printable(f"{self.message} (hint: {self.hint})" if self.hint else self.message)
        return (
            f"::{kind} file={_gh_property(prefix + self.path)},line={self.line},col={self.column},"
            f"title={_gh_property('okrsite ' + self.code)}::{_gh_data(text)}"
        )

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


# Control characters a terminal would act on (an escape sequence in a YAML key could clear the
# screen or retitle the window); tabs and line ends are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), never sent as they are."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Location:
    """A place in a file: the path relative to the site, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1


@dataclass
class Diagnostics:
    """An append-only collection of diagnostics, with helpers to report at a location."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, at: Location, code: str, message: str, hint: str = "") -> None:
        self.items.append(
            Diagnostic(at.path, at.line, at.column, Severity.ERROR, code, message, hint)
        )

    def warning(self, at: Location, code: str, message: str, hint: str = "") -> None:
        self.items.append(
            Diagnostic(at.path, at.line, at.column, Severity.WARNING, code, message, hint)
        )

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def sorted(self) -> list[Diagnostic]:
        return sort_diagnostics(self.items)


def sort_diagnostics(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Unique diagnostics by file, line, column, code."""
    return sorted(set(items), key=lambda d: (d.path, d.line, d.column, d.code, d.message))


class SiteError(Exception):
    """A site could not be loaded or built; carries the diagnostics that explain why."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0].as_text() if errors else "unknown error"
        super().__init__(f"{len(errors)} error(s); first: {first}")


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate closest to `word`, if one is close enough to be a likely typo."""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


def suggestion_hint(word: str, candidates: Iterable[str], what: str = "") -> str:
    """'did you mean `x`?' when a close match exists, else the list of valid names."""
    options = sorted(set(candidates))
    close = did_you_mean(word, options)
    if close is not None:
        return f"did you mean `{close}`?"
    if not options:
        return ""
    listed = ", ".join(f"`{o}`" for o in options[:_LISTED])
    if len(options) > _LISTED:
        listed += f", … ({len(options) - _LISTED} more)"
    return f"valid {what or 'names'}: {listed}"


_LISTED = 15  # names listed in a hint when none is close to what was written


def format_text(diagnostics: Sequence[Diagnostic]) -> str:
    lines = [d.as_text() for d in diagnostics]
    return "\n".join(lines)


def format_github(diagnostics: Sequence[Diagnostic], prefix: str = "") -> str:
    """GitHub Actions workflow commands; `prefix` leads from the repository root to the site."""
    return "\n".join(d.as_github(prefix) for d in diagnostics)


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    payload = {
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [d.as_dict() for d in diagnostics],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def summary_line(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
