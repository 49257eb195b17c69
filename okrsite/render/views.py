"""What each page shows, as frozen data built from the model and its scores.

Templates only read these views (plus site-wide globals). Whether a page must be rendered again
is decided before its view is made, from the digests of what the view reads (render/inputs.py).
URLs in views are relative to the site root; templates make them relative to the page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import NamedTuple

from ..history import NO_HISTORY, Commit, History
from ..model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveHead,
    Site,
    SiteIndex,
    quick_reduce,
)
from ..scoring import Scores, Status, clamp, grade_band, pace_status, progress_series, weighted_mean
from . import urls

# The most numerous views are NamedTuples: as immutable as the frozen dataclasses, several
# times cheaper to make (a large site makes millions of them) and to keep in the build cache.


class Link(NamedTuple):
    title: str  # inline Markdown
    url: str


class Bar(NamedTuple):
    """A progress bar: value (unclamped), today's expected progress, status key."""

    value: float | None
    expected: float | None
    status: str  # done | on-track | at-risk | off-track | not-started | no-data | cancelled | green | yellow | red

    __reduce__ = quick_reduce


class ObjectiveSummary(NamedTuple):
    id: str
    url: str
    title: str
    cycle: str
    owner: str
    owner_name: str
    owner_url: str
    level: str | None
    kind: str
    lifecycle: str
    tags: tuple[str, ...]
    bar: Bar
    phase: str
    stale: bool
    low_confidence: bool
    confidence: float | None
    grade: float | None
    band: str | None
    kr_count: int
    last_checkin: dt.date | None
    days_since_checkin: int | None
    trend: tuple[float, ...] = ()  # progress after each check-in, for sparklines

    __reduce__ = quick_reduce


class ReadingView(NamedTuple):
    date: dt.date | None
    checkin_url: str | None
    value: float | None
    progress: float | None  # of the KR after this reading
    done: bool | None
    confidence: float | None
    note: str


@dataclass(frozen=True)
class CommitView:
    sha: str
    short: str
    author: str
    date: dt.date
    subject: str


@dataclass(frozen=True)
class MoveView:
    field: str  # start | target
    old: str
    new: str
    commit: CommitView


@dataclass(frozen=True)
class KRView:
    id: str
    anchor: str
    title: str
    kind: str
    unit: str
    start: float | None
    target: float | None
    threshold: str | None
    current: float | None
    bar: Bar
    confidence: float | None
    owner_name: str | None
    owner_url: str | None
    weight: float
    linked: Link | None
    updated: dt.date | None
    readings: tuple[ReadingView, ...]
    aligned: tuple[Link, ...] = ()  # objectives aligned to this KR
    moves: tuple[MoveView, ...] = ()  # start/target changed mid-cycle, not in `changes:`


class UpdateView(NamedTuple):
    objective: Link
    kr_title: str
    kr_url: str
    unit: str
    value: float | None
    done: bool | None
    progress: float | None  # reported progress (milestones) or the KR's after this value
    confidence: float | None
    note: str


@dataclass(frozen=True)
class CheckInView:
    id: str
    anchor: str
    date: dt.date
    author_name: str | None
    author_url: str | None
    owner_name: str
    confidence: float | None
    body: str
    updates: tuple[UpdateView, ...]
    objectives: tuple[Link, ...]


@dataclass(frozen=True)
class ChangeView:
    date: dt.date | None
    change: str
    why: str


@dataclass(frozen=True)
class CycleSummary:
    id: str
    url: str
    title: str
    theme: str
    start: dt.date
    end: dt.date
    phase: str
    closed: bool
    expected: float
    bar: Bar
    objectives: int
    counts: tuple[tuple[str, int], ...]
    stale: int
    low_confidence: int
    average_grade: float | None
    bands: tuple[tuple[str, int], ...]
    ungraded: int


@dataclass(frozen=True)
class CycleRef:
    """A cycle as named on pages about something else: no scores, so those pages do not
    change when other objectives of the cycle move."""

    id: str
    url: str
    title: str
    start: dt.date
    end: dt.date
    phase: str
    closed: bool


@dataclass(frozen=True)
class ObjectiveDetail:
    summary: ObjectiveSummary
    cycle: CycleRef
    body: str
    breadcrumbs: tuple[Link, ...]  # company ... parent
    parents: tuple[Link, ...]  # each parent, with `#KR` when aligned to one key result
    children: tuple[ObjectiveSummary, ...]
    key_results: tuple[KRView, ...]
    checkins: tuple[CheckInView, ...]
    changes: tuple[ChangeView, ...]
    retrospective: str
    score_set: bool
    source: str
    history: tuple[CommitView, ...] = ()  # commits that changed the file, newest first


