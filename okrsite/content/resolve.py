"""Tie parsed documents into the model: cycles, org, objectives, check-ins.

Resolves every reference, applies check-ins to key results in date order, and reports
duplicates, unknown owners, alignment cycles and check-ins outside their cycle.

The model is resolved one *unit* at a time: an owner folder of a cycle (content/CYCLE/OWNER/)
with its objectives and check-ins. What a unit needs of the rest of the site is small (the ids
and key results of every objective, the cycles, the org), so a build that changed one check-in
resolves one unit again (content/units.py), and the steps below are the same for both:

1. `resolve_objectives` (per unit): references resolved, nothing of check-ins yet;
2. `find_cuts` (whole site): alignment and progress loops reported and cut;
3. `resolve_checkins` (per unit): each update tied to a key result;
4. `with_checkins` (per objective): readings and check-ins applied, in date order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Protocol

from ..config import SiteConfig
from ..diagnostics import Diagnostic, Diagnostics, Location, suggestion_hint
from ..model import (
    CheckIn,
    CheckInHead,
    Cycle,
    KeyResult,
    KRHead,
    KRKind,
    Level,
    Lifecycle,
    Objective,
    ObjectiveHead,
    ObjectiveKind,
    Org,
    ParentRef,
    Person,
    Reading,
    Team,
    Update,
    Visibility,
)
from .cycles import dates_from_name, is_quarter_name
from .documents import CheckInDoc, CycleDoc, KRDoc, ObjectiveDoc, OrgDoc, Ref, UpdateDoc
from .files import CONTENT_DIR, SourceFile
from .references import Resolved, Resolver

KRLike = KeyResult | KRHead  # what check-ins read of a key result: id, kind, linked


@dataclass(frozen=True)
class Documents:
    """Every parsed document of a site, by kind."""

    cycle_dirs: tuple[str, ...]
    cycles: tuple[CycleDoc, ...]
    org: OrgDoc | None
    objectives: tuple[ObjectiveDoc, ...]
    checkins: tuple[CheckInDoc, ...]
    unreadable_cycle_files: frozenset[str] = frozenset()  # cycles whose _cycle.md had errors


# Units -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitDocs:
    """The documents of one owner folder of a cycle."""

    id: str  # CYCLE/OWNER
    objectives: tuple[ObjectiveDoc, ...]
    checkins: tuple[CheckInDoc, ...]


def unit_id(file: SourceFile) -> str:
    return f"{file.cycle}/{file.owner}"


def group_by_unit(objectives: Iterable[ObjectiveDoc], checkins: Iterable[CheckInDoc]) -> dict[str, UnitDocs]:
    """Documents by unit, units in id order."""
    found: dict[str, tuple[list[ObjectiveDoc], list[CheckInDoc]]] = {}
    for doc in objectives:
        found.setdefault(unit_id(doc.file), ([], []))[0].append(doc)
    for checkin in checkins:
        found.setdefault(unit_id(checkin.file), ([], []))[1].append(checkin)
    return {key: UnitDocs(key, tuple(found[key][0]), tuple(found[key][1])) for key in sorted(found)}


@dataclass(frozen=True)
class Context:
    """What resolving a unit needs of the rest of the site."""

    cycles: Mapping[str, Cycle]
    org: Org
    objectives: Mapping[str, tuple[str, ...]]  # every objective's id → the ids of its KRs

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(self.objectives, tuple(self.cycles))


def namespace(docs: Iterable[ObjectiveDoc]) -> dict[str, tuple[str, ...]]:
    """Objective id → its KR ids, of the objectives that will be in the model (the first file of
    an id, in path order; see _unique_objectives), in path order."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for doc in docs:
        gid = _gid(doc)
        if gid not in found or doc.file.path < found[gid][0]:
            found[gid] = (doc.file.path, tuple(kr.id for kr in doc.key_results))
    folded: dict[str, str] = {}
    kept: dict[str, tuple[str, ...]] = {}
    for gid, (_, kr_ids) in sorted(found.items(), key=lambda item: item[1][0]):
        lower = unicodedata.normalize("NFC", gid).casefold()
        if folded.setdefault(lower, gid) == gid:
            kept[gid] = kr_ids
    return kept


