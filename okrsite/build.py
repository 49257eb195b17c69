"""The build pipeline: load → score → plan → render → write, with timings and a cache.

- The site is written into a staging folder beside the output and swapped in only when every
  page succeeded, so a failed build leaves the previous site untouched.
- Each page has an input digest: a hash of the model objects it reads (render/inputs.py), the
  site-wide globals, the theme and the config. A page whose inputs match the previous build's
  is neither built nor rendered; a page rendered again is written only if its bytes changed.
  That is how an edit re-renders only the pages it touches.
- Builds with many pages to render do it in parallel, one process per core: this one and
  forked children, each taking the next chunk of pages and building their views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import multiprocessing
import multiprocessing.queues
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, cast

from .cache import (
    CACHE_DIR,
    STATE_FILE,
    BuildCache,
    Fragments,
    PageManifest,
    PendingState,
    StatePart,
)
from .check import Checked, CheckResult, check_site
from .config import SiteConfig
from .content.documents import CheckInDoc, ObjectiveDoc
from .content.files import CONTENT_DIR, FileKind, walk_all
from .content.loader import (
    DigestsAhead,
    FromBothEnds,
    collector_paused,
    run_apart,
    young_collections_only,
)
from .content.resolve import Documents
from .content.units import UnitState
from .diagnostics import Diagnostic, Diagnostics, Location, SiteError
from .export import Part, Piece, StoredPart, digest_of
from .history import History, read_history
from .model import CheckIn, Objective, Site
from .render import markdown, urls
from .render.inputs import ObjectDigests, PageInputs
from .render.pages import NavCycle, Page, current_cycle, plan_pages
from .render.publishing import export_csv, export_json, week_before
from .render.renderer import Renderer, SiteGlobals
from .render.theme import find_theme
from .render.views import ObjectiveSummary, ViewBuilder
from .scoring import Scores

MARKER = ".okrsite-build"
SEARCH_DIR = "pagefind"
STATIC_DIR = "static"
PARALLEL_FROM = 300  # pages; below this, forking workers costs more than it saves
CHUNK = 64  # pages a process takes at a time

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path
    today: dt.date | None = None
    drafts: bool = False
    public: bool = False
    base_url: str | None = None
    cache_dir: Path | None = None  # None: SITE/.okrsite-cache
    use_cache: bool = True
    jobs: int | None = None  # worker processes; None: one per core
    # Held while the new output replaces the old (a dev server holds it while serving a file,
    # so it never serves a half-published site).
    publish_lock: AbstractContextManager[object] | None = None
    search: bool | None = None  # build the Pagefind index; None: as site.toml [search] says
    # A cache kept open across builds (a dev server's): saves reading it each time, seconds on
    # large sites. None: open cache_dir.
    cache: BuildCache | None = None
    # With `cache`: every path (relative to the site, with /) changed since the last build, as
    # a watcher saw them; a build told them reads only those. None: read every file.
    touched: Collection[str] | None = None
    # With `cache`: pages (output paths, e.g. "2026-Q4/index.html") to render and publish
    # before the rest of the build, the pages a dev server's tabs show, and what to call with
    # those whose bytes changed. Only pages the last build made; none when the build fails.
    first: Collection[str] = ()
    on_first: Callable[[tuple[str, ...]], None] | None = None


@dataclass
class BuildResult:
    out_dir: Path
    pages: int
    rendered: int  # pages rendered this time (the rest were unchanged)
    files: int
    diagnostics: tuple[Diagnostic, ...]
    timings: dict[str, float] = field(default_factory=dict)
    # Output paths whose content changed (for live reload), but those published first (see
    # BuildOptions.first) that the build left as they were published.
    changed: tuple[str, ...] = ()
    fragments: tuple[int, int] = (0, 0)  # parts of pages reused from the last build, and made
    # The model, plan and cache a one-shot build made: they go when the result goes, so a
    # command that ends after the build (cli.run) never frees their millions of objects one by
    # one. None for a build with a cache kept open (a dev server's).
    kept: object = field(default=None, repr=False, compare=False)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if not d.is_error)


class BuildError(SiteError):
    """The build stopped; nothing was written. Carries the diagnostics that explain why."""


def build_site(site_dir: Path, options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the site in `site_dir` into `options.out_dir`. Raises BuildError on any error."""
    blocks: list[MarkdownAhead] = []  # the Markdown rendered ahead, if the build began it
    with young_collections_only():
        try:
            return _build_site(site_dir, options, progress, blocks)
        finally:
            for ahead in blocks:  # its child, if the build did not wait for it (it failed)
                ahead.close()


