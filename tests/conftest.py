"""Shared test helpers: build small fixture sites inside a test and check them.

    def test_something(site):
        result = site({
            "content/2026-Q4/acme/grow.md": '''
                ---
                title: Grow
                ---
            ''',
        })
        result.expect("no-key-results", "content/2026-Q4/acme/grow.md", line=2)

Files are written with `textwrap.dedent` (and a leading newline dropped), so front matter can
be indented with the test code. `site.root` is the site folder; `site.write()` adds files
without checking, `site.check()` checks what is there.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from okrsite.check import CheckResult, check_site
from okrsite.diagnostics import Diagnostic
from okrsite.model import KeyResult, Objective, Site
from okrsite.scoring import KRScore, ObjectiveScore, Scores

TODAY = dt.date(2026, 11, 20)  # inside 2026-Q4, the cycle most fixtures use

# Hypothesis: the same examples on every CI run; HYPOTHESIS_PROFILE=thorough for a long local run
# (tests/test_fuzz.py scales its example counts with the profile's max_examples).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))

# A sample owner for tests: an objective with numeric (increasing, decreasing, weighted),
# milestone and linked key results, and the objective the linked one takes progress from.
RELIABILITY = """
    ---
    title: Make the platform boringly reliable
    key_results:
      - {id: uptime, title: Availability, start: 99.5, target: 99.95}
      - {id: p99, title: p99 latency, start: 800, target: 300, weight: 2}
      - {id: runbooks, title: Every service has a runbook}
      - {id: adoption, title: Teams ship on it, objective: adoption}
    ---
"""
ADOPTION = """
    ---
    title: Teams adopt the platform
    key_results:
      - {id: teams, title: Teams on the platform, start: 0, target: 10}
      - {id: guide, title: Publish the guide}
      - {id: burn, title: Error budget burn, target: "<= 1.0"}
    ---
"""
PLATFORM = {"content/2026-Q4/platform/reliability.md": RELIABILITY, "content/2026-Q4/platform/adoption.md": ADOPTION}
SHARED = Path(os.environ.get("OKRSITE_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def dedent(text: str) -> str:
    """The text as written in a test: common indentation and the first newline removed."""
    return textwrap.dedent(text).removeprefix("\n")


@dataclass(frozen=True)
class Checked:
    """A `CheckResult` with helpers to find diagnostics, objectives, KRs and scores."""

    result: CheckResult

    @property
    def site(self) -> Site:
        assert self.result.site is not None
        return self.result.site

    @property
    def scores(self) -> Scores:
        assert self.result.scores is not None
        return self.result.scores

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.result.diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return self.result.errors

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.result.warnings

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def with_code(self, code: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.code == code]

    def expect(
        self, code: str, path: str, line: int, message: str = "", *, column: int | None = None
    ) -> Diagnostic:
        """The one diagnostic `code` at `path:line` whose message contains `message`."""
        found = [
            d for d in self.with_code(code)
            if d.path == path and d.line == line and message in d.message
        ]
        assert len(found) == 1, (
            f"expected one {code} at {path}:{line} with {message!r}; got:\n" + self.text()
        )
        if column is not None:
            assert found[0].column == column, found[0].as_text()
        return found[0]

    def assert_clean(self, *, warnings: bool = False) -> None:
        """No errors (and, with `warnings`, no warnings either)."""
        bad = self.diagnostics if warnings else self.errors
        assert not bad, self.text()

    def text(self) -> str:
        return "\n".join(d.as_text() for d in self.diagnostics) or "(no diagnostics)"

    def objective(self, objective_id: str) -> Objective:
        return self.site.objectives[objective_id]

    def kr(self, ref: str) -> KeyResult:
        objective_id, kr_id = ref.split("#")
        kr = self.objective(objective_id).kr(kr_id)
        assert kr is not None, f"no key result {ref}"
        return kr

    def score(self, objective_id: str) -> ObjectiveScore:
        return self.scores.objectives[objective_id]

    def kr_score(self, ref: str) -> KRScore:
        objective_id, kr_id = ref.split("#")
        return self.scores.kr(objective_id, kr_id)


class FixtureSite:
    """A site folder in tmp_path that a test fills with files and checks."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, files: Mapping[str, str | bytes]) -> FixtureSite:
        for rel, content in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(dedent(content), encoding="utf-8")
        return self

    def check(self, *, today: dt.date | None = TODAY, drafts: bool = False,
              public: bool = False) -> Checked:
        return Checked(check_site(self.root, today=today, drafts=drafts, public=public))

    def __call__(self, files: Mapping[str, str | bytes] | None = None, **options: object) -> Checked:
        """Write `files`, then check the site (options as for `check`)."""
        self.write(files or {})
        return self.check(**options)  # type: ignore[arg-type]


@pytest.fixture
def site(tmp_path: Path) -> FixtureSite:
    """An empty site folder; call it with {relative path: text} to write files and check."""
    root = tmp_path / "site"
    root.mkdir()
    return FixtureSite(root)


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the clone (../shared, or $OKRSITE_SHARED); skips if absent."""
    if not SHARED.is_dir():
        pytest.skip(f"no shared folder at {SHARED} (set OKRSITE_SHARED)")
    return SHARED
