"""Views of the publishing pages: data exports, Atom feeds, "this week", programme insights.

Each is a function of a ViewBuilder (the model and its scores), like the views in views.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, cast

from .. import export
from ..model import CheckInHead, KRKind, SiteIndex
from ..scoring import Scores, Status, mean, rescore, score_inputs, score_site
from . import markdown, urls
from .views import CheckInView, CycleSummary, Link, ObjectiveSummary, ViewBuilder

FEED_ENTRIES = 50  # site and cycle feeds
OWNER_FEED_ENTRIES = 20  # a team's or person's feed
WEEK_DAYS = 7
PARTICIPATION_DAYS = 14


# Exports ----------------------------------------------------------------------------------


def export_json(builder: ViewBuilder, cycle_id: str | None) -> Iterator[export.Piece]:
    """okrs.json: the documented export, for the whole site or one cycle, as pieces the build
    writes one after another: each cycle's lists are encoded once and kept, and never held
    whole in memory (a large site's export is hundreds of megabytes)."""
    cycles = [cycle_id] if cycle_id else list(builder.site.cycles)
    site, scores = builder.site, builder.scores
    head = export.compact_json_parts({**export.head_data(site, scores), "cycles": [], "org": export.org_data(site),
                                      "objectives": [], "checkins": []})

    def lists(key: str) -> Iterator[export.Piece]:
        if key == "cycles":
            return (export.compact(export.cycle_data(site.cycles[c], scores)) for c in cycles)
        return (_cycle_export(builder, c, "objectives" if key == "objectives" else "checkins") for c in cycles)

    return export.json_pieces(head, lists)


def export_csv(builder: ViewBuilder, cycle_id: str | None) -> Iterator[export.Piece]:
    cycles = [cycle_id] if cycle_id else list(builder.site.cycles)
    site, scores = builder.site, builder.scores
    yield export.csv_header()
    for c in cycles:
        yield export.csv_text([export.cycle_row(export.cycle_data(site.cycles[c], scores))])
        yield _cycle_export(builder, c, "csv")


@dataclass(frozen=True)
class CycleExport:
    """A cycle's part of the exports, encoded: its objectives and its check-ins (JSON items
    joined by commas) and their CSV rows (the cycle's own row is made each time). Kept as
    three fragments."""

    objectives: export.Part
    checkins: export.Part
    csv: export.Part


@dataclass(frozen=True)
class UnitExport:
    """A unit's share of its cycle's export, encoded: its objectives (JSON items joined by
    commas) and their CSV rows, each of its check-ins as a JSON item and CSV rows, and a digest
    of all of them. A running cycle keeps one per unit, under the unit's key (its units change
    week by week): an edit encodes and stores one unit again, and the cycle's export is joined
    anew from them."""

    objectives: bytes
    csv: bytes
    checkins: dict[str, tuple[bytes, bytes]]  # check-in → (JSON, CSV)
    digest: str


def _cycle_export(builder: ViewBuilder, cycle_id: str, part: str) -> export.Part | export.StoredPart:
    """One part (objectives, checkins or csv) of a cycle's encoded export. An ended cycle's
    parts are kept apart while its units are unchanged (writing the site's export reads one at
    a time); a running cycle's are joined from its units' shares, of which an edit encodes
    again only those of the units that changed."""
    live = cycle_id not in builder.scores.cycles or builder.scores.cycles[cycle_id].phase != "ended"
    if live:
        memo = builder.memo.setdefault("export-live", {})
        assert isinstance(memo, dict)
        if cycle_id not in memo:
            memo[cycle_id] = _joined(builder, cycle_id, _shares(builder, cycle_id, keep=True))
        return cast(export.Part, getattr(memo[cycle_id], part))
    store = _store(builder)
    key = "cycle:" + export.digest_of([cycle_id, *_unit_keys(builder, cycle_id).values()])
    found = store.get(f"{key}:{part}")
    if isinstance(found, (export.Part, export.StoredPart)):
        return found
    made = _joined(builder, cycle_id, _shares(builder, cycle_id, keep=False))
    for name in ("objectives", "checkins", "csv"):
        store.put(f"{key}:{name}", getattr(made, name))
    return cast(export.Part, getattr(made, part))


def _shares(builder: ViewBuilder, cycle_id: str, *, keep: bool) -> dict[str, UnitExport]:
    """Each unit's share of a cycle's export: with `keep`, the one stored under the unit's key
    if there is one, else encoded now and stored; without, encoded now."""
    store = _store(builder)
    keys = _unit_keys(builder, cycle_id)
    shares: dict[str, UnitExport] = {}
    for unit, (objectives, checkins) in _units(builder).get(cycle_id, {}).items():
        name = f"unit-export:{keys[unit]}"
        found = store.get(name) if keep else None
        if not isinstance(found, UnitExport):
            found = _encode_unit(builder, objectives, checkins)
            if keep:
                store.put(name, found)
        shares[unit] = found
    return shares


def _joined(builder: ViewBuilder, cycle_id: str, shares: dict[str, UnitExport]) -> CycleExport:
    """A cycle's export parts, joined from its units' shares: the check-ins in the cycle's
    order. The parts' digests are made of the shares' digests (and that order), not of the
    tens of megabytes joined: the same shares give the same bytes."""
    order = builder.index.checkins_by_cycle.get(cycle_id, ())
    checkins: dict[str, tuple[bytes, bytes]] = {}
    for share in shares.values():
        checkins.update(share.checkins)
    made_of = export.digest_of([cycle_id, *(s.digest for s in shares.values()), "", *order])
    return CycleExport(
        export.Part(_comma_joined(s.objectives for s in shares.values() if s.objectives), "objectives:" + made_of),
        export.Part(_comma_joined(checkins[i][0] for i in order), "checkins:" + made_of),
        export.Part((*(s.csv for s in shares.values()), *(checkins[i][1] for i in order)), "csv:" + made_of),
    )


def _comma_joined(items: Iterable[bytes]) -> tuple[bytes, ...]:
    """JSON items as the chunks of a list's inside: a comma between each two."""
    chunks: list[bytes] = []
    for item in items:
        if chunks:
            chunks.append(b",")
        chunks.append(item)
    return tuple(chunks)


def _unit_keys(builder: ViewBuilder, cycle_id: str) -> dict[str, str]:
    """The key of each unit of a cycle: the digests of what it is made of (once per build)."""
    memo = builder.memo.setdefault("export-unit-keys", {})
    assert isinstance(memo, dict)
    found = memo.get(cycle_id)
    if found is None:
        store = _store(builder)
        found = memo[cycle_id] = {unit: store.unit_key(unit, *ids) for unit, ids in _units(builder).get(cycle_id, {}).items()}
    return cast(dict[str, str], found)


def _encode_unit(builder: ViewBuilder, objectives: list[str], checkins: list[str]) -> UnitExport:
    """Encode a unit's objectives and check-ins."""
    site, scores = builder.site, builder.scores
    data = [export.objective_data(site, site.objectives[i], scores) for i in objectives]
    own = ",".join(export.compact(o) for o in data).encode()
    rows = export.csv_text(row for o in data for row in export.objective_rows(o)).encode()
    encoded: dict[str, tuple[bytes, bytes]] = {}
    h = hashlib.sha256(b"%d:%s%d:%s" % (len(own), own, len(rows), rows))
    for i in checkins:
        entry = export.checkin_data(site.checkins[i])
        item = encoded[i] = (export.compact(entry).encode(), export.csv_text(export.update_rows(entry)).encode())
        h.update(b"%s\0%d:%s%d:%s" % (i.encode(), len(item[0]), item[0], len(item[1]), item[1]))
    return UnitExport(own, rows, encoded, h.hexdigest())


def _units(builder: ViewBuilder) -> dict[str, dict[str, tuple[list[str], list[str]]]]:
    """Cycle → its units (in the order of their objectives' ids: OWNER/ sorts as the ids
    beginning with it) → their objectives and check-ins, in site order."""
    found = builder.memo.get("export-units")
    if isinstance(found, dict):
        return found
    units: dict[str, dict[str, tuple[list[str], list[str]]]] = {}
    for head in builder.index.objectives.values():
        units.setdefault(head.cycle, {}).setdefault(f"{head.cycle}/{head.owner_folder}", ([], []))[0].append(head.id)
    for check in builder.index.checkins.values():
        units.setdefault(check.cycle, {}).setdefault(f"{check.cycle}/{check.owner_folder}", ([], []))[1].append(check.id)
    ordered = {c: dict(sorted(found.items(), key=lambda kv: kv[0] + "/")) for c, found in units.items()}
    builder.memo["export-units"] = ordered
    return ordered


class FragmentStore(Protocol):
    """Encoded parts of pages by a key naming what they are made of (build.FragmentStore keeps
    them across builds, keyed by the digests of what they are made of)."""

    def unit_key(self, unit: str, objectives: Iterable[str], checkins: Iterable[str]) -> str: ...

    def get(self, key: str) -> object | None: ...

    def put(self, key: str, value: object) -> None: ...


class MemoryFragments(dict[str, object]):
    """A FragmentStore for one build (views made outside a build, or a build without cache)."""

    def unit_key(self, unit: str, objectives: Iterable[str], checkins: Iterable[str]) -> str:
        return unit

    def put(self, key: str, value: object) -> None:
        self[key] = value


def _store(builder: ViewBuilder) -> FragmentStore:
    store = builder.memo.get("fragments")
    if store is None:
        store = builder.memo["fragments"] = MemoryFragments()
    return store  # type: ignore[return-value]


# Search -----------------------------------------------------------------------------------

def search_index(builder: ViewBuilder) -> str:
    """search/index.js: titles, owners and tags of every objective and owner, for the search
    page when the full-text index is missing or the site is opened from disk."""
    site = builder.site
    plain = markdown.shared(site.config.markdown.allow_html).plain
    records: list[list[str]] = []
    for o in site.index.objectives.values():
        records.append([
            plain(o.title), site.org.name(o.owner), " ".join(o.tags),
            " ".join(plain(kr.title) for kr in o.key_results),
            site.cycles[o.cycle].title if o.cycle in site.cycles else o.cycle, urls.objective(o.id),
        ])
    for owner in builder.owners():
        records.append([site.org.name(owner), owner, "", "", "", urls.owner(owner)])
    payload = json.dumps(records, ensure_ascii=True, separators=(",", ":"))
    # ensure_ascii and escaping "<" keep the script safe inside any page
    return "window.OKRSITE_SEARCH=" + payload.replace("<", "\\u003c") + ";\n"


# Feeds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    checkin: CheckInView
    owner: str
    objective: str  # inline Markdown title of the objective it is about ("" if none)
    url: str  # the first objective's page, at the check-in


@dataclass(frozen=True)
class FeedView:
    key: str  # stable id part: "site", "cycle:2026-Q4", "owner:platform"
    title: str
    page_url: str  # the HTML page the feed belongs to
    updated: dt.date
    entries: tuple[FeedEntry, ...]


def feed_view(builder: ViewBuilder, scope: str, key: str) -> FeedView:
    """Check-ins, newest first: of the whole site, of one cycle, or of one team or person."""
    site, index = builder.site, builder.index
    if scope == "cycle":
        chosen: Sequence[str] = index.checkins_by_cycle.get(key, ())
        title, page_url = site.cycles[key].title, urls.cycle(key)
    elif scope == "owner":
        chosen = builder.owner_checkins.get(key, ())
        title, page_url = site.org.name(key), urls.owner(key)
    else:
        chosen = list(index.checkins)
        title, page_url = site.config.title, ""
    newest = [index.checkins[c] for c in
              list(reversed(chosen))[: OWNER_FEED_ENTRIES if scope == "owner" else FEED_ENTRIES]]
    entries = tuple(_entry(builder, c) for c in newest)
    updated = newest[0].date if newest else builder.scores.today
    return FeedView(f"{scope}:{key}" if key else scope, title, page_url, updated, entries)


def _entry(builder: ViewBuilder, checkin: CheckInHead) -> FeedEntry:
    view = builder.checkin(checkin.id)
    about = view.objectives[0] if view.objectives else None
    owner = builder.site.org.name(checkin.owner_folder)
    url = (about.url + "#" + view.anchor) if about else urls.owner(checkin.owner_folder)
    return FeedEntry(view, owner, about.title if about else "", url)


# This week --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    objective: ObjectiveSummary
    before: str
    after: str


@dataclass(frozen=True)
class Keyed:
    """A part of a page whose view is made only when it is needed: `key` says what it shows
    (an input digest), so a part kept under it ({% cache item.key %}) needs no view."""

    key: str
    make: Callable[[], Any] = field(repr=False, compare=False)

    @property
    def view(self) -> Any:
        return self.make()


@dataclass(frozen=True)
class WeekView:
    start: dt.date  # the first day of the seven
    end: dt.date
    checkins: tuple[Keyed, ...]  # views: CheckInView
    changes: tuple[StatusChange, ...]
    new: tuple[ObjectiveSummary, ...]
    history_known: bool  # new objectives are known only from git history


def this_week(builder: ViewBuilder) -> WeekView:
    """Every check-in, status change and new objective of the last seven days."""
    today = builder.scores.today
    start = today - dt.timedelta(days=WEEK_DAYS - 1)
    checkins = [c for c in reversed(builder.index.checkins.values()) if start <= c.date <= today]
    before = week_before(builder)
    changes = []
    for oid, score in builder.scores.objectives.items():
        old = before.objectives.get(oid)
        if score.phase != "running" or old is None or old.phase != "running":
            continue
        if old.status is not score.status and Status.NO_DATA not in (old.status, score.status):
            changes.append(StatusChange(builder.summary(oid), old.status.value, score.status.value))
    known = bool(builder.history.commits)
    new = [oid for oid, o in builder.index.objectives.items()
           if (created := builder.history.created(o.path)) is not None and start <= created <= today]
    return WeekView(
        start=start, end=today,
        checkins=tuple(Keyed(_checkin_key(builder, c.id), partial(builder.checkin, c.id)) for c in checkins),
        changes=tuple(sorted(changes, key=lambda c: (_SEVERITY.get(c.after, 9), c.objective.id))),
        new=tuple(builder.summary(i) for i in builder.ordered(new)),
        history_known=known,
    )


_SEVERITY = {"off-track": 0, "at-risk": 1, "on-track": 2, "done": 3}


def week_before(builder: ViewBuilder) -> Scores:
    """The scores, on the day before the seven days of "this week", of the objectives running
    now and of what their scores are made of (an ended cycle's objectives cannot have changed
    status this week). After a build of the same day, only what changed since is scored again."""
    day = builder.scores.today - dt.timedelta(days=WEEK_DAYS)
    found = builder.memo.get("week_before")
    if isinstance(found, Scores) and found.today == day:
        return found
    site = builder.site
    running = [oid for oid, score in builder.scores.objectives.items() if score.phase == "running"]
    part = site.only(score_inputs(site, running)).as_of(day)
    last, changed = builder.memo.get("week_before_last"), builder.memo.get("changed")
    if isinstance(last, Scores) and last.today == day and isinstance(changed, frozenset):
        scores, _ = rescore(part, last, changed)
    else:
        scores = score_site(part, day)
    found = builder.memo["week_before"] = Scores(day, {}, scores.objectives, scores.cycles)
    return found


def _checkin_key(builder: ViewBuilder, checkin_id: str) -> str:
    """What a check-in's part of a page shows: its input digest in a build, else its view."""
    digest = builder.memo.get("checkin_digest")  # set by the build: PageInputs.checkin
    if callable(digest):
        return cast(str, digest(checkin_id))
    return repr(builder.checkin(checkin_id))


# Insights ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Bucket:
    low: float  # 0.2 for "20–39%"; the page formats the range in the site's language
    high: float | None  # 0.39, or None for the last bucket ("100%")
    count: int
    width: int  # 0..100, share of the largest bucket, for the bar


@dataclass(frozen=True)
class WeekConfidence:
    week: dt.date  # Monday
    confidence: float
    checkins: int


@dataclass(frozen=True)
class OwnerLoad:
    owner: Link
    objectives: int


@dataclass(frozen=True)
class KRRef:
    objective: Link
    kr_title: str
    url: str


@dataclass(frozen=True)
class InsightsView:
    cycle: CycleSummary
    aligned: Share  # objectives below company level that align to a parent
    participation: Share  # running objectives with a check-in in the last 14 days
    silent_owners: tuple[Link, ...]  # owners none of whose objectives had a recent check-in
    progress: tuple[Bucket, ...]  # spread of progress (or grades, once ended)
    grades: tuple[tuple[str, int], ...]  # band → count, ended cycles
    confidence: tuple[WeekConfidence, ...]
    overloaded: tuple[OwnerLoad, ...]  # owners above [lint] max_objectives_per_owner
    limit: int
    unmeasurable: tuple[KRRef, ...]  # key results without a measurable target
    key_results: int
    committed: Share


def insights(builder: ViewBuilder, cycle_id: str) -> InsightsView:
    """What an OKR programme owner tracks for one cycle."""
    site, scores = builder.site, builder.scores
    objectives = [o for o in builder.heads_in(cycle_id) if not o.cancelled]
    below = [o for o in objectives if o.level is not None and o.level.rank > 0] or [
        o for o in objectives if o.level is None]
    running = [o for o in objectives if scores.objectives[o.id].phase == "running"]
    recent = [o for o in running
              if (d := scores.objectives[o.id].last_checkin) is not None
              and (scores.today - d).days < PARTICIPATION_DAYS]
    silent = sorted({o.owner for o in running} - {o.owner for o in recent}, key=site.owner_order)
    ended = scores.cycles[cycle_id].phase == "ended"
    values = [scores.objectives[o.id].grade if ended else scores.objectives[o.id].progress for o in objectives]
    per_owner: dict[str, int] = defaultdict(int)
    for o in objectives:
        per_owner[o.owner] += 1
    limit = site.config.lint.max_objectives_per_owner
    unmeasurable = tuple(
        KRRef(Link(o.title, urls.objective(o.id)), kr.title, urls.kr(o.id, kr.id))
        for o in objectives for kr in o.key_results if kr.kind is KRKind.MILESTONE
    )
    return InsightsView(
        cycle=builder.cycle_summary(cycle_id),
        aligned=Share(sum(1 for o in below if o.parents), len(below)),
        participation=Share(len(recent), len(running)),
        silent_owners=tuple(Link(site.org.name(o), urls.owner_in_cycle(cycle_id, o)) for o in silent),
        progress=_buckets(v for v in values if v is not None),
        grades=tuple(scores.cycles[cycle_id].bands.items()) if ended else (),
        confidence=_confidence_by_week(builder.index, cycle_id),
        overloaded=tuple(
            OwnerLoad(Link(site.org.name(owner), urls.owner_in_cycle(cycle_id, owner)), n)
            for owner, n in sorted(per_owner.items(), key=lambda kv: (-kv[1], site.owner_order(kv[0])))
            if n > limit
        ),
        limit=limit,
        unmeasurable=unmeasurable,
        key_results=sum(len(o.key_results) for o in objectives),
        committed=Share(sum(1 for o in objectives if o.kind.value == "committed"), len(objectives)),
    )


_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _buckets(values: Iterable[float]) -> tuple[Bucket, ...]:
    counts = [0] * len(_EDGES)
    for value in values:
        index = len(_EDGES) - 1 if value >= 1.0 else max(0, min(len(_EDGES) - 2, int(value / 0.2)))
        counts[index] += 1
    highs = [round(edge - 0.01, 2) for edge in _EDGES[1:]] + [None]
    top = max(counts) or 1
    return tuple(Bucket(low, high, n, round(100 * n / top))
                 for low, high, n in zip(_EDGES, highs, counts, strict=True))


def _confidence_by_week(index: SiteIndex, cycle_id: str) -> tuple[WeekConfidence, ...]:
    weeks: dict[dt.date, list[float]] = defaultdict(list)
    counts: dict[dt.date, int] = defaultdict(int)
    for checkin_id in index.checkins_by_cycle.get(cycle_id, ()):
        checkin = index.checkins[checkin_id]
        monday = checkin.date - dt.timedelta(days=checkin.date.weekday())
        counts[monday] += 1
        weeks[monday].extend(checkin.confidences)
    return tuple(
        WeekConfidence(week, value, counts[week])
        for week in sorted(weeks) if (value := mean(weeks[week])) is not None
    )