def _build_site(site_dir: Path, options: BuildOptions, progress: Progress | None,
                blocks: list[MarkdownAhead]) -> BuildResult:
    timings: dict[str, float] = {}
    cache = options.cache
    started = time.perf_counter()
    ahead_digests = _digests_ahead(site_dir, options)  # the load stops it, if it has no use for it
    if cache is None:
        try:
            cache = BuildCache.open((options.cache_dir or site_dir / CACHE_DIR) if options.use_cache else None)
        except BaseException:
            if ahead_digests is not None:
                ahead_digests.close()
            raise
    timings["cache"] = time.perf_counter() - started
    cache.documents.begin()
    last = cache.state if isinstance(cache.state, BuildState) else None
    first: dict[str, tuple[str, bytes | None]] = {}  # output → (digest published first, bytes before)
    first_took: list[float] = []

    def publish_first(scored: CheckResult) -> None:
        if options.first and options.on_first is not None and isinstance(cache.plan, LastPlan) \
                and _output_is_ours(site_dir, options.out_dir):
            started = time.perf_counter()
            first.update(_publish_first(site_dir, scored, options, cache.plan))
            options.on_first(tuple(first))
            first_took.append(time.perf_counter() - started)

    if last is None:  # a cold build: its Markdown is rendered ahead, once the load has parsed it
        blocks.extend(filter(None, [MarkdownAhead.begin(options.jobs)]))

    def parsed(config: SiteConfig, docs: Documents) -> None:
        for ahead in blocks:
            ahead.give(config, docs)

    checked = check_site(site_dir, today=options.today, drafts=options.drafts,
                         public=options.public, cache=cache.documents, previous=last.checked if last else None,
                         seen=cache.seen if options.cache is not None else None, touched=options.touched,
                         scored=publish_first, jobs=options.jobs, ahead=ahead_digests, parsed=parsed)
    cache.seen = checked.loaded.seen
    timings.update(checked.timings)  # load, score
    if first_took:
        timings["first"] = first_took[0]
    if options.cache is None:  # a cache kept open across builds (the dev server's) keeps them all
        started = time.perf_counter()
        cache.save_documents()  # now, so their memory is free before rendering
        cache.documents.release()
        timings["cache"] += time.perf_counter() - started
    if checked.errors or checked.site is None or checked.scores is None:
        cache.wait_documents()
        _unpublish_first(options.out_dir.resolve(), first)
        raise BuildError(checked.diagnostics)
    _guard_output(site_dir, options.out_dir)

    started = time.perf_counter()
    plan = _plan(site_dir, checked, options)
    if options.cache is not None:
        cache.plan = LastPlan({page.output: page for page in plan.pages}, plan.renderer, plan.builder.history)
    history = _history_digests(plan.builder)
    again: set[str] | None = None  # objectives that may read differently than last time
    if last is not None and checked.changed is not None and last.checked.scores.today == checked.today:
        again = {*checked.changed, *(o for o, d in history.items() if last.history.get(o) != d)}
        _reuse(plan, last, checked, again)
    week_before(plan.builder)  # here, so render processes share it and the next build has it
    out_dir = options.out_dir.resolve()
    previous = _previous_output(out_dir, cache.pages)
    staging = _staging(out_dir)
    retired = out_dir.parent / f".{out_dir.name}.okrsite-retired-{os.getpid()}"  # files replaced
    pending: PendingState | None = None
    ahead: _Shared | None = None
    deleting: threading.Thread | None = None
    try:
        plan.builder.memo["fragments"] = FragmentStore(cache.fragments, plan.renderer.fingerprint(), plan.inputs)
        plan.builder.memo["checkin_digest"] = plan.inputs.checkin
        plan.renderer.keep_fragments(cache.page_fragments)
        plan.renderer.keep_compiled(cache.templates(plan.renderer.fingerprint()))
        if again is not None and previous is not None and not cache.writing_documents:
            ahead = _render_ahead(plan, staging, previous, options.jobs)
        plan.digests = _page_digests(plan, cache.pages.inputs if again is not None else {}, again,
                                     ahead.indices if ahead is not None else frozenset())
        timings["plan"] = time.perf_counter() - started

        state = BuildState(checked.state, plan.inputs.digests, dict(plan.builder.summaries), history,
                           plan.builder.memo.get("week_before") or (last.week if last else None)) \
            if checked.state is not None else None
        # before the state's writer is forked: the pages it reads, this process then does not copy
        split = _unchanged(plan, previous, ahead)
        # the state the last build left, if it is the same (a build after no edit), stays as it
        # is: comparing shares most objects with it and is quick, writing it is seconds of encoding
        pending = cache.prepare(state) if state is not None and state != last else None
        started = time.perf_counter()
        cache.wait_documents()  # written while planning; not beside the render processes too
        timings["cache"] += time.perf_counter() - started
        started = time.perf_counter()
        outcomes = _render_pages(plan, staging, previous, options.jobs, progress, ahead, split,
                                 blocks[0] if blocks else None)
        timings["render"] = time.perf_counter() - started
        started = time.perf_counter()
        assets = _copy_assets(site_dir, staging, plan.renderer, checked, previous)
        files = {o.output: o.fingerprint for o in outcomes} | assets
        manifest = PageManifest(files, _build_id(files), {o.output: o.inputs for o in outcomes})
        written = _changed(outcomes, assets, previous, out_dir)
        with options.publish_lock or nullcontext():
            if previous is None:
                _write_marker(staging, manifest)
                _swap(staging, out_dir)
            else:
                _apply(staging, out_dir, previous, manifest, retired)
                # the files replaced are deleted while the cache is written (freeing a large
                # site's old exports takes a tenth of a second)
                deleting = threading.Thread(target=shutil.rmtree, args=(retired,), kwargs={"ignore_errors": True})
                deleting.start()
        # the `{% cache %}` parts of pages that are gone go (pages are the same as last time
        # in most builds: then there is nothing to look for)
        prune = not cache.pages.inputs or bool(cache.pages.inputs.keys() - manifest.inputs.keys())
        # and the parsed documents of units that are gone (looked for when the units changed)
        units = checked.state.site.units if checked.state else None
        gone = units is not None and (last is None or last.checked.site.units.keys() != units.keys())
        cache.save(manifest, pending, units if gone else None)
        pending = None
        if cache.page_fragments is not None and prune:
            cache.page_fragments.prune(f"page:{page.output}" for page in plan.pages)
        timings["write"] = time.perf_counter() - started
    finally:
        if ahead is not None:
            ahead.stop()
        shutil.rmtree(staging, ignore_errors=True)
        if deleting is not None:
            deleting.join()
        shutil.rmtree(retired, ignore_errors=True)
        if pending is not None:  # the build failed: the last build's state stays, and its pages
            pending.cancel()
            _unpublish_first(out_dir, first)
    changed = tuple(o for o in written if o not in first or first[o][0] != files.get(o))
    if plan.renderer.globals.search and (changed or not (out_dir / SEARCH_DIR).is_dir()):
        started = time.perf_counter()
        _index_search(out_dir, options.publish_lock)
        timings["search"] = time.perf_counter() - started
    rendered = sum(1 for o in outcomes if o.rendered)
    fragments = (sum(o.fragments[0] for o in outcomes), sum(o.fragments[1] for o in outcomes))
    return BuildResult(options.out_dir, len(plan.pages), rendered, len(files), checked.diagnostics,
                       timings, changed, fragments,
                       # a one-shot build's: a cache kept open (a dev server's) keeps what the next build needs
                       kept=(plan, checked, cache, last, outcomes) if options.cache is None else None)


# Planning --------------------------------------------------------------------------------


@dataclass
class Plan:
    pages: list[Page]
    renderer: Renderer
    builder: ViewBuilder
    inputs: PageInputs
    digests: dict[str, str] = field(default_factory=dict)  # output → input digest