def resolve_objectives(docs: Sequence[ObjectiveDoc], context: Context) -> tuple[dict[str, Objective], tuple[Diagnostic, ...]]:
    """A unit's objectives with their references resolved: alignment not yet checked for
    loops, no check-ins applied. With the problems found in them."""
    diagnostics = Diagnostics()
    objectives = {
        _gid(d): _objective(d, context.org, context.resolver, diagnostics)
        for d in _unique_objectives(docs, diagnostics)
    }
    return objectives, tuple(diagnostics.items)


def resolve_checkins(
    docs: Sequence[CheckInDoc], context: Context, key_results: Mapping[tuple[str, str], KRLike],
) -> tuple[list[CheckIn], tuple[Diagnostic, ...]]:
    """A unit's check-ins, each update tied to a key result of `key_results` (by objective
    and KR id, after loops were cut). With the problems found in them."""
    diagnostics = Diagnostics()
    built = []
    for doc in docs:
        checkin = _checkin(doc, context.cycles, context.org, key_results, context.resolver, diagnostics)
        if checkin is not None:
            built.append(checkin)
    return built, tuple(diagnostics.items)


def key_result_index(objectives: Iterable[Objective | ObjectiveHead]) -> dict[tuple[str, str], KRLike]:
    """(objective id, KR id) → key result: what check-ins update (the first of an id, as
    Objective.kr finds it)."""
    found: dict[tuple[str, str], KRLike] = {}
    for objective in objectives:
        for kr in objective.key_results:
            found.setdefault((objective.id, kr.id), kr)
    return found


def order_objectives(objectives: Mapping[str, Objective], cycles: Mapping[str, Cycle]) -> dict[str, Objective]:
    """Objectives in site order: by cycle (unknown cycles last), then id."""
    rank = {cycle_id: index for index, cycle_id in enumerate(cycles)}
    return dict(sorted(objectives.items(), key=lambda kv: (rank.get(kv[1].cycle, len(rank)), kv[0])))


def order_checkins(checkins: Iterable[CheckIn]) -> dict[str, CheckIn]:
    """Check-ins in site order: by date, then file name without `.md` (so 2026-11-20.md comes
    before 2026-11-20-b.md), then path."""
    return {c.id: c for c in sorted(checkins, key=checkin_order)}


def checkin_order(checkin: CheckIn | CheckInHead) -> tuple[dt.date, str, str]:
    return checkin.date, checkin.id.rsplit("/", 1)[-1].removesuffix(".md"), checkin.id


def checkins_by_objective(checkins: Iterable[CheckIn | CheckInHead]) -> dict[str, list[str]]:
    """Objective id → the check-ins about it, in the order given (site order)."""
    found: dict[str, list[str]] = defaultdict(list)
    for checkin in checkins:
        for objective_id in checkin.objectives:
            found[objective_id].append(checkin.id)
    return found


def with_checkins(objective: Objective, checkins: Sequence[CheckIn]) -> Objective:
    """The objective with the values of the check-ins about it (in site order) appended to
    its key results' readings, and their ids."""
    readings: dict[str, list[Reading]] = defaultdict(list)
    oid = objective.id
    for checkin in checkins:
        for update in checkin.updates:
            if update.objective == oid:
                readings[update.kr].append(update.reading)
    krs = tuple(
        dataclasses.replace(kr, readings=kr.readings + tuple(readings[kr.id])) if kr.id in readings else kr
        for kr in objective.key_results
    )
    return replace(objective, key_results=krs, checkins=tuple(c.id for c in checkins))


def _gid(doc: ObjectiveDoc) -> str:
    return f"{doc.file.cycle}/{doc.file.owner}/{doc.file.slug}"


# Cycles ----------------------------------------------------------------------------------