@dataclass(frozen=True)
class OwnerGroup:
    owner: str
    name: str
    url: str
    objectives: tuple[ObjectiveSummary, ...]


@dataclass(frozen=True)
class FilterOptions:
    statuses: tuple[str, ...]
    owners: tuple[tuple[str, str], ...]  # (key, name)
    tags: tuple[tuple[str, str], ...]  # (slug, tag)


@dataclass(frozen=True)
class HomeView:
    cycle: CycleSummary | None
    company: tuple[ObjectiveSummary, ...]
    attention: tuple[ObjectiveSummary, ...]  # off track and at risk
    stale: tuple[ObjectiveSummary, ...]
    latest: tuple[CheckInView, ...]
    other_cycles: tuple[CycleRef, ...]


@dataclass(frozen=True)
class CycleView:
    cycle: CycleSummary
    groups: tuple[OwnerGroup, ...]
    filters: FilterOptions


@dataclass(frozen=True)
class OwnerObjective:
    summary: ObjectiveSummary
    key_results: tuple[KRView, ...]


@dataclass(frozen=True)
class OwnerCycleView:
    owner: str
    name: str
    kind: str  # team | person | owner
    cycle: CycleRef
    objectives: tuple[OwnerObjective, ...]
    checkins: tuple[CheckInView, ...]
    history_url: str


@dataclass(frozen=True)
class HistoryRow:
    cycle: CycleRef
    objectives: tuple[ObjectiveSummary, ...]
    average: float | None  # grade when ended, else progress
    band: str | None
    url: str


@dataclass(frozen=True)
class OwnerView:
    owner: str
    name: str
    kind: str
    parent: Link | None
    lead: Link | None
    members: tuple[Link, ...]
    subteams: tuple[Link, ...]
    history: tuple[HistoryRow, ...]
    feed_url: str | None = None  # its check-ins as an Atom feed, when it has any


@dataclass(frozen=True)
class OwnersIndexView:
    owners: tuple[tuple[Link, str, int, int], ...]  # link, kind, depth, objectives


@dataclass(frozen=True)
class ArchiveView:
    cycles: tuple[CycleSummary, ...]


@dataclass(frozen=True)
class TagView:
    tag: str
    groups: tuple[tuple[CycleRef, tuple[ObjectiveSummary, ...]], ...]


@dataclass(frozen=True)
class TagsIndexView:
    tags: tuple[tuple[Link, int], ...]


NEIGHBOURHOOD_LIMIT = 40


@dataclass(frozen=True)
class GraphNode:
    """One objective in an alignment graph, with what its card shows."""

    id: str
    level: int
    parents: tuple[str, ...]
    order: int
    title: str
    owner_name: str
    progress: float | None
    status: str
    url: str
    branch_keys: tuple[str, ...] = ()
    owner_key: str = ""


@dataclass(frozen=True)
class GraphEdge:
    child: str
    parent: str
    kr: str | None