@dataclass(frozen=True)
class BuildState:
    """What a build leaves for the next one, besides the page manifest: what the check found,
    the digests and summaries of every objective and check-in, and each objective's history,
    so the next build works out again only what an edit touched."""

    checked: Checked
    digests: ObjectDigests
    summaries: dict[str, ObjectiveSummary]
    history: dict[str, str]  # objective id → digest of its commits and target moves
    week: Scores | None = None  # the this-week page's scores of a week ago

    def parts(self) -> tuple[BuildState, Mapping[StatePart, UnitState | dict[str, ObjectiveSummary]]]:
        """The state without the state of each unit and the summaries of its objectives, and
        those: the cache keeps them one by one, so that a build after an edit encodes its unit
        and its summaries again, not every unit's (see cache.same_part)."""
        site = self.checked.site
        parts: dict[StatePart, UnitState | dict[str, ObjectiveSummary]] = {uid: unit for uid, unit in site.units.items()}
        for oid, summary in self.summaries.items():
            group = parts.setdefault(("summaries", oid.rpartition("/")[0]), {})
            cast(dict[str, ObjectiveSummary], group)[oid] = summary
        rest = replace(self, checked=replace(self.checked, site=replace(site, units={})), summaries={})
        return rest, parts

    def joined(self, parts: Mapping[StatePart, UnitState | dict[str, ObjectiveSummary]]) -> BuildState:
        """The state of parts() again."""
        units = {key: part for key, part in parts.items() if isinstance(key, str)}
        summaries = {oid: summary for key, part in parts.items() if not isinstance(key, str)
                     for oid, summary in cast(dict[str, ObjectiveSummary], part).items()}
        return replace(self, checked=replace(self.checked, site=replace(self.checked.site, units=cast(
            dict[str, UnitState], units))), summaries=summaries)


def _reuse(plan: Plan, last: BuildState, checked: CheckResult, changed: Collection[str]) -> None:
    """Give the plan what the last build worked out for the objects that did not change:
    every objective but those `changed`, every check-in about none of them whose file is the
    same. Without a previous state, or after a change to what every object depends on (the
    org, settings), there is nothing to reuse and this is not called."""
    index = plan.builder.index
    heads = index.objectives
    keep = heads.keys() - changed
    before, now = last.digests, plan.inputs.digests
    for table in ("objective", "summary", "node", "link", "shape"):
        getattr(now, table).update((oid, d) for oid, d in getattr(before, table).items() if oid in keep)
    units = checked.state.site.units if checked.state is not None else {}
    same_files = {uid for uid, unit in last.checked.site.units.items()
                  if (found := units.get(uid)) is not None and found.files == unit.files}
    kept, about_kept = before.checkin, keep.issuperset  # (a large site has 50,000 check-ins)
    for cid, head in index.checkins.items():
        digest = kept.get(cid)
        if digest is not None and f"{head.cycle}/{head.owner_folder}" in same_files and about_kept(head.objectives):
            now.checkin[cid] = digest
    plan.builder.summaries.update((oid, s) for oid, s in last.summaries.items() if oid in keep)
    plan.builder.memo["changed"] = frozenset(changed)
    if last.week is not None:
        plan.builder.memo["week_before_last"] = last.week


def _history_digests(builder: ViewBuilder) -> dict[str, str]:
    history = builder.history
    return {oid: hashlib.sha256(repr((history.of(h.path), history.moves.get(oid))).encode()).hexdigest()[:16]
            for oid, h in builder.index.objectives.items()}


def _page_digests(plan: Plan, last: Mapping[str, str], changed: Collection[str] | None,
                  ahead: Collection[int] = frozenset()) -> dict[str, str]:
    """Every page's input digest, worked out here (not in the render processes), so the
    digests and summaries of every object are at hand for the next build; but those of the
    pages (indices) rendered `ahead`, which the processes taking them work out (_render_ahead).

    After an edit (`changed`: the objectives whose digests were worked out again), an objective
    page or a team's page of a cycle that shows none of them keeps the digest it had (`last`):
    on a large site those are most pages, and working their digests out is most of a build
    that renders few pages."""
    base = plan.renderer.fingerprint()  # theme, config, globals, version
    near = _near(plan.builder, changed) if changed is not None else None
    found: dict[str, str] = {}
    for index, page in enumerate(plan.pages):
        if index in ahead:
            continue
        kept = last.get(page.output)
        if near is not None and kept is not None and kept.startswith(base) and page.view is not None \
                and page.view.name in ("objective_detail", "owner_cycle") and page.view.args not in near:
            found[page.output] = kept
        else:
            found[page.output] = base + plan.inputs.digest(page)
    return found


def _near(builder: ViewBuilder, changed: Collection[str]) -> set[tuple[str, ...]]:
    """The arguments of the objective pages and teams' pages of a cycle that may show one of
    the `changed` objectives: their own; those of every objective above or below them (the
    alignment graph of a page reaches up to the top and down from it); of objectives whose key
    results link to them; and the teams (by cycle) of all of those."""
    index = builder.index
    heads, children = index.objectives, index.children
    linkers: dict[str, list[str]] = {}
    for head in heads.values():
        for kr in head.key_results:
            if kr.linked:
                linkers.setdefault(kr.linked, []).append(head.id)
    start = {oid for oid in changed if oid in heads}
    # and the objectives sharing a check-in with one of them (the check-in's view names them)
    start |= {o for c in index.checkins.values() if not start.isdisjoint(c.objectives) for o in c.objectives if o in heads}
    found = set(start)
    for step in (lambda i: [p.objective for p in heads[i].parents], lambda i: children.get(i, ())):
        todo = list(start)
        while todo:
            for nxt in step(todo.pop()):
                if nxt in heads and nxt not in found:
                    found.add(nxt)
                    todo.append(nxt)
    found |= {linker for oid in start for linker in linkers.get(oid, ())}
    return {(oid,) for oid in found} | {(heads[oid].cycle, heads[oid].owner) for oid in found}


def _plan(site_dir: Path, checked: CheckResult, options: BuildOptions) -> Plan:
    site, scores = checked.site, checked.scores
    assert site is not None and scores is not None
    config = _config(checked, options)
    theme = find_theme(site_dir, config.theme)
    if theme is None:
        raise BuildError([_error("site.toml", "config-value",
                                 f"theme {config.theme!r} not found in themes/{config.theme}/",
                                 'create the folder, or set theme = "default"')])
    current = current_cycle(site, checked.today)
    builder = ViewBuilder(site, scores, read_history(site_dir, site))
    pages = plan_pages(builder, current)
    _check_unique(pages)
    sources = {s.file.path: s.digest for s in checked.loaded.sources}
    site_globals = _site_globals(site_dir, checked, options, config)
    live = frozenset(site.cycles) - site_globals.ended
    return Plan(pages, Renderer(theme, config, site_globals), builder, PageInputs(builder, sources, live=live))