def build_cycles(
    cycle_dirs: Iterable[str], metas: Iterable[CycleDoc], config: SiteConfig, diagnostics: Diagnostics,
    unreadable: Collection[str] = (),
) -> dict[str, Cycle]:
    """Cycles with their dates; a cycle whose dates are unknown is reported and left out
    (silently when its _cycle.md could not be read: that file's own errors explain it)."""
    by_id = {m.file.cycle: m for m in metas}
    cycles: list[Cycle] = []
    for cycle_id in cycle_dirs:
        meta = by_id.get(cycle_id)
        derived = dates_from_name(cycle_id, config.cycles.fiscal_year_start_month)
        start = (meta.start if meta else None) or (derived.start if derived else None)
        end = (meta.end if meta else None) or (derived.end if derived else None)
        where = Location(meta.file.path) if meta else Location(f"{CONTENT_DIR}/{cycle_id}")
        if (start is None or end is None) and cycle_id in unreadable:
            continue
        if derived is None and is_quarter_name(cycle_id) and (start is None or end is None):
            diagnostics.error(
                where, "impossible-dates", f"cycle `{cycle_id}` names a quarter outside the calendar",
                "use a year from 1 to 9998 in the folder name, e.g. 2026-Q4",
            )
            continue
        if start is None or end is None:
            missing = " and ".join(k for k, v in (("start", start), ("end", end)) if v is None)
            diagnostics.error(
                where, "cycle-no-dates",
                f"cycle `{cycle_id}` has no {missing}: only YYYY-QN and FYYYYY-QN names have known dates",
                f"add `{missing.split(' ')[0]}: YYYY-MM-DD` to {CONTENT_DIR}/{cycle_id}/_cycle.md"
                if meta else f"create {CONTENT_DIR}/{cycle_id}/_cycle.md with `start:` and `end:` dates",
            )
            continue
        if end < start:
            diagnostics.error(
                meta.end_at if meta else where, "impossible-dates",
                f"cycle `{cycle_id}` ends ({end}) before it starts ({start})",
                "swap start and end, or fix the year",
            )
            continue
        cycles.append(Cycle(
            id=cycle_id,
            title=(meta.title if meta and meta.title else (derived.label if derived else cycle_id)),
            start=start, end=end,
            scheme=derived.scheme if derived else "custom",
            theme=meta.theme if meta else "", closed=meta.closed if meta else False,
            notes=meta.body if meta else "", path=meta.file.path if meta else None,
        ))
    cycles.sort(key=lambda c: (c.start, c.end, c.id))
    return {c.id: c for c in cycles}


# Org -------------------------------------------------------------------------------------


def build_org(doc: OrgDoc | None, diagnostics: Diagnostics) -> Org:
    if doc is None:
        return Org()
    team_ids = {t.id for t in doc.teams}
    person_ids = {p.id for p in doc.people}
    for person in doc.people:
        if person.id in team_ids:
            diagnostics.error(
                person.at, "duplicate-id", f"`{person.id}` is both a team and a person",
                "owners are named by id, so ids must be unique across teams and people",
            )
    teams: dict[str, Team] = {}
    for team in doc.teams:
        parent = _org_ref(team.parent, team_ids, "team", diagnostics)
        lead = _org_ref(team.lead, person_ids, "person", diagnostics)
        teams[team.id] = Team(team.id, team.name, parent, lead)
    people = {
        p.id: Person(p.id, p.name, _org_ref(p.team, team_ids, "team", diagnostics)) for p in doc.people
    }
    org = Org(teams, people, defined=True)
    _check_team_loops(org, doc, diagnostics)
    return org


def _org_ref(ref: Ref | None, known: set[str], what: str, diagnostics: Diagnostics) -> str | None:
    if ref is None:
        return None
    if ref.text not in known:
        diagnostics.error(
            ref.at, "unknown-owner", f"`{ref.text}` is not a {what} in org.yaml",
            suggestion_hint(ref.text, known, f"{what} ids") or f"add `{ref.text}` to org.yaml as a {what}",
        )
        return None
    return ref.text


def _check_team_loops(org: Org, doc: OrgDoc, diagnostics: Diagnostics) -> None:
    for team in doc.teams:
        seen = [team.id]
        current = org.teams[team.id].parent
        while current:
            if current == team.id:
                diagnostics.error(
                    team.at, "org-cycle", f"team `{team.id}` is its own ancestor: {' → '.join(seen + [current])}",
                    "one team in this loop must have another parent (or none, for the company)",
                )
                break
            if current in seen:
                break
            seen.append(current)
            current = org.teams[current].parent if current in org.teams else None


# Objectives ------------------------------------------------------------------------------


