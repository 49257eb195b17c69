"""check_site(): load, score and lint a site in one call: what `okrsite check` runs."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import build_date
from .content.loader import Loaded, ParseCache, load_site
from .diagnostics import Diagnostic, Severity, sort_diagnostics
from .lint import lint_site
from .model import Site
from .scoring import Scores, restrict_scores, score_site


@dataclass(frozen=True)
class CheckResult:
    """The full model, the published view and its scores, and every diagnostic, sorted."""

    loaded: Loaded
    site: Site | None  # the published view (drafts only when asked)
    scores: Scores | None
    diagnostics: tuple[Diagnostic, ...]
    today: dt.date
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: load, score

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))


def check_site(
    site_dir: Path,
    *,
    today: dt.date | None = None,
    drafts: bool = False,
    public: bool = False,
    cache: ParseCache | None = None,
) -> CheckResult:
    """Load `site_dir`, score the published view on `today`, and lint it."""
    started = time.perf_counter()
    # The model lives as long as the process needs it and holds no reference cycles: keep the
    # cycle collector from scanning its millions of objects again on every collection.
    loaded = load_site(site_dir, cache=cache, keep=True)
    loaded_at = time.perf_counter()
    if loaded.site is None:  # pragma: no cover - load_site always returns a model
        return CheckResult(loaded, None, None, loaded.diagnostics, today or dt.date.today())
    when = build_date(loaded.site.config, today)
    view = loaded.site.view(drafts=drafts, public=False)
    scores = score_site(view, when)
    if public:
        # Scores come from the whole (intranet) model, so an objective reads the same in both
        # builds; the public view only leaves private objectives out of pages and counts.
        view = loaded.site.view(drafts=drafts, public=True)
        scores = restrict_scores(scores, view)
    lint = lint_site(view, scores)
    diagnostics = tuple(sort_diagnostics([*loaded.diagnostics, *lint.items]))
    timings = {"load": loaded_at - started, "score": time.perf_counter() - loaded_at}
    return CheckResult(loaded, view, scores, diagnostics, when, timings)