def _digests_ahead(site_dir: Path, options: BuildOptions) -> DigestsAhead | None:
    """A build that opens a cache holding a last state (a CI rebuild) works out the digests of
    the content files, to know what changed, in part in a process begun before the cache is
    opened (reading it takes a core a while: see DigestsAhead). Not with one job, nor for a
    dev server's build (it knows what changed), nor where processes cannot fork."""
    if options.cache is not None or not options.use_cache or options.touched is not None \
            or options.jobs == 1 or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    if not (options.cache_dir or site_dir / CACHE_DIR).joinpath(STATE_FILE).is_file():
        return None
    return DigestsAhead(site_dir)


def _config(checked: CheckResult, options: BuildOptions) -> SiteConfig:
    assert checked.site is not None
    config = checked.site.config
    if options.base_url is not None:
        config = replace(config, base_url=options.base_url.rstrip("/") + "/")
    return config


def _site_globals(site_dir: Path, checked: CheckResult, options: BuildOptions, config: SiteConfig) -> SiteGlobals:
    site = checked.site
    assert site is not None
    current = current_cycle(site, checked.today)
    nav = tuple(NavCycle(c.id, c.title, urls.cycle(c.id)) for c in reversed(site.cycles.values()))
    return SiteGlobals(
        title=config.title, description=config.description, language=config.language,
        base_url=config.base_url, today=checked.today,
        current_cycle=next((n for n in nav if n.id == current), None), cycles=nav,
        favicon=_favicon(site_dir),
        search=_wants_search(options, config.search.enabled),
        ended=frozenset(c.id for c in site.cycles.values() if c.phase(checked.today) == "ended"),
    )


@dataclass(frozen=True)
class LastPlan:
    """What a dev server's next build needs to publish a few pages first: the last build's
    pages, renderer (its templates compiled) and git history (saving files changes none)."""

    pages: dict[str, Page]
    renderer: Renderer
    history: History


def _publish_first(site_dir: Path, checked: CheckResult, options: BuildOptions,
                   last: LastPlan) -> dict[str, tuple[str, bytes | None]]:
    """Render `options.first` pages with the new model and publish those whose bytes changed,
    before the rest of the build: what a dev server's tabs show appears in the time one load
    and a few pages take. Nothing is published when what every page shows besides its view
    changed (settings, the date, the cycles): the build itself publishes them then. Returns,
    for each page published, its content digest and the bytes it replaced."""
    config = _config(checked, options)
    renderer = last.renderer
    if config != renderer.config or _site_globals(site_dir, checked, options, config) != renderer.globals:
        return {}
    assert checked.site is not None and checked.scores is not None
    builder = ViewBuilder(checked.site, checked.scores, last.history)
    renderer.keep_fragments(None)  # the last build's {% cache %} parts stand for its inputs
    out_dir = options.out_dir.resolve()
    published: dict[str, tuple[str, bytes | None]] = {}
    for output in options.first:
        page = last.pages.get(output)
        if page is None or not page.template:
            continue
        try:
            data = cast(str, renderer.render(page, page.variables(builder))).encode("utf-8")
        except Exception:  # noqa: BLE001, S112 - e.g. the page of an objective just deleted: the build sees to it
            continue
        target = out_dir / output
        try:
            before: bytes | None = target.read_bytes()
        except OSError:
            before = None
        if before == data:
            continue
        temporary = target.with_name(f".{target.name}.first")
        temporary.write_bytes(data)
        with options.publish_lock or nullcontext():
            os.replace(temporary, target)
        published[output] = (_content_digest(data), before)
    return published


def _unpublish_first(out_dir: Path, first: Mapping[str, tuple[str, bytes | None]]) -> None:
    """Put back the pages published first by a build that then failed."""
    for output, (_, before) in first.items():
        target = out_dir / output
        if before is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(before)


def _favicon(site_dir: Path) -> str:
    for name in ("favicon.ico", "favicon.svg", "favicon.png"):
        if (site_dir / STATIC_DIR / name).is_file():
            return name
    return urls.asset("favicon.svg")


def _check_unique(pages: list[Page]) -> None:
    seen: dict[str, Page] = {}
    problems = Diagnostics()
    for page in pages:
        other = seen.get(page.output.casefold())
        if other is not None:
            problems.error(
                Location(CONTENT_DIR), "url-collision",
                f"two pages would be written to {page.output}: the {other.kind} page and the {page.kind} page",
                "rename the cycle, owner or tag so their URLs differ (names reserved by okrsite: "
                + ", ".join(sorted(urls.RESERVED_TOP)) + ")",
            )
        seen[page.output.casefold()] = page
    if problems.items:
        raise BuildError(problems.items)


# Rendering -------------------------------------------------------------------------------


@dataclass
class FragmentStore:
    """The cache's fragments seen by page views: keys name the digests of what a fragment is
    made of (a unit's objectives and check-ins), so it is reused only while they are unchanged."""

    fragments: Fragments
    base: str
    inputs: PageInputs

    def unit_key(self, unit: str, objectives: Iterable[str], checkins: Iterable[str]) -> str:
        return "unit:" + digest_of([unit, self.base, self.inputs.org, *self.inputs.pairs("objective", objectives),
                                    "", *self.inputs.pairs("checkin", checkins)])

    def get(self, key: str) -> object | None:
        return self.fragments.get(key)

    def put(self, key: str, value: object) -> None:
        self.fragments.put(key, value)

    def take(self) -> tuple[set[str], set[str]]:
        """The keys this process made and used since the last take (to send to the parent)."""
        return self.fragments.take()


class Outcome(NamedTuple):  # a tuple: a large site's build makes one for each of its 27,000 pages
    output: str
    inputs: str  # digest of the model objects the page reads
    fingerprint: str  # digest of its bytes
    rendered: bool  # its inputs changed, so it was rendered
    written: bool  # its bytes changed, so it was written
    fragments: tuple[int, int] = (0, 0)  # {% cache %} parts reused from the last build, and made


@dataclass(frozen=True)
class Previous:
    """The previous build's output and fingerprints, when they belong together."""

    folder: Path
    fingerprints: dict[str, str]
    inputs: dict[str, str]