def _unique_objectives(docs: Sequence[ObjectiveDoc], diagnostics: Diagnostics) -> list[ObjectiveDoc]:
    kept: dict[str, ObjectiveDoc] = {}
    folded: dict[str, str] = {}
    for doc in sorted(docs, key=lambda d: d.file.path):
        gid = _gid(doc)
        if gid in kept:
            diagnostics.error(
                doc.at, "duplicate-id", f"objective `{gid}` is defined twice: here and in {kept[gid].file.path}",
                "an objective is a SLUG.md file or a SLUG/index.md bundle, not both; rename one",
            )
            continue
        lower = unicodedata.normalize("NFC", gid).casefold()
        if lower in folded:
            diagnostics.error(
                doc.at, "duplicate-id",
                f"objective `{gid}` differs only in letter case from `{folded[lower]}`",
                "their pages would collide on case-insensitive file systems; rename one",
            )
            continue
        kept[gid] = doc
        folded[lower] = gid
    return list(kept.values())


def _objective(doc: ObjectiveDoc, org: Org, resolver: Resolver, diagnostics: Diagnostics) -> Objective:
    cycle, folder, slug = doc.file.cycle, doc.file.owner, doc.file.slug
    owner = doc.owner.text if doc.owner else folder
    if org.defined and not org.knows(owner):
        diagnostics.error(
            doc.owner.at if doc.owner else doc.at, "unknown-owner",
            f"owner `{owner}` is neither a team nor a person in org.yaml",
            suggestion_hint(owner, [*org.teams, *org.people], "owners")
            or f"add `{owner}` to org.yaml, or set `owner:` to a team or person id",
        )
    key_results = _key_results(doc, org, resolver, diagnostics)
    parents = []
    for ref in doc.parents:
        resolved = _resolve_parent(ref, cycle, folder, resolver, diagnostics)
        if resolved is not None and resolved.objective == _gid(doc):
            diagnostics.error(ref.at, "alignment-cycle", "an objective cannot align to itself",
                              "name the objective (or key result) this one contributes to, or remove it")
        elif resolved is not None:
            parents.append(resolved)
    level = Level(doc.level) if doc.level else org.level(owner)
    return Objective(
        id=_gid(doc), cycle=cycle, owner_folder=folder, slug=slug, owner=owner, title=doc.title,
        path=doc.file.path, line=doc.at.line, body=doc.body, body_line=doc.body_line,
        parents=tuple(dict.fromkeys(parents)), kind=ObjectiveKind(doc.kind),
        lifecycle=Lifecycle(doc.status), visibility=Visibility(doc.visibility), level=level,
        tags=doc.tags, score=doc.score, retrospective=doc.retrospective, changes=doc.changes,
        key_results=key_results, bundle=doc.file.path.endswith("/index.md"),
    )


def _resolve_parent(
    ref: Ref, cycle: str, owner: str, resolver: Resolver, diagnostics: Diagnostics
) -> ParentRef | None:
    if "#" in ref.text:
        found = resolver.key_result(ref.text, cycle, owner, None)
    else:
        found = resolver.objective(ref.text, cycle, owner)
    if not found.ok or found.objective is None:
        _report(ref.at, found, diagnostics)
        return None
    return ParentRef(found.objective, found.kr)


def _report(at: Location, found: Resolved, diagnostics: Diagnostics) -> None:
    diagnostics.error(at, found.code or "unknown-reference", found.problem, found.hint)


def _key_results(
    doc: ObjectiveDoc, org: Org, resolver: Resolver, diagnostics: Diagnostics
) -> tuple[KeyResult, ...]:
    seen: dict[str, KRDoc] = {}
    results: list[KeyResult] = []
    for kr in doc.key_results:
        if kr.id in seen:
            diagnostics.error(
                kr.at, "duplicate-id",
                f"key result id `{kr.id}` is used twice in this objective (also key result {seen[kr.id].position})",
                "give each key result its own `id:`",
            )
            continue
        seen[kr.id] = kr
        owner = kr.owner.text if kr.owner else None
        if kr.owner and org.defined and not org.knows(kr.owner.text):
            diagnostics.error(
                kr.owner.at, "unknown-owner", f"key result owner `{kr.owner.text}` is not in org.yaml",
                suggestion_hint(kr.owner.text, [*org.teams, *org.people], "owners")
                or f"add `{kr.owner.text}` to org.yaml, or name a team or person of it",
            )
        linked = None
        if kr.linked is not None:
            found = resolver.objective(kr.linked.text, doc.file.cycle, doc.file.owner)
            if found.ok and found.objective == _gid(doc):
                diagnostics.error(kr.linked.at, "progress-cycle", "a key result cannot link to its own objective",
                                  "link it to a child objective, or give it a start and target instead")
            elif found.ok:
                linked = found.objective
            else:
                _report(kr.linked.at, found, diagnostics)
        results.append(KeyResult(
            id=kr.id, title=kr.title, kind=kr.kind, line=kr.at.line, start=kr.start, target=kr.target,
            threshold=kr.threshold, unit=kr.unit, owner=owner, weight=kr.weight, linked=linked,
            readings=(kr.initial,) if kr.initial else (),
        ))
    return tuple(results)


