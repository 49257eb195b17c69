"""Tie parsed documents into the model: cycles, org, objectives, check-ins.

Resolves every reference, applies check-ins to key results in date order, and reports
duplicates, unknown owners, alignment cycles and check-ins outside their cycle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..config import SiteConfig
from ..diagnostics import Diagnostics, Location, suggestion_hint
from ..model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Lifecycle,
    Objective,
    ObjectiveKind,
    Org,
    ParentRef,
    Person,
    Reading,
    Site,
    Team,
    Update,
    Visibility,
)
from .cycles import dates_from_name, is_quarter_name
from .documents import CheckInDoc, CycleDoc, KRDoc, ObjectiveDoc, OrgDoc, Ref, UpdateDoc
from .files import CONTENT_DIR
from .references import Resolved, Resolver


@dataclass(frozen=True)
class Documents:
    """Every parsed document of a site, by kind."""

    cycle_dirs: tuple[str, ...]
    cycles: tuple[CycleDoc, ...]
    org: OrgDoc | None
    objectives: tuple[ObjectiveDoc, ...]
    checkins: tuple[CheckInDoc, ...]
    unreadable_cycle_files: frozenset[str] = frozenset()  # cycles whose _cycle.md had errors


def build_site(config: SiteConfig, docs: Documents, diagnostics: Diagnostics) -> Site:
    """The model from the documents; every problem found on the way goes to `diagnostics`."""
    cycles = build_cycles(docs.cycle_dirs, docs.cycles, config, diagnostics, docs.unreadable_cycle_files)
    org = build_org(docs.org, diagnostics)
    objective_docs = _unique_objectives(docs.objectives, diagnostics)
    resolver = Resolver(
        {_gid(d): tuple(kr.id for kr in d.key_results) for d in objective_docs}, tuple(cycles)
    )
    objectives = {
        _gid(d): _objective(d, org, resolver, diagnostics) for d in objective_docs
    }
    _break_alignment_cycles(objectives, diagnostics)
    _break_progress_cycles(objectives, diagnostics)
    checkins = _checkins(docs.checkins, cycles, org, objectives, resolver, diagnostics)
    objectives = _apply_checkins(objectives, checkins)
    rank = {cycle_id: index for index, cycle_id in enumerate(cycles)}  # unknown cycles last
    ordered = dict(sorted(objectives.items(), key=lambda kv: (rank.get(kv[1].cycle, len(rank)), kv[0])))
    return Site(config, cycles, org, ordered, checkins)


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


def _break_alignment_cycles(objectives: dict[str, Objective], diagnostics: Diagnostics) -> None:
    """Report every loop in the parent graph and cut it, so later steps can walk up safely."""
    graph = {oid: [p.objective for p in o.parents if p.objective in objectives] for oid, o in objectives.items()}
    for loop in _find_loops(graph):
        for member, parent in zip(loop, loop[1:] + loop[:1]):
            objective = objectives[member]
            diagnostics.error(
                Location(objective.path, objective.line), "alignment-cycle",
                "alignment cycle: " + " → ".join(loop + [loop[0]]),
                "an objective cannot be its own ancestor; remove one of these parent links",
            )
        first, parent = loop[0], loop[1 % len(loop)]
        objectives[first] = replace(
            objectives[first], parents=tuple(p for p in objectives[first].parents if p.objective != parent)
        )


def _break_progress_cycles(objectives: dict[str, Objective], diagnostics: Diagnostics) -> None:
    """Linked KRs and KR-less objectives take progress from others; that must not loop."""
    children: dict[str, list[str]] = defaultdict(list)
    for o in objectives.values():
        for p in o.parents:
            children[p.objective].append(o.id)
    graph = {
        oid: ([kr.linked for kr in o.key_results if kr.linked in objectives]
              if o.key_results else children.get(oid, []))
        for oid, o in objectives.items()
    }
    for loop in _find_loops(graph):
        for member in loop:
            objective = objectives[member]
            diagnostics.error(
                Location(objective.path, objective.line), "progress-cycle",
                "progress depends on itself: " + " → ".join(loop + [loop[0]]),
                "a linked key result (`objective:`) must point to an objective that does not, "
                "directly or through its children, take progress from this one",
            )
        first, nxt = loop[0], loop[1 % len(loop)]
        objective = objectives[first]
        krs = tuple(
            replace(kr, linked=None) if kr.linked == nxt else kr
            for kr in objective.key_results
        )
        objectives[first] = replace(objective, key_results=krs)


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


def _checkins(
    docs: Sequence[CheckInDoc], cycles: Mapping[str, Cycle], org: Org,
    objectives: Mapping[str, Objective], resolver: Resolver, diagnostics: Diagnostics,
) -> dict[str, CheckIn]:
    built: list[CheckIn] = []
    key_results: dict[tuple[str, str], KeyResult] = {}
    for objective in objectives.values():
        for kr in objective.key_results:
            key_results.setdefault((objective.id, kr.id), kr)  # the first, as Objective.kr()
    for doc in docs:
        checkin = _checkin(doc, cycles, org, key_results, resolver, diagnostics)
        if checkin is not None:
            built.append(checkin)
    built.sort(key=_checkin_order)
    return {c.id: c for c in built}


def _checkin_order(checkin: CheckIn) -> tuple[dt.date, str, str]:
    """Date, then file name without `.md` (so 2026-11-20.md comes before 2026-11-20-b.md)."""
    return checkin.date, checkin.id.rsplit("/", 1)[-1].removesuffix(".md"), checkin.id


def _checkin(
    doc: CheckInDoc, cycles: Mapping[str, Cycle], org: Org,
    key_results: Mapping[tuple[str, str], KeyResult], resolver: Resolver, diagnostics: Diagnostics,
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


def _update_fits(kr: KeyResult, item: UpdateDoc, diagnostics: Diagnostics) -> bool:
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



def _apply_checkins(
    objectives: Mapping[str, Objective], checkins: Mapping[str, CheckIn]
) -> dict[str, Objective]:
    readings: dict[tuple[str, str], list[Reading]] = defaultdict(list)
    touching: dict[str, list[str]] = defaultdict(list)
    for checkin in checkins.values():  # already in date, then file-name order
        for update in checkin.updates:
            readings[(update.objective, update.kr)].append(update.reading)
        for objective_id in checkin.objectives:
            touching[objective_id].append(checkin.id)
    result: dict[str, Objective] = {}
    for oid, objective in objectives.items():
        krs = tuple(
            dataclasses.replace(kr, readings=kr.readings + tuple(readings[(oid, kr.id)]))
            if (oid, kr.id) in readings else kr
            for kr in objective.key_results
        )
        result[oid] = replace(objective, key_results=krs, checkins=tuple(touching.get(oid, ())))
    return result