def _unchanged(plan: Plan, previous: Previous | None, ahead: _Shared | None) -> tuple[list[Outcome], list[int]]:
    """The outcomes of the pages whose input digests are those of the previous build, and the
    other pages (indices) to render, but those rendered `ahead`."""
    kept: list[Outcome] = []
    todo: list[int] = []
    early = ahead.indices if ahead is not None else frozenset()
    for index, page in enumerate(plan.pages):
        if index in early:
            continue
        inputs = plan.digests[page.output]
        if previous is not None and previous.inputs.get(page.output) == inputs:
            kept.append(Outcome(page.output, inputs, previous.fingerprints[page.output], False, False))
        else:
            todo.append(index)
    return kept, todo


def _render_pages(plan: Plan, staging: Path, previous: Previous | None, jobs: int | None,
                  progress: Progress | None, ahead: _Shared | None = None,
                  split: tuple[list[Outcome], list[int]] | None = None,
                  blocks: MarkdownAhead | None = None) -> list[Outcome]:
    """Render the pages whose input digests changed (all, without a previous output), the
    pages that take long first, spread over processes when there is enough to do. `ahead`:
    processes started before the digests were worked out, on the site-wide pages (see
    _render_ahead); this process joins them, then renders the rest. `split`: _unchanged(),
    if worked out already. `blocks`: the Markdown begun during the load (see MarkdownAhead)."""
    kept, todo = split if split is not None else _unchanged(plan, previous, ahead)
    todo.sort(key=lambda i: _HEAVY.get(plan.pages[i].kind, len(_HEAVY)))  # stable: page order after
    workers = _workers(jobs, todo, plan)
    chunks = _chunks(plan.pages, todo, workers)
    outcomes: list[Outcome] = list(kept)
    if ahead is not None:
        ahead.work()
        if workers <= 1:  # a few pages: rendered here while the others finish theirs
            for chunk in chunks:
                outcomes.extend(_render_chunk(plan, staging, previous, chunk))
            chunks = []
        ahead.wait()
        outcomes.extend(ahead.outcomes)
        plan.digests.update((outcome.output, outcome.inputs) for outcome in ahead.outcomes)
        if progress:
            progress(len(outcomes), len(plan.pages))
    if workers <= 1 or not chunks:
        for chunk in chunks:
            outcomes.extend(_render_chunk(plan, staging, previous, chunk))
            if progress:
                progress(len(outcomes), len(plan.pages))
    else:
        plan.renderer.compile({page.template for page in plan.pages if page.template})  # once, before fork
        if len(todo) > len(plan.pages) // 2:  # most pages: they read most of the model
            _resolve_all(plan.builder.site)
            _render_markdown_apart(plan, blocks)
        try:
            outcomes.extend(_Shared(plan, staging, previous, chunks, progress, len(outcomes)).run(workers))
        finally:
            plan.renderer.markdown.forget_kept()
    outcomes.sort(key=lambda o: o.output)
    return outcomes


def _render_ahead(plan: Plan, staging: Path, previous: Previous, jobs: int | None) -> _Shared | None:
    """Start rendering a large site's site-wide pages (exports, cascades, cycle pages, home,
    this week...) in forked processes before the pages' digests are worked out: after an edit
    most of them show something it changed, and working out every page's digest is the core's
    work for a while. Each works out the digest of a page it takes and renders it only if it
    differs from the previous build's. This process works out the other pages' digests
    meanwhile, then takes what is left (_render_pages); the digests the build records for
    these pages are those their processes worked out, from the same model. None on a small
    site, with one job, or where processes cannot fork."""
    if "fork" not in multiprocessing.get_all_start_methods() \
            or len(plan.builder.index.objectives) < LARGE_SITE:
        return None
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    early = [i for i, page in enumerate(plan.pages) if page.kind in _AHEAD]
    early.sort(key=lambda i: _HEAVY.get(plan.pages[i].kind, len(_HEAVY)))
    chunks = _chunks(plan.pages, early, 1, size=1)
    if workers < 2 or len(chunks) < 2:
        return None
    plan.renderer.compile({plan.pages[i].template for i in early if plan.pages[i].template})  # before fork
    shared = _Shared(plan, staging, previous, chunks, None, ahead=True)
    shared.start(min(workers, len(chunks)))
    return shared


# The kinds of pages rendered ahead of the digests: pages that show the whole site or a cycle.
_AHEAD = frozenset(("data", "cascade", "cycle", "home", "tag", "this-week", "insights", "owners"))