class _Linked(Protocol):
    linked: str | None


class _Shaped(Protocol):
    """What loop finding reads of an objective (an Objective or its head)."""

    id: str
    path: str
    line: int
    parents: tuple[ParentRef, ...]

    @property
    def key_results(self) -> Sequence[_Linked]: ...


@dataclass(frozen=True)
class Cuts:
    """The links cut to break loops: parent links (child → parents) and linked key results
    (objective → linked objectives), with the problems reported for them."""

    parents: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    linked: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    def apply_head(self, head: ObjectiveHead) -> ObjectiveHead:
        cut_parents = self.parents.get(head.id)
        cut_linked = self.linked.get(head.id)
        if cut_parents:
            head = head._replace(parents=tuple(p for p in head.parents if p.objective not in cut_parents))
        if cut_linked:
            head = head._replace(key_results=tuple(
                kr._replace(linked=None) if kr.linked in cut_linked else kr for kr in head.key_results))
        return head

    def apply(self, objective: Objective) -> Objective:
        cut_parents = self.parents.get(objective.id)
        cut_linked = self.linked.get(objective.id)
        if not cut_parents and not cut_linked:
            return objective
        if cut_parents:
            objective = replace(objective, parents=tuple(p for p in objective.parents if p.objective not in cut_parents))
        if cut_linked:
            objective = replace(objective, key_results=tuple(
                replace(kr, linked=None) if kr.linked in cut_linked else kr for kr in objective.key_results))
        return objective


def find_cuts(objectives: Mapping[str, _Shaped]) -> Cuts:
    """Report every loop in the alignment graph and in what progress is computed from (linked
    key results; children of objectives without key results), and say which links to cut so
    later steps can walk up safely. Deterministic: the loops of a site are found in id order."""
    diagnostics = Diagnostics()
    parents = {oid: [p.objective for p in o.parents] for oid, o in objectives.items()}
    cut_parents: dict[str, set[str]] = defaultdict(set)
    graph = {oid: [p for p in ps if p in objectives] for oid, ps in parents.items()}
    for loop in _find_loops(graph):
        for member in loop:
            objective = objectives[member]
            diagnostics.error(
                Location(objective.path, objective.line), "alignment-cycle",
                "alignment cycle: " + " → ".join(loop + [loop[0]]),
                "an objective cannot be its own ancestor; remove one of these parent links",
            )
        cut_parents[loop[0]].add(loop[1 % len(loop)])
    children: dict[str, list[str]] = defaultdict(list)
    for oid, ps in parents.items():
        for p in ps:
            if p not in cut_parents.get(oid, ()):
                children[p].append(oid)
    progress = {
        oid: ([kr.linked for kr in o.key_results if kr.linked in objectives]
              if o.key_results else children.get(oid, []))
        for oid, o in objectives.items()
    }
    cut_linked: dict[str, set[str]] = defaultdict(set)
    for loop in _find_loops(progress):
        for member in loop:
            objective = objectives[member]
            diagnostics.error(
                Location(objective.path, objective.line), "progress-cycle",
                "progress depends on itself: " + " → ".join(loop + [loop[0]]),
                "a linked key result (`objective:`) must point to an objective that does not, "
                "directly or through its children, take progress from this one",
            )
        cut_linked[loop[0]].add(loop[1 % len(loop)])
    return Cuts({k: frozenset(v) for k, v in cut_parents.items()},
                {k: frozenset(v) for k, v in cut_linked.items()}, tuple(diagnostics.items))


