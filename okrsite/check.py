"""check_site(): load, score and lint a site in one call: what `okrsite check` runs."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from .config import build_date
from .content.loader import DigestsAhead, Loaded, OnParsed, ParseCache, SeenFiles, load_site
from .content.units import SiteState
from .diagnostics import Diagnostic, Severity, sort_diagnostics
from .lint import lint_site
from .model import Site, SiteIndex
from .scoring import Scores, rescore, restrict_scores, score_site


@dataclass(frozen=True)
class Checked:
    """What a check leaves for the next one: the loaded site's state and the scores (of every
    objective the published view holds, private ones too)."""

    site: SiteState
    scores: Scores
    drafts: bool
    public: bool
    hidden: frozenset[str]  # objectives the published view leaves out (drafts, private ones)


@dataclass(frozen=True)
class CheckResult:
    """The full model, the published view and its scores, and every diagnostic, sorted."""

    loaded: Loaded
    site: Site | None  # the published view (drafts only when asked)
    scores: Scores | None
    diagnostics: tuple[Diagnostic, ...]
    today: dt.date
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: load, score
    state: Checked | None = None  # for the next check
    # Objectives that may read differently than in the last check (their files, check-ins or
    # scores changed); None: any (there was no last check to compare with).
    changed: frozenset[str] | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))


def _around(index: SiteIndex, toggled: frozenset[str]) -> set[str]:
    """Objectives that read differently when these enter or leave the published view (a
    draft published, say): they, their children (a parent less) and those linking to them."""
    if not toggled:
        return set()
    found = set(toggled)
    found.update(c for t in toggled for c in index.children.get(t, ()))
    found.update(h.id for h in index.objectives.values() if any(kr.linked in toggled for kr in h.key_results))
    return found


def check_site(
    site_dir: Path,
    *,
    today: dt.date | None = None,
    drafts: bool = False,
    public: bool = False,
    cache: ParseCache | None = None,
    previous: Checked | None = None,
    seen: SeenFiles | None = None,
    touched: Collection[str] | None = None,
    scored: Callable[[CheckResult], object] | None = None,
    jobs: int | None = None,
    ahead: DigestsAhead | None = None,
    parsed: OnParsed | None = None,
) -> CheckResult:
    """Load `site_dir`, score the published view on `today`, and lint it. With the state of
    the last check, only what changed since is read and scored again (and with what it found
    in the folder and the paths touched since, only those are read: see load_site).
    `scored`: called, when the site loaded without errors, with the result before linting
    (linting finds warnings only): a dev server publishes the pages tabs show from it.
    `jobs`: processes the load may parse files in (None: one per core); `ahead`: the digests
    of the units' files, begun already; `parsed`: called with the documents once parsed (see
    load_site)."""
    started = time.perf_counter()
    if previous is not None and (previous.drafts, previous.public) != (drafts, public):
        previous = None
    # The model lives as long as the process needs it and holds no reference cycles: keep the
    # cycle collector from scanning its millions of objects again on every collection.
    loaded = load_site(site_dir, cache=cache, keep=True, previous=previous.site if previous else None,
                       seen=seen, touched=touched, jobs=jobs, ahead=ahead, parsed=parsed)
    loaded_at = time.perf_counter()
    if loaded.site is None:  # pragma: no cover - load_site always returns a model
        return CheckResult(loaded, None, None, loaded.diagnostics, today or dt.date.today())
    when = build_date(loaded.site.config, today)
    view = loaded.site.view(drafts=drafts, public=False)
    again: set[str] | None = None
    if previous is not None and loaded.changed is not None:
        scores, again = rescore(view, previous.scores, loaded.changed, today=when)
    else:
        scores = score_site(view, when)
    all_scores = Scores(when, {}, scores.objectives, scores.cycles)
    if public:
        # Scores come from the whole (intranet) model, so an objective reads the same in both
        # builds; the public view only leaves private objectives out of pages and counts.
        view = loaded.site.view(drafts=drafts, public=True)
        scores = restrict_scores(scores, view)
    hidden = frozenset(set(loaded.site.index.objectives) - set(view.index.objectives))
    changed: frozenset[str] | None = None
    if previous is not None and again is not None and loaded.changed is not None:
        changed = frozenset({*loaded.changed, *again, *_around(loaded.site.index, hidden ^ previous.hidden)})
    state = Checked(loaded.state, all_scores, drafts, public, hidden) if loaded.state is not None else None
    paused = 0.0
    if scored is not None and loaded.ok:
        paused = time.perf_counter()
        scored(CheckResult(loaded, view, scores, loaded.diagnostics, when, {}, state, changed))
        paused = time.perf_counter() - paused
    lint = lint_site(view, scores)
    diagnostics = tuple(sort_diagnostics([*loaded.diagnostics, *lint.items]))
    timings = {"load": loaded_at - started, "score": time.perf_counter() - loaded_at - paused}
    return CheckResult(loaded, view, scores, diagnostics, when, timings, state, changed)