def _chunks(pages: Sequence[Page], todo: Sequence[int], workers: int, size: int | None = None) -> list[list[int]]:
    """The pages to render (`todo`, in the order to take them) in the chunks processes take.
    The exports go in one chunk: they share each cycle's encoded parts, which a process makes
    once (a running cycle's are joined anew each build, an ended one's encoded when they are
    not kept), so one process makes them all while the others render pages."""
    exports: list[int] = []
    rest: list[int] = []
    for i in todo:
        view = pages[i].view
        (exports if view is not None and view.method in (export_json, export_csv) else rest).append(i)
    size = size or max(1, min(CHUNK, len(todo) // (8 * workers)))
    return ([exports] if exports else []) + [rest[i:i + size] for i in range(0, len(rest), size)]


# Pages that take long on a large site: rendered first, so they spread over the processes.
_HEAVY = {kind: rank for rank, kind in enumerate(("data", "cascade", "cycle", "home", "tag", "this-week",
                                                  "insights", "owners", "feed"))}
LARGE_SITE = 1000  # objectives: from there a list page takes long enough to render it apart


def _resolve_all(site: Site) -> None:
    """Resolve every objective and check-in of the model now (it resolves them as they are
    first read): once, before the render processes fork, instead of in each of them. Run
    with the collector paused and the result frozen, so that the full collections of the
    render do not scan its millions of objects again and again (see collector_paused)."""
    with collector_paused(freeze=True):
        for _ in site.objectives.values():
            pass
        for _ in site.checkins.values():
            pass


def _render_markdown_apart(plan: Plan, ahead: MarkdownAhead | None = None) -> None:
    """Render the site's Markdown blocks (descriptions, notes) before the pages, half in a
    forked process: a check-in's notes show on several pages, which the render processes
    would each render again. With `ahead` (begun during the load), this process renders what
    it has not rendered yet, from the first text on, and takes what it did."""
    md = plan.renderer.markdown
    if ahead is not None:
        if ahead.md is md:
            found = ahead.front(ahead.texts)
            md.keep(list(found), list(found.values()))
            return
        ahead.close()  # given nothing (the load found too few blocks, or another setting)
    site = plan.builder.site
    texts = _texts(site.objectives.values(), site.checkins.values())
    if len(texts) < PARALLEL_FROM:
        return
    theirs = texts[1::2]
    _, rendered = run_apart(md.blocks, (theirs,), lambda: md.blocks(texts[0::2]))
    if isinstance(rendered, list):  # else the child failed: the pages render those blocks themselves
        md.keep(theirs, rendered)


def _texts(objectives: Iterable[Objective | ObjectiveDoc], checkins: Iterable[CheckIn | CheckInDoc]) -> list[str]:
    """The Markdown blocks of these objectives and check-ins (or their documents), each once."""
    return list(dict.fromkeys(text for text in (
        *(t for o in objectives for t in (o.body, o.retrospective)), *(c.body for c in checkins),
    ) if text and text.strip()))


class MarkdownAhead(FromBothEnds[str, tuple[str, int | None]]):
    """The Markdown blocks of a large site's documents (descriptions, retrospectives, notes),
    rendered ahead of the pages by a process forked when a cold build begins, while the
    process is small: the load sends it the blocks as soon as it has parsed them (`give`), and
    it renders them from the last one back while the load resolves the model and the build
    plans its pages, each on one core, the other idle. Forked later, from the loaded process,
    it would share that memory copy-on-write while the build touches it, and the build's memory
    would double. It runs at the lowest priority, so as not to slow this process (nor the
    documents' writer) where the two share a core. _render_markdown_apart takes the rest from
    the first on."""

    FROM = 2000  # texts; a smaller site's Markdown is rendered in less time than sending it takes
    NICE = 19

    def __init__(self) -> None:
        self.md: markdown.Markdown | None = None
        self.texts: list[str] = []
        context = multiprocessing.get_context("fork")
        self._texts_in, self._texts_out = context.Pipe(duplex=False)
        super().__init__(self._given)
        self._texts_in.close()

    def _given(self) -> list[str]:
        """In the child: the blocks the load gives (none if it gives none)."""
        self._texts_out.close()
        try:
            allow_html, texts = pickle.loads(self._texts_in.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            return []
        self.md, self.texts = markdown.shared(allow_html), texts
        return texts

    def give(self, config: SiteConfig, docs: Documents) -> None:
        """Send the blocks of the documents just parsed, if there are enough of them; else stop."""
        if self.md is not None:  # given already
            return
        texts = _texts(docs.objectives, docs.checkins)
        if len(texts) < self.FROM:
            self.close()
            return
        self.md, self.texts = markdown.shared(config.markdown.allow_html), texts
        try:
            self._texts_out.send_bytes(pickle.dumps((config.markdown.allow_html, texts), protocol=5))
        except OSError:  # the child is gone: the pages render the blocks themselves
            self.close()
        self._texts_out.close()

    def close(self) -> None:
        self._texts_out.close()
        super().close()

    def work(self, items: Sequence[str]) -> list[tuple[str, int | None]]:
        assert self.md is not None
        return self.md.blocks(items)

    @classmethod
    def begin(cls, jobs: int | None) -> MarkdownAhead | None:
        """Begin, if there are two cores (or jobs) for it; None otherwise."""
        if (jobs if jobs is not None else (os.cpu_count() or 1)) < 2 \
                or "fork" not in multiprocessing.get_all_start_methods():
            return None
        return cls()


class _Shared:
    """Rendering shared by this process and `workers - 1` forked ones: each takes the next
    chunk of pages from a shared counter until none is left. The parent renders too, rather
    than wait: one process fewer holds a copy of the model (CPython's reference counts make
    a forked child copy the pages of every object it reads). With `ahead`, the children start
    before the plan has the pages' digests (see _render_ahead), and every process works out
    the digest of each page it takes, rendering it only if it changed."""

    def __init__(self, plan: Plan, staging: Path, previous: Previous | None,
                 chunks: list[list[int]], progress: Progress | None, done: int = 0, *, ahead: bool = False):
        self.plan, self.staging, self.previous = plan, staging, previous
        self.chunks, self.progress, self.ahead = chunks, progress, ahead
        self.total = len(plan.pages)
        self.done = done  # pages already accounted for (unchanged)
        context = multiprocessing.get_context("fork")
        self.context = context
        self.next = context.Value("i", 0)
        self.results: multiprocessing.queues.Queue[tuple[str, Any]] = context.Queue()
        self.outcomes: list[Outcome] = []
        self.running = 0  # children that have not sent their end yet
        self.children: list[multiprocessing.process.BaseProcess] = []

    @property
    def indices(self) -> frozenset[int]:
        """The pages (indices) of all the chunks."""
        return frozenset(i for chunk in self.chunks for i in chunk)

    def run(self, workers: int) -> list[Outcome]:
        self.start(workers)
        try:
            self.work()
            self.wait()
        finally:
            self.stop()
        return self.outcomes

    def start(self, workers: int) -> None:
        """Fork the `workers - 1` children; they start taking chunks."""
        children = [self.context.Process(target=self._child, daemon=True) for _ in range(workers - 1)]
        self.children = children
        for child in children:
            child.start()
        self.running = len(children)

    def work(self) -> None:
        """Render, here, chunks until none is left."""
        while (chunk := self._take()) is not None:
            self._add(self._render(chunk))
            while not self.results.empty():
                self._receive()

    def wait(self) -> None:
        """Wait for every child's end."""
        while self.running:
            self._receive()

    def stop(self) -> None:
        """Stop children still running (after a failure) and reap them all."""
        for child in self.children:
            if child.is_alive():
                child.terminate()
            child.join()
        self.children = []

    def _render(self, chunk: list[int]) -> list[Outcome]:
        return _render_chunk(self.plan, self.staging, self.previous, chunk, ahead=self.ahead)

    def _take(self) -> list[int] | None:
        with self.next.get_lock():
            index = self.next.value
            self.next.value = index + 1
        return self.chunks[index] if index < len(self.chunks) else None

    def _child(self) -> None:
        try:
            while (chunk := self._take()) is not None:
                done = self._render(chunk)
                self.results.put(("done", (done, self._fragments())))
            self.results.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            self.results.put(("error", _picklable(exc)))
        finally:
            self.results.close()
            self.results.join_thread()

    def _fragments(self) -> tuple[set[str], set[str]]:
        store = self.plan.builder.memo.get("fragments")
        return store.take() if isinstance(store, FragmentStore) else (set(), set())

    def _receive(self) -> None:
        """Take one message of a child (waiting for it): pages done, the end, or an error."""
        while True:
            try:
                kind, value = self.results.get(timeout=1.0)
                break
            except queue.Empty:  # a child killed (out of memory, a signal) sends nothing
                if dead := [c.exitcode for c in self.children if c.exitcode not in (None, 0)]:
                    raise RuntimeError(f"a render process stopped unexpectedly (exit code {dead[0]})") from None
        if kind == "error":
            raise value
        if kind == "end":
            self.running -= 1
            return
        done, (added, used) = value
        store = self.plan.builder.memo.get("fragments")
        if isinstance(store, FragmentStore):
            store.fragments.merge(added, used)
        self._add(done)

    def _add(self, done: list[Outcome]) -> None:
        self.outcomes.extend(done)
        if self.progress:
            self.progress(self.done + len(self.outcomes), self.total)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError("".join(traceback.format_exception(exc)))


def _workers(jobs: int | None, todo: Sequence[int], plan: Plan) -> int:
    """Processes to render with: one per core when there are many pages to render, or on a
    large site two of its long pages (forking costs more than a few small pages)."""
    if "fork" not in multiprocessing.get_all_start_methods() or len(todo) < 2:
        return 1
    heavy = sum(1 for i in todo if plan.pages[i].kind in _HEAVY)
    if len(todo) < PARALLEL_FROM and not (heavy >= 2 and len(plan.builder.index.objectives) >= LARGE_SITE):
        return 1
    return max(1, min(len(todo), jobs if jobs is not None else (os.cpu_count() or 1)))


def _render_chunk(plan: Plan, staging: Path, previous: Previous | None, chunk: Sequence[int], *,
                  ahead: bool = False) -> list[Outcome]:
    """Render these pages (their inputs changed); write those whose bytes changed. `ahead`:
    pages taken before the plan has their digests, rendered only if their digests (worked out
    here when the plan does not have them yet) differ from the previous build's."""
    done = []
    base = plan.renderer.fingerprint() if ahead else ""
    for index in chunk:
        page = plan.pages[index]
        inputs = plan.digests.get(page.output) if ahead else plan.digests[page.output]
        if inputs is None:
            inputs = base + plan.inputs.digest(page)
        if ahead and previous is not None and previous.inputs.get(page.output) == inputs \
                and page.output in previous.fingerprints:
            done.append(Outcome(page.output, inputs, previous.fingerprints[page.output], False, False))
            continue
        rendered = plan.renderer.render(page, page.variables(plan.builder))
        target = staging / page.output
        if isinstance(rendered, str):
            data = rendered.encode("utf-8")
            content = _content_digest(data)
            written = previous is None or previous.fingerprints.get(page.output) != content
            if written:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        else:
            content = _write_pieces(rendered, target)
            written = previous is None or previous.fingerprints.get(page.output) != content
            if not written:
                target.unlink()
        reused = (plan.renderer.fragments.reused, plan.renderer.fragments.made)
        done.append(Outcome(page.output, inputs, content, True, written, reused))
    return done


def _content_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:32]


def _write_pieces(pieces: Iterator[Piece], target: Path) -> str:
    """Write a page made of pieces (a large export) as they come. Its fingerprint is the digest
    of its pieces in order: text as it is, a Part by the digest it brings (a part kept from the
    last build is not hashed again), so the same pieces give the same fingerprint. It is not
    the digest of the file's bytes, hence the prefix `parts:`."""
    h = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb", buffering=0) as file:  # unbuffered: parts are copied to its descriptor
        for piece in pieces:
            if isinstance(piece, StoredPart):
                h.update(b"p" + piece.digest.encode())
                _copy_part(piece, file)
            elif isinstance(piece, Part):
                h.update(b"p" + piece.digest.encode())
                _write_chunks(file, piece.chunks)
            else:
                data = piece.encode("utf-8")
                h.update(b"t%d:" % len(data) + data)
                _write_all(file, data)
    return "parts:" + h.hexdigest()[:32]


def _copy_part(part: StoredPart, file: BinaryIO) -> None:
    """Append a stored part to `file` (unbuffered): copied by the kernel (copy_file_range)
    where it can, else read and written a megabyte at a time."""
    with open(part.path, "rb", buffering=0) as source:
        left, offset = part.size, part.offset
        copy = getattr(os, "copy_file_range", None)
        while left and copy is not None:
            try:
                done = copy(source.fileno(), file.fileno(), left, offset)
            except OSError:  # not between these files (file system, kernel): copy it here
                break
            if not done:
                raise OSError(f"cached export part cut short: {part.path}")
            left, offset = left - done, offset + done
        source.seek(offset)
        while left:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise OSError(f"cached export part cut short: {part.path}")
            _write_all(file, chunk)
            left -= len(chunk)


def _write_chunks(file: BinaryIO, chunks: Sequence[bytes]) -> None:
    """Write these bytes one after another to an unbuffered file: a thousand at a time in one
    system call (writev) where there is one."""
    writev = getattr(os, "writev", None)
    if writev is None:
        for chunk in chunks:
            _write_all(file, chunk)
        return
    for start in range(0, len(chunks), _IOV_MAX):
        batch = chunks[start:start + _IOV_MAX]
        done = writev(file.fileno(), batch)
        for chunk in batch:  # what a short write left, in order
            if done >= len(chunk):
                done -= len(chunk)
            else:
                _write_all(file, chunk[done:])
                done = 0


_IOV_MAX = 1024  # buffers one writev takes (POSIX's least IOV_MAX is 16; Linux takes 1024)


def _write_all(file: BinaryIO, data: bytes) -> None:
    """Write all of `data` to an unbuffered file (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[file.write(view) or 0:]


def _build_id(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for output in sorted(files):
        h.update(f"{output}\0{files[output]}\n".encode())
    return h.hexdigest()[:24]


def _previous_output(out_dir: Path, manifest: PageManifest) -> Previous | None:
    """The old output can stand in for unchanged pages only if it is the one the cache
    describes: its marker names the same build."""
    marker = out_dir / MARKER
    try:
        text = marker.read_text().strip()
    except OSError:
        return None
    if not manifest.output or text != _marker_text(manifest):
        return None
    return Previous(out_dir, manifest.fingerprints, manifest.inputs)


def _marker_text(manifest: PageManifest) -> str:
    return f"okrsite build {manifest.output}"


def _write_marker(folder: Path, manifest: PageManifest) -> None:
    """Name the build in its output; left untouched when it already does (a build that
    changed nothing rewrites nothing)."""
    marker, text = folder / MARKER, _marker_text(manifest) + "\n"
    try:
        if marker.read_text() == text:
            return
    except OSError:
        pass
    marker.write_text(text)


def _changed(outcomes: Sequence[Outcome], assets: dict[str, str], previous: Previous | None,
             out_dir: Path) -> tuple[str, ...]:
    """Output paths whose bytes differ from the previous output: pages rendered differently,
    files copied with new content, and (after an incremental build) files that are gone."""
    if previous is not None:
        changed = [o.output for o in outcomes if o.written]
    else:
        changed = [o.output for o in outcomes
                   if not _same_file(out_dir / o.output, o.fingerprint.removeprefix("sha256:"))]
    for output, digest in assets.items():
        if previous is not None:
            if previous.fingerprints.get(output) != digest:
                changed.append(output)
        elif not _same_file(out_dir / output, digest.removeprefix("sha256:")):
            changed.append(output)
    if previous is not None:
        kept = {o.output for o in outcomes} | set(assets)
        changed.extend(sorted(set(previous.fingerprints) - kept))
    return tuple(changed)


def _same_file(path: Path, digest: str) -> bool:
    """Whether the file holds the bytes of this sha256 digest (or of its prefix); never for
    the fingerprint of a page written in pieces (`parts:`, not a digest of the bytes)."""
    if digest.startswith("parts:"):
        return False
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest().startswith(digest)
    except OSError:
        return False


# Writing ---------------------------------------------------------------------------------


def _output_is_ours(site_dir: Path, out_dir: Path) -> bool:
    try:
        _guard_output(site_dir, out_dir)
    except BuildError:
        return False
    return True


def _guard_output(site_dir: Path, out_dir: Path) -> None:
    """Refuse to replace a folder okrsite did not make, or the site itself."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out) or (out.is_relative_to(site / CONTENT_DIR)):
        raise BuildError([_error("site.toml", "output-folder",
                                 f"the output folder {out_dir} would overwrite the site's own files",
                                 "build into a separate folder, e.g. --out public")])
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildError([_error(str(out_dir), "output-folder",
                                 f"{out_dir} exists and was not made by okrsite; it is left alone",
                                 "choose an empty or new folder for --out, or delete it first")])


def _error(path: str, code: str, message: str, hint: str) -> Diagnostic:
    found = Diagnostics()
    found.error(Location(path), code, message, hint)
    return found.items[0]


def _staging(out_dir: Path) -> Path:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.okrsite-staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    return staging


def _copy_assets(site_dir: Path, staging: Path, renderer: Renderer, checked: CheckResult,
                 previous: Previous | None) -> dict[str, str]:
    """Theme assets, the site's static/ files and bundle attachments: output → content hash.
    With a previous output, only files whose content changed are copied."""
    sources: dict[str, Path] = {urls.asset(name): path for name, path in renderer.theme.static_files().items()}
    static = site_dir / STATIC_DIR
    if static.is_dir():
        sources.update({p.relative_to(static).as_posix(): p for p in walk_all(static)})
    sources.update({target: site_dir / source for source, target in _bundle_assets(checked)})
    digests: dict[str, str] = {}
    for output, source in sorted(sources.items()):
        data = source.read_bytes()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()[:32]
        digests[output] = digest
        if previous is None or previous.fingerprints.get(output) != digest:
            target = staging / output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return digests


def _bundle_assets(checked: CheckResult) -> Iterator[tuple[str, str]]:
    """(source, output path) of the files beside bundle objectives (images, attachments)."""
    discovery, site = checked.loaded.discovery, checked.site
    if discovery is None or site is None:
        return
    for file in discovery.files:
        objective_id = f"{file.cycle}/{file.owner}/{file.slug}"
        if file.kind is FileKind.ASSET and objective_id in site.objectives:
            inside = file.path.split(f"/{file.slug}/", 1)[1]
            yield file.path, urls.objective(objective_id) + inside


def _apply(staging: Path, out_dir: Path, previous: Previous, manifest: PageManifest, retired: Path) -> None:
    """Move what changed into the output, drop what is gone, then mark the new build. A file
    replaced is first moved into `retired` (deleted later), never renamed over: ext4 writes a
    file renamed over another out at once (auto_da_alloc), a tenth of a second for each of a
    large site's exports, where moving the old one aside costs nothing. If a move fails, the
    files moved so far are put back as they were, and the error raised."""
    shutil.rmtree(retired, ignore_errors=True)  # left by a build of the same pid that was killed
    retired.mkdir()
    done: list[tuple[Path, Path | None]] = []  # (target, the old file moved aside, if any)
    try:
        for number, path in enumerate(sorted(staging.rglob("*"))):
            if path.is_file():
                target = out_dir / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                aside = retired / str(number)
                try:
                    target.rename(aside)
                    done.append((target, aside))
                except FileNotFoundError:
                    done.append((target, None))
                os.replace(path, target)
    except OSError:
        for target, old in reversed(done):
            if old is not None:
                os.replace(old, target)
            else:
                target.unlink(missing_ok=True)
        raise
    for output in sorted(set(previous.fingerprints) - set(manifest.fingerprints), reverse=True):
        gone = out_dir / output
        gone.unlink(missing_ok=True)
        _remove_empty_parents(gone.parent, out_dir)
    _write_marker(out_dir, manifest)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _wants_search(options: BuildOptions, configured: bool) -> bool:
    """Build the Pagefind index: as --search/--no-search or site.toml says, if it is installed."""
    wanted = options.search if options.search is not None else configured
    return wanted and importlib.util.find_spec("pagefind") is not None


def _index_search(out_dir: Path, lock: AbstractContextManager[object] | None) -> bool:
    """Index the site with Pagefind (when installed) into a fresh folder, then swap it in.
    Without Pagefind the search page searches titles, owners and tags only."""
    fresh = out_dir.parent / f".{out_dir.name}.okrsite-search-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(out_dir), "--output-path", str(fresh),
               "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=3600, check=False)
        if done.returncode != 0 or not fresh.is_dir():
            return False
        with lock or nullcontext():
            old = out_dir / SEARCH_DIR
            retired = out_dir.parent / f".{out_dir.name}.okrsite-search-old-{os.getpid()}"
            if old.exists():
                old.rename(retired)
            fresh.rename(old)
        shutil.rmtree(retired, ignore_errors=True)
        return True
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old tree is removed afterwards."""
    old = out_dir.parent / f".{out_dir.name}.okrsite-old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