def _find_loops(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Elementary loops found by depth-first search (one per back edge), deterministic."""
    state: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []
    for root in sorted(graph):
        if state.get(root):
            continue
        # iterative DFS to survive deep chains
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, index = work.pop()
            if index == 0:
                state[node] = 1
                stack.append(node)
            edges = sorted(graph.get(node, ()))
            if index < len(edges):
                work.append((node, index + 1))
                nxt = edges[index]
                if state.get(nxt) == 1:
                    loops.append(stack[stack.index(nxt):])
                elif not state.get(nxt):
                    work.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
    return loops


# Check-ins -------------------------------------------------------------------------------


def _checkin(
    doc: CheckInDoc, cycles: Mapping[str, Cycle], org: Org,
    key_results: Mapping[tuple[str, str], KRLike], resolver: Resolver, diagnostics: Diagnostics,
) -> CheckIn | None:
    """The check-in of `doc`, each update resolved to a key result of `key_results` (by
    objective and KR id); None if it has no date or its cycle is unknown."""
    cycle_id, owner = doc.file.cycle, doc.file.owner
    cycle = cycles.get(cycle_id)
    if doc.date is None or cycle is None:
        return None
    if not cycle.start <= doc.date <= cycle.end:
        diagnostics.error(
            doc.date_at, "checkin-outside-cycle",
            f"check-in dated {doc.date} is outside its cycle {cycle_id} ({cycle.start} to {cycle.end})",
            "fix the date, or move the file to the folder of the cycle it belongs to",
        )
    if doc.author and org.defined and not org.knows(doc.author.text):
        diagnostics.warning(
            doc.author.at, "unknown-author", f"author `{doc.author.text}` is not a person in org.yaml",
            suggestion_hint(doc.author.text, org.people, "people") or "add them to org.yaml under people:",
        )
    context = _checkin_context(doc, resolver, diagnostics)
    date, path, confidence = doc.date, doc.file.path, doc.confidence
    updates: list[Update] = []
    for item in doc.updates:
        found = resolver.key_result(item.key, cycle_id, owner, context)
        if found.objective is None or found.kr is None:
            _report(item.at, found, diagnostics)
            continue
        kr = key_results.get((found.objective, found.kr))
        if kr is None or not _update_fits(kr, item, diagnostics):
            continue
        reading = Reading(
            date, path, item.value, item.done, item.progress,
            confidence if item.confidence is None else item.confidence, item.note,
        )
        updates.append(Update(found.objective, found.kr, reading))
    if not updates and context is None:
        diagnostics.warning(
            doc.at, "checkin-updates-nothing",
            "check-in names no objective and updates no key result, so it appears on no objective page",
            "add `objective:` or an `updates:` mapping such as `reliability#uptime: 99.8`",
        )
    return CheckIn(
        id=doc.file.path, cycle=cycle_id, owner_folder=owner, date=doc.date,
        author=doc.author.text if doc.author else None, objective=context,
        confidence=doc.confidence, updates=tuple(updates), body=doc.body, body_line=doc.body_line,
    )


def _checkin_context(doc: CheckInDoc, resolver: Resolver, diagnostics: Diagnostics) -> str | None:
    cycle_id, owner = doc.file.cycle, doc.file.owner
    if doc.objective is not None:
        found = resolver.objective(doc.objective.text, cycle_id, owner)
        if found.ok:
            return found.objective
        _report(doc.objective.at, found, diagnostics)
        return None
    if doc.file.slug:
        bundle = f"{cycle_id}/{owner}/{doc.file.slug}"
        return bundle if bundle in resolver.objectives else None
    return None


def _update_fits(kr: KRLike, item: UpdateDoc, diagnostics: Diagnostics) -> bool:
    kind = kr.kind
    if kind is KRKind.LINKED:
        diagnostics.error(
            item.at, "linked-update",
            f"key result `{kr.id}` is linked to `{kr.linked or 'another objective'}`; its progress comes from there",
            "update the key results of the linked objective instead",
        )
        return False
    if kind is KRKind.MILESTONE:
        if item.value is not None:
            diagnostics.error(
                item.at, "milestone-value",
                f"key result `{kr.id}` is a milestone (no start/target): it has no value",
                "write `{done: true}` or `{progress: 40%}`; or give the key result a start and target",
            )
            return False
    elif item.done is not None or item.progress is not None:
        diagnostics.error(
            item.at, "numeric-progress", f"key result `{kr.id}` is measured by its value, not done/progress",
            "write the new value, e.g. `reliability#uptime: 99.8` or `{value: 99.8}`",
        )
        return False
    return True
