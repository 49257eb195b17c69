"""The validated content model: frozen dataclasses, every reference resolved.

Objects refer to each other by id (global objective ids like `2026-Q4/platform/reliability`),
never by Python reference, so the model can be cached, compared and filtered cheaply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from .config import SiteConfig


def quick_reduce(self: tuple[object, ...]) -> tuple[object, ...]:
    """__reduce__ of the NamedTuples a build keeps in its cache: unpickled by tuple.__new__ (no
    Python call per object), several times faster to read back than the default."""
    return tuple.__new__, (type(self), tuple(self))


def fields_reduce(self: object) -> tuple[object, ...]:
    """__reduce__ of frozen slots dataclasses kept in the cache: made again from their fields
    (the default pickles a dict of them through Python code for every object)."""
    return type(self), tuple(getattr(self, name) for name in self.__slots__)  # type: ignore[attr-defined]


class KRKind(str, Enum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    MILESTONE = "milestone"
    THRESHOLD = "threshold"
    LINKED = "linked"

    @property
    def numeric(self) -> bool:
        return self in (KRKind.INCREASING, KRKind.DECREASING, KRKind.THRESHOLD)


class ObjectiveKind(str, Enum):
    ASPIRATIONAL = "aspirational"
    COMMITTED = "committed"


class Lifecycle(str, Enum):
    ACTIVE = "active"
    DRAFT = "draft"
    CANCELLED = "cancelled"


class Visibility(str, Enum):
    INTERNAL = "internal"
    PRIVATE = "private"


class Level(str, Enum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"
    INDIVIDUAL = "individual"

    @property
    def rank(self) -> int:
        return _LEVEL_RANKS[self]


_LEVEL_RANKS = {Level.COMPANY: 0, Level.DEPARTMENT: 1, Level.TEAM: 2, Level.INDIVIDUAL: 3}


@dataclass(frozen=True, slots=True)
class Threshold:
    """A health metric to hold: `>= 99.9` or `<= 1.0`."""

    op: str  # one of >=, <=, >, <
    value: float

    def holds(self, current: float) -> bool:
        return {
            ">=": current >= self.value, "<=": current <= self.value,
            ">": current > self.value, "<": current < self.value,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


@dataclass(frozen=True, slots=True)
class Reading:
    """A value reported for a key result: in the objective file (date None) or a check-in."""

    date: dt.date | None
    checkin: str | None  # check-in id
    value: float | None = None
    done: bool | None = None
    progress: float | None = None
    confidence: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class KeyResult:
    id: str
    title: str
    kind: KRKind
    line: int
    start: float | None = None
    target: float | None = None
    threshold: Threshold | None = None
    unit: str = ""
    owner: str | None = None
    weight: float = 1.0
    # Global id of the objective whose progress this KR takes. None on a linked KR whose
    # objective is unusable (unknown, a loop, or left out of a view): it then has no progress.
    linked: str | None = None
    readings: tuple[Reading, ...] = ()

    @property
    def latest(self) -> Reading | None:
        return self.readings[-1] if self.readings else None


@dataclass(frozen=True, slots=True)
class Change:
    date: dt.date | None
    change: str
    why: str = ""


@dataclass(frozen=True, slots=True)
class ParentRef:
    objective: str  # global id
    kr: str | None = None

    def __str__(self) -> str:
        return f"{self.objective}#{self.kr}" if self.kr else self.objective

    __reduce__ = fields_reduce


@dataclass(frozen=True, slots=True)
class Objective:
    id: str  # CYCLE/OWNER/SLUG
    cycle: str
    owner_folder: str
    slug: str
    owner: str
    title: str
    path: str  # source file, relative to the site
    line: int = 1
    body: str = ""
    body_line: int = 1
    parents: tuple[ParentRef, ...] = ()
    kind: ObjectiveKind = ObjectiveKind.ASPIRATIONAL
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    visibility: Visibility = Visibility.INTERNAL
    level: Level | None = None
    tags: tuple[str, ...] = ()
    score: float | None = None
    retrospective: str = ""
    changes: tuple[Change, ...] = ()
    key_results: tuple[KeyResult, ...] = ()
    bundle: bool = False
    checkins: tuple[str, ...] = ()  # ids of the check-ins that touch it, oldest first

    @property
    def local_id(self) -> str:
        """The id inside its cycle: OWNER/SLUG."""
        return f"{self.owner_folder}/{self.slug}"

    @property
    def cancelled(self) -> bool:
        return self.lifecycle is Lifecycle.CANCELLED

    def kr(self, kr_id: str) -> KeyResult | None:
        for kr in self.key_results:
            if kr.id == kr_id:
                return kr
        return None


@dataclass(frozen=True, slots=True)
class Update:
    """One key result updated by a check-in."""

    objective: str
    kr: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class CheckIn:
    id: str  # its path relative to the site
    cycle: str
    owner_folder: str
    date: dt.date
    author: str | None = None
    objective: str | None = None  # the objective a bundle or `objective:` names
    confidence: float | None = None
    updates: tuple[Update, ...] = ()
    body: str = ""
    body_line: int = 1

    @property
    def objectives(self) -> tuple[str, ...]:
        """Every objective this check-in is about, in first-mention order."""
        seen: dict[str, None] = {}
        if self.objective:
            seen[self.objective] = None
        for update in self.updates:
            seen.setdefault(update.objective, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Cycle:
    id: str
    title: str
    start: dt.date
    end: dt.date
    scheme: str  # calendar | fiscal | custom
    theme: str = ""
    closed: bool = False
    notes: str = ""
    path: str | None = None  # its _cycle.md, if any

    def phase(self, today: dt.date) -> str:
        """upcoming, running or ended (a closed cycle has ended whatever the date)."""
        if self.closed or today > self.end:
            return "ended"
        if today < self.start:
            return "upcoming"
        return "running"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    parent: str | None = None
    lead: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    team: str | None = None


@dataclass(frozen=True)
class Org:
    """The org chart; `defined` is False when the site has no org.yaml."""

    teams: Mapping[str, Team] = field(default_factory=dict)
    people: Mapping[str, Person] = field(default_factory=dict)
    defined: bool = False

    def knows(self, owner: str) -> bool:
        return owner in self.teams or owner in self.people

    def name(self, owner: str) -> str:
        if owner in self.teams:
            return self.teams[owner].name
        if owner in self.people:
            return self.people[owner].name
        return owner

    def ancestors(self, team_id: str) -> list[str]:
        """Parent teams from the nearest up to the company (cycle-safe)."""
        chain: list[str] = []
        current = self.teams.get(team_id)
        while current and current.parent and current.parent not in chain and current.parent != team_id:
            chain.append(current.parent)
            current = self.teams.get(current.parent)
        return chain

    def level(self, owner: str) -> Level | None:
        """company (no parent), department (child of the company), team (deeper), individual."""
        if owner in self.people:
            return Level.INDIVIDUAL
        if owner not in self.teams:
            return None
        depth = len(self.ancestors(owner))
        return (Level.COMPANY, Level.DEPARTMENT)[depth] if depth < 2 else Level.TEAM

    @cached_property
    def chart_order(self) -> dict[str, int]:
        """Position of each team and person in org-chart order (depth first, as written)."""
        children: dict[str | None, list[str]] = {}
        for team in self.teams.values():
            parent = team.parent if team.parent in self.teams else None
            children.setdefault(parent, []).append(team.id)
        members: dict[str, list[str]] = {}
        for person in self.people.values():
            members.setdefault(person.team or "", []).append(person.id)
        order: dict[str, int] = {}

        def visit(team_id: str) -> None:
            if team_id in order:
                return
            order[team_id] = len(order)
            for person_id in members.get(team_id, []):
                order.setdefault(person_id, len(order))
            for child in children.get(team_id, []):
                visit(child)

        for root in children.get(None, []):
            visit(root)
        for team_id in self.teams:
            visit(team_id)
        for person_id in self.people:
            order.setdefault(person_id, len(order))
        return order


class KRHead(NamedTuple):
    """A key result as the site-wide pages and the index know it: no values."""

    id: str
    title: str
    kind: KRKind
    linked: str | None
    line: int

    __reduce__ = quick_reduce


class ObjectiveHead(NamedTuple):
    """An objective without its text and readings: what lists, the alignment structure and
    the page plan need. Small enough that a build can hold the heads of every objective of
    a large site while it holds the full objects of only those it renders."""

    id: str
    cycle: str
    owner_folder: str
    owner: str
    title: str
    path: str
    line: int
    parents: tuple[ParentRef, ...]
    kind: ObjectiveKind
    lifecycle: Lifecycle
    visibility: Visibility
    level: Level | None
    tags: tuple[str, ...]
    score: float | None
    key_results: tuple[KRHead, ...]
    checkins: tuple[str, ...]

    @property
    def cancelled(self) -> bool:
        return self.lifecycle is Lifecycle.CANCELLED

    @classmethod
    def of(cls, o: Objective) -> ObjectiveHead:
        return cls(o.id, o.cycle, o.owner_folder, o.owner, o.title, o.path, o.line, o.parents, o.kind,
                   o.lifecycle, o.visibility, o.level, o.tags, o.score,
                   tuple(KRHead(kr.id, kr.title, kr.kind, kr.linked, kr.line) for kr in o.key_results),
                   o.checkins)

    __reduce__ = quick_reduce


class CheckInHead(NamedTuple):
    """A check-in without its notes and values."""

    id: str
    cycle: str
    owner_folder: str
    date: dt.date
    author: str | None
    confidence: float | None
    objectives: tuple[str, ...]  # every objective it is about, in first-mention order
    # its confidence (objective ""), else the confidences its values gave, by objective
    given: tuple[tuple[str, float], ...]

    @property
    def confidences(self) -> tuple[float, ...]:
        return tuple(value for _, value in self.given)

    @classmethod
    def of(cls, c: CheckIn) -> CheckInHead:
        given = (("", c.confidence),) if c.confidence is not None else tuple(
            (u.objective, u.reading.confidence) for u in c.updates if u.reading.confidence is not None)
        return cls(c.id, c.cycle, c.owner_folder, c.date, c.author, c.confidence, c.objectives, given)

    def about(self, kept: Collection[str]) -> CheckInHead:
        """The head of this check-in with only what it says about objectives in `kept`."""
        return self._replace(objectives=tuple(o for o in self.objectives if o in kept),
                             given=tuple((o, v) for o, v in self.given if not o or o in kept))

    __reduce__ = quick_reduce


_Key = TypeVar("_Key")


def _grouped(heads: Iterable[ObjectiveHead | CheckInHead],
             key: Callable[[Any], _Key]) -> dict[_Key, tuple[str, ...]]:
    """Ids grouped by a key of their heads, in the order given."""
    found: dict[_Key, list[str]] = {}
    for head in heads:
        found.setdefault(key(head), []).append(head.id)
    return {k: tuple(ids) for k, ids in found.items()}


@dataclass(frozen=True)
class SiteIndex:
    """The heads of every objective and check-in, in site order, and what follows from them:
    alignment (children), and objectives and check-ins grouped by cycle and owner."""

    objectives: Mapping[str, ObjectiveHead]
    checkins: Mapping[str, CheckInHead]

    @classmethod
    def of(cls, objectives: Mapping[str, Objective], checkins: Mapping[str, CheckIn]) -> SiteIndex:
        return cls({oid: ObjectiveHead.of(o) for oid, o in objectives.items()},
                   {cid: CheckInHead.of(c) for cid, c in checkins.items()})

    def only(self, objective_ids: Collection[str]) -> SiteIndex:
        """As Site.only."""
        return SiteIndex({oid: h for oid, h in self.objectives.items() if oid in objective_ids}, self.checkins)

    def as_of(self, day: dt.date) -> SiteIndex:
        """As Site.as_of."""
        checkins = {cid: h for cid, h in self.checkins.items() if h.date <= day}
        return SiteIndex(
            {oid: h._replace(checkins=tuple(c for c in h.checkins if c in checkins))
             for oid, h in self.objectives.items()},
            checkins)

    def view(self, kept: Collection[str]) -> SiteIndex:
        """As Site.view, for the objectives `kept`."""
        objectives = {oid: _head_without_missing(h, kept) for oid, h in self.objectives.items() if oid in kept}
        # (a kept objective's check-ins are about it, so they are all kept)
        return SiteIndex(objectives, {cid: h.about(kept) for cid, h in self.checkins.items() if _still_about(h, kept)})

    @cached_property
    def children(self) -> Mapping[str, tuple[str, ...]]:
        """Objective id → ids of the objectives aligned to it (or to one of its KRs)."""
        found: dict[str, list[str]] = {}
        for head in self.objectives.values():
            for parent in head.parents:
                found.setdefault(parent.objective, []).append(head.id)
        return {key: tuple(dict.fromkeys(ids)) for key, ids in found.items()}

    @cached_property
    def by_cycle(self) -> Mapping[str, tuple[str, ...]]:
        return _grouped(self.objectives.values(), lambda head: head.cycle)

    @cached_property
    def by_cycle_owner(self) -> Mapping[tuple[str, str], tuple[str, ...]]:
        return _grouped(self.objectives.values(), lambda head: (head.cycle, head.owner))

    @cached_property
    def by_owner(self) -> Mapping[str, tuple[str, ...]]:
        return _grouped(self.objectives.values(), lambda head: head.owner)

    @cached_property
    def checkins_by_cycle(self) -> Mapping[str, tuple[str, ...]]:
        """Cycle → its check-ins, oldest first."""
        return _grouped(self.checkins.values(), lambda head: head.cycle)

    @cached_property
    def owner_checkins(self) -> Mapping[str, tuple[str, ...]]:
        """Owner → the check-ins in its folder or about its objectives, oldest first."""
        found: dict[str, dict[str, None]] = {}
        objectives = self.objectives
        owns = {owner: frozenset(ids) for owner, ids in self.by_owner.items()}
        nothing: frozenset[str] = frozenset()
        for head in self.checkins.values():
            folder = head.owner_folder
            found.setdefault(folder, {})[head.id] = None
            if owns.get(folder, nothing).issuperset(head.objectives):
                continue  # about the folder's own objectives only (most are): nothing to add
            for objective_id in head.objectives:
                objective = objectives.get(objective_id)
                if objective is not None:
                    found.setdefault(objective.owner, {})[head.id] = None
        return {owner: tuple(ids) for owner, ids in found.items()}

    @cached_property
    def checkin_rank(self) -> Mapping[str, int]:
        return {cid: index for index, cid in enumerate(self.checkins)}

    @cached_property
    def objective_rank(self) -> Mapping[str, int]:
        return {oid: index for index, oid in enumerate(self.objectives)}


@dataclass(frozen=True)
class Site:
    """Everything a build needs: config, cycles, org, objectives and check-ins."""

    config: SiteConfig
    cycles: Mapping[str, Cycle]  # ordered by start date
    org: Org
    objectives: Mapping[str, Objective]  # ordered by cycle, then path
    checkins: Mapping[str, CheckIn]  # ordered by date, then file name
    # The heads of `objectives` and `checkins`, when known without reading them (a site whose
    # objects are made on first use: a transformed view, or one loaded a unit at a time).
    heads: SiteIndex | None = field(default=None, repr=False, compare=False)

    @cached_property
    def index(self) -> SiteIndex:
        """The heads of the objectives and check-ins, and what follows from them."""
        return self.heads if self.heads is not None else SiteIndex.of(self.objectives, self.checkins)

    @property
    def children(self) -> Mapping[str, tuple[str, ...]]:
        """Objective id → ids of the objectives aligned to it (or to one of its KRs)."""
        return self.index.children

    def objectives_in(self, cycle_id: str) -> Iterator[Objective]:
        return (o for o in self.objectives.values() if o.cycle == cycle_id)

    def ancestors(self, objective_id: str) -> list[str]:
        """The first-parent chain from the nearest parent up to the top (cycle-safe)."""
        heads = self.index.objectives
        chain: list[str] = []
        current = heads.get(objective_id)
        while current and current.parents:
            parent = current.parents[0].objective
            if parent in chain or parent == objective_id or parent not in heads:
                break
            chain.append(parent)
            current = heads[parent]
        return chain

    def owner_order(self, owner: str) -> tuple[int, str]:
        """Sort key putting owners in org-chart order, unknown owners after, by name."""
        position = self.org.chart_order.get(owner)
        return (position if position is not None else len(self.org.chart_order), owner.lower())

    def view(self, *, drafts: bool, public: bool) -> Site:
        """The site as published: drafts only with `drafts`, private objectives not if `public`."""
        heads = self.index
        kept = {
            oid for oid, o in heads.objectives.items()
            if (drafts or o.lifecycle is not Lifecycle.DRAFT)
            and not (public and o.visibility is Visibility.PRIVATE)
        }
        if len(kept) == len(heads.objectives):
            return self
        index = heads.view(kept)
        source_objectives, source_checkins = self.objectives, self.checkins

        def checkin(cid: str) -> CheckIn:
            c = source_checkins[cid]
            return replace(c, updates=tuple(u for u in c.updates if u.objective in kept),
                           objective=c.objective if c.objective in kept else None)

        objectives = Derived(index.objectives, lambda oid: _without_missing(source_objectives[oid], kept))
        return replace(self, objectives=objectives, checkins=Derived(index.checkins, checkin), heads=index)

    def only(self, objective_ids: Collection[str]) -> Site:
        """The site with only these objectives (check-ins, cycles and org unchanged)."""
        if len(objective_ids) == len(self.index.objectives):
            return self
        index = self.index.only(objective_ids)
        source = self.objectives
        return replace(self, objectives=Derived(index.objectives, source.__getitem__), heads=index)

    def as_of(self, day: dt.date) -> Site:
        """The site as it stood on `day`: check-ins dated later are not there yet."""
        heads = self.index
        if all(h.date <= day for h in heads.checkins.values()):
            return self
        index = heads.as_of(day)
        source_objectives, source_checkins = self.objectives, self.checkins

        def objective(oid: str) -> Objective:
            o = source_objectives[oid]
            krs = tuple(
                replace(kr, readings=tuple(r for r in kr.readings if r.date is None or r.date <= day))
                for kr in o.key_results
            )
            return replace(o, key_results=krs, checkins=tuple(c for c in o.checkins if c in index.checkins))

        return replace(self, objectives=Derived(index.objectives, objective),
                       checkins=Derived(index.checkins, source_checkins.__getitem__), heads=index)


_Value = TypeVar("_Value")


class Derived(Mapping[str, _Value]):
    """A mapping whose keys are known (those of `keys`, in their order) and whose values are
    made by `make` on first use: a view of a site reads only the objects a page asks for."""

    def __init__(self, keys: Mapping[str, object], make: Callable[[str], _Value]):
        self._keys = keys
        self._make = make
        self._made: dict[str, _Value] = {}

    def __getitem__(self, key: str) -> _Value:
        found = self._made.get(key)
        if found is None:
            if key not in self._keys:
                raise KeyError(key)
            found = self._made[key] = self._make(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Derived({len(self._keys)} keys)"


def _still_about(head: CheckInHead, kept: Collection[str]) -> bool:
    """A check-in that was about objectives stays only if one of them is kept."""
    return not head.objectives or any(o in kept for o in head.objectives)


def _head_without_missing(head: ObjectiveHead, kept: Collection[str]) -> ObjectiveHead:
    parents = tuple(p for p in head.parents if p.objective in kept)
    krs = tuple(kr._replace(linked=None) if kr.linked and kr.linked not in kept else kr for kr in head.key_results)
    if parents == head.parents and krs == head.key_results:
        return head
    return head._replace(parents=parents, key_results=krs)


def _without_missing(objective: Objective, kept: Collection[str]) -> Objective:
    parents = tuple(p for p in objective.parents if p.objective in kept)
    krs = tuple(
        replace(kr, linked=None) if kr.linked and kr.linked not in kept else kr
        for kr in objective.key_results
    )
    if parents == objective.parents and krs == objective.key_results:
        return objective
    return replace(objective, parents=parents, key_results=krs)