@dataclass(frozen=True)
class Graph:
    """An alignment graph: the nodes and edges to lay out and draw."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    focus: str | None = None  # the objective a page is about, drawn highlighted


@dataclass(frozen=True)
class OutlineItem:
    summary: ObjectiveSummary
    via_kr: str | None  # the parent's KR this aligns to
    children: tuple[OutlineItem, ...]
    repeated: bool = False  # shown in full under another parent


@dataclass(frozen=True)
class CascadeView:
    cycle: CycleSummary
    graph: Graph
    outline: tuple[OutlineItem, ...]
    branches: tuple[tuple[str, str], ...]  # (key, owner name) for the branch filter


@dataclass
class ViewBuilder:
    """Builds the views of one site; memoises summaries shared by many pages."""

    site: Site
    scores: Scores
    history: History = NO_HISTORY
    summaries: dict[str, ObjectiveSummary] = field(default_factory=dict)  # may be given: the last build's
    _cycle_summaries: dict[str, CycleSummary] = field(default_factory=dict)
    _checkins: dict[str, CheckInView] = field(default_factory=dict)
    _series: dict[tuple[str, str], tuple[float | None, ...]] = field(default_factory=dict)
    _after: dict[tuple[str, str], dict[str | None, float | None]] = field(default_factory=dict)
    _grouped: dict[str, tuple[CheckInView, dict[str, tuple[UpdateView, ...]]]] = field(default_factory=dict)
    _links: dict[str, Link] = field(default_factory=dict)
    memo: dict[str, object] = field(default_factory=dict)  # other views made once per build

    # Shared pieces ----------------------------------------------------------------------

    @property
    def index(self) -> SiteIndex:
        return self.site.index

    def head(self, objective_id: str) -> ObjectiveHead:
        return self.site.index.objectives[objective_id]

    def owner_url(self, cycle_id: str, owner: str) -> str:
        return urls.owner_in_cycle(cycle_id, owner)

    def person_link(self, person: str | None) -> tuple[str | None, str | None]:
        if not person:
            return None, None
        return self.site.org.name(person), urls.owner(person)

    def summary(self, objective_id: str) -> ObjectiveSummary:
        found = self.summaries.get(objective_id)
        if found is None:
            found = self.summaries[objective_id] = self._summary(self.site.objectives[objective_id])
        return found

    def _summary(self, o: Objective) -> ObjectiveSummary:
        score = self.scores.objectives[o.id]
        ended = score.phase == "ended"
        status = score.band.value if ended and score.band else score.status.value
        return ObjectiveSummary(
            id=o.id, url=urls.objective(o.id), title=o.title, cycle=o.cycle, owner=o.owner,
            owner_name=self.site.org.name(o.owner), owner_url=self.owner_url(o.cycle, o.owner),
            level=o.level.value if o.level else None, kind=o.kind.value, lifecycle=o.lifecycle.value,
            tags=o.tags, bar=Bar(score.progress, None if ended else score.expected, status),
            phase=score.phase, stale=score.stale, low_confidence=score.low_confidence,
            confidence=score.confidence, grade=score.grade,
            band=score.band.value if score.band else None, kr_count=len(o.key_results),
            last_checkin=score.last_checkin, days_since_checkin=score.days_since_checkin,
            trend=self._trend(o),
        )

    def _trend(self, o: Objective) -> tuple[float, ...]:
        """Objective progress after each check-in date (from its numeric and milestone KRs)."""
        if not o.key_results or not o.checkins:
            return ()
        dated = []
        for kr in o.key_results:
            if kr.kind is not KRKind.LINKED:
                dated.append((kr, [r.date for r in kr.readings], self.series(o.id, kr)))
        days = sorted({d for _, dates, _ in dated for d in dates if d is not None})
        in_force = [_in_force(dates, days) for _, dates, _ in dated]
        points: list[float] = []
        for day in range(len(days)):
            pairs = []
            for (kr, _, series), positions in zip(dated, in_force):
                at = positions[day]
                progress = series[at] if at >= 0 else 0.0
                if progress is not None:
                    pairs.append((clamp(progress), kr.weight))
            value = weighted_mean(pairs)
            if value is not None:
                points.append(round(value, 4))
        return tuple(points)

    def series(self, objective_id: str, kr: KeyResult) -> tuple[float | None, ...]:
        key = (objective_id, kr.id)
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = progress_series(kr)
        return found

    def progress_after(self, objective_id: str, kr: KeyResult, checkin_id: str | None) -> float | None:
        """The KR's progress right after the reading a check-in gave (the last, if several)."""
        key = (objective_id, kr.id)
        by_checkin = self._after.get(key)
        if by_checkin is None:
            by_checkin = self._after[key] = {
                r.checkin: p for r, p in zip(kr.readings, self.series(objective_id, kr))
            }
        return by_checkin.get(checkin_id)

    def cycle_ref(self, cycle_id: str) -> CycleRef:
        cycle = self.site.cycles[cycle_id]
        return CycleRef(cycle.id, urls.cycle(cycle.id), cycle.title, cycle.start, cycle.end,
                        cycle.phase(self.scores.today), cycle.closed)

    def cycle_summary(self, cycle_id: str) -> CycleSummary:
        found = self._cycle_summaries.get(cycle_id)
        if found is None:
            found = self._cycle_summaries[cycle_id] = self._cycle_summary(self.site.cycles[cycle_id])
        return found

    def _cycle_summary(self, cycle: Cycle) -> CycleSummary:
        score = self.scores.cycles[cycle.id]
        ended = score.phase == "ended"
        value = score.average_grade if ended else score.progress
        status = _overall_status(self.site, score.progress, score.expected) if not ended else (
            _band_of(score.average_grade))
        return CycleSummary(
            id=cycle.id, url=urls.cycle(cycle.id), title=cycle.title, theme=cycle.theme,
            start=cycle.start, end=cycle.end, phase=score.phase, closed=cycle.closed,
            expected=score.expected, bar=Bar(value, None if ended else score.expected, status),
            objectives=score.objectives,
            counts=tuple((k, v) for k, v in score.counts.items() if v),
            stale=score.stale, low_confidence=score.low_confidence,
            average_grade=score.average_grade, bands=tuple(score.bands.items()),
            ungraded=score.ungraded,
        )

    def checkin(self, checkin_id: str) -> CheckInView:
        """The view of a check-in, memoised for the pages around it (a bounded memo: pages
        come in order, and a large site has too many check-ins to keep every view)."""
        found = self._checkins.get(checkin_id)
        if found is None:
            found = self._checkins[checkin_id] = self._checkin(self.site.checkins[checkin_id])
            if len(self._checkins) > CHECKIN_MEMO:
                del self._checkins[next(iter(self._checkins))]
        return found

    def _checkin_about(self, checkin_id: str, objective_id: str) -> CheckInView:
        """A check-in as shown on one objective's page: only the values it gave that objective."""
        view = self.checkin(checkin_id)
        mine = self._updates_by_objective(view).get(urls.objective(objective_id), ())
        if len(mine) == len(view.updates):
            return view
        return CheckInView(view.id, view.anchor, view.date, view.author_name, view.author_url,
                           view.owner_name, view.confidence, view.body, mine, view.objectives)

    def _updates_by_objective(self, view: CheckInView) -> dict[str, tuple[UpdateView, ...]]:
        """A check-in's values grouped by the page of the objective they are about."""
        found = self._grouped.get(view.id)
        if found is None or found[0] is not view:
            groups: dict[str, list[UpdateView]] = {}
            for update in view.updates:
                groups.setdefault(update.objective.url, []).append(update)
            found = self._grouped[view.id] = (view, {url: tuple(ups) for url, ups in groups.items()})
            if len(self._grouped) > CHECKIN_MEMO:
                del self._grouped[next(iter(self._grouped))]
        return found[1]

    def objective_link(self, objective_id: str) -> Link:
        found = self._links.get(objective_id)
        if found is None:
            found = self._links[objective_id] = Link(self.head(objective_id).title,
                                                     urls.objective(objective_id))
        return found

    def _checkin(self, c: CheckIn) -> CheckInView:
        author_name, author_url = self.person_link(c.author)
        updates = []
        for u in c.updates:
            objective = self.site.objectives[u.objective]
            kr = objective.kr(u.kr)
            assert kr is not None
            reading = u.reading
            updates.append(UpdateView(
                self.objective_link(objective.id), kr.title, urls.kr(objective.id, kr.id), kr.unit,
                reading.value, reading.done, self.progress_after(u.objective, kr, c.id),
                reading.confidence, reading.note,
            ))
        objectives = tuple(self.objective_link(oid) for oid in c.objectives if oid in self.index.objectives)
        return CheckInView(
            id=c.id, anchor=checkin_anchor(c), date=c.date, author_name=author_name,
            author_url=author_url if c.author and self.site.org.knows(c.author) else None,
            owner_name=self.site.org.name(c.owner_folder), confidence=c.confidence, body=c.body,
            updates=tuple(updates), objectives=objectives,
        )

    # Pages ------------------------------------------------------------------------------

    def objective_detail(self, objective_id: str) -> ObjectiveDetail:
        o = self.site.objectives[objective_id]
        crumbs = tuple(self.objective_link(a) for a in reversed(self.site.ancestors(o.id)))
        parents = tuple(
            Link(self._parent_title(p.objective, p.kr), urls.kr(p.objective, p.kr) if p.kr else urls.objective(p.objective))
            for p in o.parents if p.objective in self.index.objectives
        )
        children_ids = self.index.children.get(o.id, ())
        return ObjectiveDetail(
            summary=self.summary(o.id),
            cycle=self.cycle_ref(o.cycle),
            body=o.body,
            breadcrumbs=crumbs,
            parents=parents,
            children=tuple(self.summary(c) for c in self.ordered(children_ids)),
            key_results=self.kr_views(o),
            checkins=tuple(self._checkin_about(c, o.id) for c in reversed(o.checkins) if c in self.index.checkins),
            changes=tuple(ChangeView(c.date, c.change, c.why) for c in o.changes),
            retrospective=o.retrospective,
            score_set=o.score is not None,
            source=o.path,
            history=tuple(_commit(c) for c in self.history.of(o.path)[:HISTORY_LIMIT]),
        )

    def _parent_title(self, objective_id: str, kr_id: str | None) -> str:
        parent = self.head(objective_id)
        kr = next((k for k in parent.key_results if k.id == kr_id), None) if kr_id else None
        return kr.title if kr else parent.title

    def kr_views(self, o: Objective) -> tuple[KRView, ...]:
        return tuple(self._kr_view(o, kr) for kr in o.key_results)

    def _kr_view(self, o: Objective, kr: KeyResult) -> KRView:
        score = self.scores.kr(o.id, kr.id)
        phase = self.scores.objectives[o.id].phase
        expected = None if phase == "ended" else self.scores.objectives[o.id].expected
        owner_name, owner_url = self.person_link(kr.owner)
        linked = None
        if kr.linked and kr.linked in self.index.objectives:
            linked = self.objective_link(kr.linked)
        aligned = tuple(
            self.objective_link(c)
            for c in self.index.children.get(o.id, ())
            if any(p.objective == o.id and p.kr == kr.id for p in self.head(c).parents)
        )
        readings = tuple(
            ReadingView(
                date=r.date, checkin_url=urls.objective(o.id) + "#" + _anchor_for(r.checkin) if r.checkin else None,
                value=r.value, progress=progress, done=r.done, confidence=r.confidence, note=r.note,
            )
            for r, progress in zip(kr.readings, self.series(o.id, kr))
        )
        return KRView(
            id=kr.id, anchor=f"kr-{kr.id}", title=kr.title, kind=kr.kind.value, unit=kr.unit,
            start=kr.start, target=kr.target, threshold=str(kr.threshold) if kr.threshold else None,
            current=score.current, bar=Bar(score.progress, expected, score.status.value),
            confidence=score.confidence, owner_name=owner_name,
            owner_url=owner_url if kr.owner and self.site.org.knows(kr.owner) else None,
            weight=kr.weight, linked=linked, updated=score.updated, readings=readings,
            aligned=aligned,
            moves=tuple(MoveView(m.field, m.old, m.new, _commit(m.commit))
                        for m in self.history.moves.get(o.id, ()) if m.kr == kr.id),
        )

    def ordered(self, objective_ids: Iterable[str]) -> list[str]:
        heads = self.index.objectives
        return sorted(
            (i for i in objective_ids if i in heads),
            key=lambda i: (self.site.owner_order(heads[i].owner), i),
        )

    def home(self, current: str | None) -> HomeView:
        others = tuple(self.cycle_ref(c) for c in reversed(self.site.cycles) if c != current)
        if current is None:
            return HomeView(None, (), (), (), (), others)
        in_cycle = [o for o in self.heads_in(current) if not o.cancelled]
        company = [o.id for o in in_cycle if o.level is not None and o.level.rank == 0] or [
            o.id for o in in_cycle if not o.parents
        ]
        summaries = [self.summary(o.id) for o in in_cycle]
        attention = sorted(
            (s for s in summaries if s.bar.status in (Status.OFF_TRACK.value, Status.AT_RISK.value)),
            key=lambda s: (s.bar.status != Status.OFF_TRACK.value, s.bar.value or 0.0, s.id),
        )
        stale = sorted((s for s in summaries if s.stale),
                       key=lambda s: (-(s.days_since_checkin or 0), s.id))
        latest = list(reversed(self.index.checkins_by_cycle.get(current, ())))[:8]
        return HomeView(
            cycle=self.cycle_summary(current),
            company=tuple(self.summary(i) for i in self.ordered(company)),
            attention=tuple(attention),
            stale=tuple(stale),
            latest=tuple(self.checkin(c) for c in latest),
            other_cycles=others,
        )

    def cycle_view(self, cycle_id: str) -> CycleView:
        groups: dict[str, list[str]] = defaultdict(list)
        for o in self.heads_in(cycle_id):
            groups[o.owner].append(o.id)
        ordered = sorted(groups, key=self.site.owner_order)
        tags = sorted({t for ids in groups.values() for i in ids for t in self.head(i).tags},
                      key=str.lower)
        statuses = sorted({self.summary(i).bar.status for ids in groups.values() for i in ids},
                          key=_STATUS_ORDER.index)
        return CycleView(
            cycle=self.cycle_summary(cycle_id),
            groups=tuple(
                OwnerGroup(owner, self.site.org.name(owner), self.owner_url(cycle_id, owner),
                           tuple(self.summary(i) for i in sorted(groups[owner], key=self._level_key)))
                for owner in ordered
            ),
            filters=FilterOptions(
                statuses=tuple(statuses),
                owners=tuple((urls.slugify(o), self.site.org.name(o)) for o in ordered),
                tags=tuple((urls.slugify(t), t) for t in tags),
            ),
        )

    def _level_key(self, objective_id: str) -> tuple[int, str]:
        level = self.head(objective_id).level
        return (level.rank if level else 9, objective_id)

    def owner_cycle(self, cycle_id: str, owner: str) -> OwnerCycleView:
        ids = self.by_cycle_owner.get((cycle_id, owner), ())
        checkin_ids = {c for i in ids for c in self.head(i).checkins if c in self.index.checkins}
        newest = sorted(checkin_ids, key=lambda c: self._checkin_rank[c], reverse=True)[:OWNER_CHECKINS]
        return OwnerCycleView(
            owner=owner, name=self.site.org.name(owner), kind=self._owner_kind(owner),
            cycle=self.cycle_ref(cycle_id),
            objectives=tuple(
                OwnerObjective(self.summary(i), self.kr_views(self.site.objectives[i]))
                for i in sorted(ids, key=self._level_key)
            ),
            checkins=tuple(self.checkin(c) for c in newest),
            history_url=urls.owner(owner),
        )

    @property
    def by_cycle_owner(self) -> Mapping[tuple[str, str], tuple[str, ...]]:
        return self.index.by_cycle_owner

    @property
    def by_owner(self) -> Mapping[str, tuple[str, ...]]:
        return self.index.by_owner

    @property
    def owner_checkins(self) -> Mapping[str, tuple[str, ...]]:
        """Owner → the check-ins in its folder or about its objectives, oldest first."""
        return self.index.owner_checkins

    @property
    def _checkin_rank(self) -> Mapping[str, int]:
        return self.index.checkin_rank

    @property
    def _objective_rank(self) -> Mapping[str, int]:
        return self.index.objective_rank

    def heads_in(self, cycle_id: str) -> list[ObjectiveHead]:
        """The heads of a cycle's objectives, in site order."""
        heads = self.index.objectives
        return [heads[i] for i in self.index.by_cycle.get(cycle_id, ())]

    def _owner_kind(self, owner: str) -> str:
        if owner in self.site.org.teams:
            return "team"
        if owner in self.site.org.people:
            return "person"
        return "owner"

    def owner_view(self, owner: str) -> OwnerView:
        org = self.site.org
        by_cycle: dict[str, list[str]] = defaultdict(list)
        for objective_id in self.by_owner.get(owner, ()):
            by_cycle[self.head(objective_id).cycle].append(objective_id)
        history = []
        for cycle_id in reversed(self.site.cycles):
            ids = by_cycle.get(cycle_id)
            if not ids:
                continue
            summaries = tuple(self.summary(i) for i in sorted(ids, key=self._level_key))
            cycle = self.cycle_ref(cycle_id)
            counted = [s for s in summaries if s.lifecycle != "cancelled"]
            ended = cycle.phase == "ended"
            values = [s.grade if ended else s.bar.value for s in counted]
            present = [v for v in values if v is not None]
            average = sum(present) / len(present) if present else None
            history.append(HistoryRow(cycle, summaries, average, _band_of(average) if ended else None,
                                      self.owner_url(cycle_id, owner)))
        team = org.teams.get(owner)
        person = org.people.get(owner)
        parent_id = team.parent if team else (person.team if person else None)
        lead = team.lead if team else None
        return OwnerView(
            owner=owner, name=org.name(owner), kind=self._owner_kind(owner),
            parent=Link(org.name(parent_id), urls.owner(parent_id)) if parent_id else None,
            lead=Link(org.name(lead), urls.owner(lead)) if lead else None,
            members=tuple(Link(p.name, urls.owner(p.id)) for p in org.people.values() if p.team == owner),
            subteams=tuple(Link(t.name, urls.owner(t.id)) for t in org.teams.values() if t.parent == owner),
            history=tuple(history),
            feed_url=urls.owner_feed(owner) if self.owner_checkins.get(owner) else None,
        )

    def owners(self) -> list[str]:
        """Every owner with a page: org members and teams, and owners of objectives."""
        return list(self._owners)

    @cached_property
    def _owners(self) -> tuple[str, ...]:  # (worked out once per build: pages ask for it often)
        found = dict.fromkeys([*self.site.org.teams, *self.site.org.people])
        for o in self.index.objectives.values():
            found.setdefault(o.owner, None)
        return tuple(sorted(found, key=self.site.owner_order))

    def owners_index(self) -> OwnersIndexView:
        counts: dict[str, int] = defaultdict(int)
        for o in self.index.objectives.values():
            counts[o.owner] += 1
        rows = []
        for owner in self.owners():
            depth = len(self.site.org.ancestors(owner)) if owner in self.site.org.teams else (
                len(self.site.org.ancestors(self.site.org.people[owner].team or "")) + 1
                if owner in self.site.org.people and self.site.org.people[owner].team else 0)
            rows.append((Link(self.site.org.name(owner), urls.owner(owner)), self._owner_kind(owner),
                         depth, counts.get(owner, 0)))
        return OwnersIndexView(tuple(rows))

    def archive(self) -> ArchiveView:
        return ArchiveView(tuple(self.cycle_summary(c) for c in reversed(self.site.cycles)))

    def tag_names(self) -> list[str]:
        seen: dict[str, str] = {}
        for o in self.index.objectives.values():
            for t in o.tags:
                seen.setdefault(urls.slugify(t), t)
        return sorted(seen.values(), key=str.lower)

    @cached_property
    def by_tag(self) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for o in self.index.objectives.values():
            for slug in dict.fromkeys(urls.slugify(t) for t in o.tags):
                found[(o.cycle, slug)].append(o.id)
        return found

    def tag_view(self, tag: str) -> TagView:
        slug = urls.slugify(tag)
        groups = []
        for cycle_id in reversed(self.site.cycles):
            ids = self.by_tag.get((cycle_id, slug), [])
            if ids:
                groups.append((self.cycle_ref(cycle_id), tuple(self.summary(i) for i in self.ordered(ids))))
        return TagView(tag, tuple(groups))

    def tags_index(self) -> TagsIndexView:
        counts: dict[str, int] = defaultdict(int)
        for o in self.index.objectives.values():
            for t in {urls.slugify(t) for t in o.tags}:
                counts[t] += 1
        return TagsIndexView(tuple(
            (Link(t, urls.tag(t)), counts[urls.slugify(t)]) for t in self.tag_names()
        ))


    # Alignment graphs -----------------------------------------------------------------

    def cascade(self, cycle_id: str) -> CascadeView:
        """The whole alignment graph of a cycle, its outline and its branch filter."""
        ids = list(self.index.by_cycle.get(cycle_id, ()))
        graph = self.graph(ids, with_branches=True)
        owners = sorted({self.head(i).owner for i in ids}, key=self.site.owner_order)
        return CascadeView(
            cycle=self.cycle_summary(cycle_id),
            graph=graph,
            outline=self._outline(ids),
            branches=tuple((urls.slugify(o), self.site.org.name(o)) for o in owners),
        )

    def neighbourhood(self, objective_id: str, limit: int = NEIGHBOURHOOD_LIMIT) -> Graph:
        """An objective with its ancestors up to the top and what is aligned below it
        (nearest first, at most `limit` objectives below: the cascade page has them all)."""
        up = self.reach(objective_id, lambda o: [p.objective for p in self.head(o).parents], None)
        down = self.reach(objective_id, lambda o: self.ordered(self.index.children.get(o, ())), limit)
        ids = sorted(up | down | {objective_id}, key=self._objective_rank.__getitem__)
        return replace(self.graph(ids, with_branches=False), focus=objective_id)

    def reach(self, start: str, step: Callable[[str], Iterable[str]], limit: int | None) -> set[str]:
        """Objectives reachable from `start` by `step`, breadth first, at most `limit`."""
        seen: set[str] = set()
        queue = deque([start])
        while queue:
            for nxt in step(queue.popleft()):
                if nxt in self.index.objectives and nxt not in seen and nxt != start:
                    if limit is not None and len(seen) >= limit:
                        return seen
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def graph(self, ids: Sequence[str], *, with_branches: bool) -> Graph:
        present = set(ids)
        edges = tuple(
            GraphEdge(oid, p.objective, p.kr)
            for oid in ids for p in self.head(oid).parents if p.objective in present
        )
        keys = self._branch_keys(ids, edges) if with_branches else {}
        parents: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            parents[e.child].append(e.parent)
        nodes = []
        for oid in ids:
            o, s = self.head(oid), self.summary(oid)
            nodes.append(GraphNode(
                id=oid, level=o.level.rank if o.level else 0,
                parents=tuple(parents.get(oid, ())),
                order=self.site.owner_order(o.owner)[0], title=s.title, owner_name=s.owner_name,
                progress=display_progress(s.bar.value), status=s.bar.status, url=s.url,
                branch_keys=keys.get(oid, ()), owner_key=urls.slugify(o.owner) if with_branches else "",
            ))
        return Graph(tuple(nodes), edges)

    def _branch_keys(self, ids: Sequence[str], edges: Sequence[GraphEdge]) -> dict[str, tuple[str, ...]]:
        """For each node, the owners whose branch (their objectives, ancestors and
        descendants) contains it: the values of the branch filter that keep it shown."""
        parents: dict[str, list[str]] = defaultdict(list)
        children: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            parents[e.child].append(e.parent)
            children[e.parent].append(e.child)
        owner = {i: urls.slugify(self.head(i).owner) for i in ids}
        below: dict[str, set[str]] = {}

        def owners_below(node: str) -> set[str]:  # alignment loops were cut at load time
            if node not in below:
                below[node] = set()  # guards against a loop all the same
                found = {owner[node]}
                for child in children.get(node, ()):
                    found |= owners_below(child)
                below[node] = found
            return below[node]

        keys: dict[str, tuple[str, ...]] = {}
        for node in ids:
            found = set(owners_below(node))
            todo, seen = list(parents.get(node, ())), set()
            while todo:
                up = todo.pop()
                if up not in seen:
                    seen.add(up)
                    found.add(owner[up])
                    todo.extend(parents.get(up, ()))
            keys[node] = tuple(sorted(found))
        return keys

    def _outline(self, ids: Sequence[str]) -> tuple[OutlineItem, ...]:
        present = set(ids)
        shown: set[str] = set()

        def item(oid: str, via: str | None) -> OutlineItem:
            if oid in shown:
                return OutlineItem(self.summary(oid), via, (), repeated=True)
            shown.add(oid)
            kids = [c for c in self.ordered(self.index.children.get(oid, ())) if c in present]
            return OutlineItem(self.summary(oid), via, tuple(
                item(c, next((p.kr for p in self.head(c).parents if p.objective == oid), None))
                for c in kids
            ))

        roots = [i for i in self.ordered(ids)
                 if not any(p.objective in present for p in self.head(i).parents)]
        return tuple(item(r, None) for r in roots)


_STATUS_ORDER = [s.value for s in Status] + ["green", "yellow", "red"]
HISTORY_LIMIT = 20
OWNER_CHECKINS = 6  # latest check-ins on a team's or person's page of one cycle
CHECKIN_MEMO = 4096


def display_progress(value: float | None) -> float | None:
    """Progress as pages show it, to the whole percent: alignment graphs draw this, so a page
    with a graph changes only when a percentage it shows changes."""
    return None if value is None else round(value * 100) / 100


def _commit(commit: Commit) -> CommitView:
    return CommitView(commit.sha, commit.short, commit.author, commit.when.date(), commit.subject)


def _band_of(value: float | None) -> str:
    return grade_band(value).value if value is not None else Status.NO_DATA.value


def _overall_status(site: Site, progress: float | None, expected: float) -> str:
    if progress is None:
        return Status.NO_DATA.value
    return pace_status(progress, expected, site.config.scoring.on_track, site.config.scoring.at_risk).value


def _in_force(dates: Sequence[dt.date | None], days: Sequence[dt.date]) -> list[int]:
    """For each of `days` (in order), the position of the last reading dated that day or
    before (undated ones count from the start); -1 before the first."""
    dated = [d for d in dates if d is not None]
    ordered = all(d is None for d in dates[: len(dates) - len(dated)]) and all(
        a <= b for a, b in itertools.pairwise(dated))
    if not ordered:  # readings are undated first, then by date; anything else the slow way
        return [max((i for i, d in enumerate(dates) if d is None or d <= day), default=-1) for day in days]
    found, at = [], -1
    for day in days:
        while at + 1 < len(dates) and ((nxt := dates[at + 1]) is None or nxt <= day):
            at += 1
        found.append(at)
    return found


def checkin_anchor(checkin: CheckIn) -> str:
    return _anchor_for(checkin.id)


@lru_cache(maxsize=1 << 17)
def _anchor_for(checkin_id: str) -> str:
    name = checkin_id.rsplit("/", 1)[-1].removesuffix(".md")
    return "checkin-" + urls.slugify(name) + "-" + format(abs(hash_text(checkin_id)) % 10**6, "06d")


def hash_text(text: str) -> int:
    """A stable (not per-process salted) hash for anchors."""
    return zlib.crc32(text.encode("utf-8"))
