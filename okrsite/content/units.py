"""A site loaded one unit at a time, and what a load leaves for the next one.

A unit is an owner folder of a cycle (content/CYCLE/OWNER/) with its objectives and check-ins
(resolve.py). A load keeps, for each unit, the digests of its files, the heads of what it
holds and the problems found in it (`UnitState`); with the state of the last load, the next
one parses and resolves only the units whose files changed. Every other objective or check-in
is made from its unit's parsed files the first time a page asks for it (`UnitObjects`,
`UnitCheckins`): a CI build after one edited check-in reads one unit, not the site.

Resolving a unit alone gives what resolving the site gives for it, as long as what it reads of
the rest of the site is unchanged: the ids and key results of every objective (the
namespace), the cycles, the org, and the loops cut across the site. When one of those changes,
the load is a full one (loader.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..config import SiteConfig
from ..diagnostics import Diagnostic
from ..model import (
    CheckIn,
    CheckInHead,
    Cycle,
    Derived,
    Objective,
    ObjectiveHead,
    Org,
    Site,
    SiteIndex,
)
from .documents import ObjectiveDoc
from .resolve import (
    Context,
    Cuts,
    KRLike,
    UnitDocs,
    checkin_order,
    checkins_by_objective,
    find_cuts,
    key_result_index,
    namespace,
    order_checkins,
    order_objectives,
    resolve_checkins,
    resolve_objectives,
    with_checkins,
)


@dataclass(frozen=True)
class UnitState:
    """What a load found in one unit, for the next load."""

    files: tuple[tuple[str, str], ...]  # (path, sha256) of its objective and check-in files
    namespace: tuple[NamespaceEntry, ...]
    objectives: tuple[ObjectiveHead, ...]  # as resolved, before loops are cut; no check-ins
    checkins: tuple[CheckInHead, ...]
    diagnostics: tuple[Diagnostic, ...]  # from parsing and resolving its files


@dataclass(frozen=True)
class SiteState:
    """What a load leaves for the next: the digest of everything units are resolved against
    (settings, org, cycles), and every unit's state."""

    key: str
    units: Mapping[str, UnitState] = field(default_factory=dict)
    cuts: Cuts = field(default_factory=Cuts)
    # The site's index and namespace as this load made them, for a next load in the same
    # process (a dev server's): never saved with the state, whose units hold all of it.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if name != "memo"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, memo={})

    def namespace(self) -> dict[str, tuple[str, ...]]:
        found = self.memo.get("namespace")
        if not isinstance(found, dict):
            found = self.memo["namespace"] = merged_namespace(
                entry for unit in self.units.values() for entry in unit.namespace)
        return found


# What other units see of a unit's objective: its file, id, and each key result's id, kind and
# link as written (check-ins anywhere may update it; a kind decides which values fit).
NamespaceEntry = tuple[str, str, tuple[tuple[str, str, str | None], ...]]


def merged_namespace(entries: Iterable[NamespaceEntry]) -> dict[str, tuple[str, ...]]:
    """The units' namespaces as one, in path order (as resolve.namespace gives it)."""
    return {gid: tuple(kr[0] for kr in krs) for _, gid, krs in sorted(entries)}


def namespace_entries(docs: UnitDocs) -> tuple[NamespaceEntry, ...]:
    """A unit's part of the namespace: resolve.namespace of its documents, with KR shapes."""
    kept = namespace(docs.objectives)
    chosen: dict[str, ObjectiveDoc] = {}
    for doc in sorted(docs.objectives, key=lambda d: d.file.path):  # the first file of an id
        chosen.setdefault(f"{doc.file.cycle}/{doc.file.owner}/{doc.file.slug}", doc)
    return tuple(sorted(
        (doc.file.path, gid, tuple((kr.id, kr.kind.value, kr.linked.text if kr.linked else None)
                                   for kr in doc.key_results))
        for gid, doc in chosen.items() if gid in kept
    ))


def _shape(heads: Iterable[ObjectiveHead]) -> tuple[object, ...]:
    """What find_cuts reads of a unit's objectives: the alignment and links loops are made of,
    and where each objective is (its problems name it)."""
    return tuple((h.id, h.path, h.line, tuple(p.objective for p in h.parents), bool(h.key_results),
                  tuple(kr.linked for kr in h.key_results)) for h in heads)


def _layout(unit: UnitState) -> tuple[object, ...]:
    """What a unit adds to the index besides its heads: which objectives and check-ins, where
    its check-ins sort and what they are about."""
    return (tuple(h.id for h in unit.objectives),
            tuple((checkin_order(h), h.objectives) for h in unit.checkins))


def _patched(index: SiteIndex, units: Iterable[UnitState], cuts: Cuts) -> SiteIndex:
    """The index with the heads of these units replaced, when their layout is unchanged."""
    objectives, checkins = dict(index.objectives), dict(index.checkins)
    for unit in units:
        for head in unit.objectives:
            objectives[head.id] = cuts.apply_head(head)._replace(checkins=objectives[head.id].checkins)
        checkins.update((head.id, head) for head in unit.checkins)
    return SiteIndex(objectives, checkins)


def _key_results(previous: SiteState, states: Mapping[str, UnitState], changed: Iterable[str], cuts: Cuts,
                 same_units: bool) -> dict[tuple[str, str], KRLike]:
    """What check-ins update: the last load's with the changed units' key results replaced
    (they have the same ids: the namespace is unchanged), or worked out anew."""
    last = previous.memo.get("key_results")
    if not (isinstance(last, dict) and same_units and cuts is previous.cuts):
        return key_result_index(cuts.apply_head(h) for unit in states.values() for h in unit.objectives)
    found = dict(last)
    for uid in changed:
        found.update(key_result_index(cuts.apply_head(h) for h in states[uid].objectives))
    return found


def index_of(units: Mapping[str, UnitState], cuts: Cuts, order: Callable[[ObjectiveHead], object]) -> SiteIndex:
    """The site's index from its units: heads with loops cut and check-ins listed, in site
    order (objectives by `order`, check-ins by date)."""
    checkins = sorted((h for unit in units.values() for h in unit.checkins), key=checkin_order)
    touching = checkins_by_objective(checkins)
    heads = sorted((h for unit in units.values() for h in unit.objectives), key=order)
    return SiteIndex(
        {h.id: cuts.apply_head(h)._replace(checkins=tuple(touching.get(h.id, ()))) for h in heads},
        {h.id: h for h in checkins},
    )


class Units:
    """Objectives and check-ins made from their units' documents on first use.

    `documents(unit)` gives a unit's parsed documents; `context`, `cuts` and `index` are the
    site's as this load found them."""

    def __init__(self, documents: Callable[[str], UnitDocs], context: Context, cuts: Cuts, index: SiteIndex):
        self.documents = documents
        self.context = context
        self.cuts = cuts
        self.index = index
        self._key_results: dict[tuple[str, str], KRLike] | None = None
        self._objectives: dict[str, dict[str, Objective]] = {}  # unit → as resolved (loops not cut)
        self._checkins: dict[str, dict[str, CheckIn]] = {}  # unit → its check-ins
        self.loaded: set[str] = set()  # units read (for tests and timings)

    @property
    def key_results(self) -> Mapping[tuple[str, str], KRLike]:
        if self._key_results is None:
            self._key_results = key_result_index(self.index.objectives.values())
        return self._key_results

    def objective(self, objective_id: str) -> Objective:
        head = self.index.objectives[objective_id]
        unit = f"{head.cycle}/{head.owner_folder}"
        found = self._objectives.get(unit)
        if found is None:
            found = self._objectives[unit] = resolve_objectives(self._docs(unit).objectives, self.context)[0]
        checkins = [self.checkin(c) for c in head.checkins]
        return with_checkins(self.cuts.apply(found[objective_id]), checkins)

    def checkin(self, checkin_id: str) -> CheckIn:
        head = self.index.checkins[checkin_id]
        unit = f"{head.cycle}/{head.owner_folder}"
        found = self._checkins.get(unit)
        if found is None:
            made = resolve_checkins(self._docs(unit).checkins, self.context, self.key_results)[0]
            found = self._checkins[unit] = {c.id: c for c in made}
        return found[checkin_id]

    def _docs(self, unit: str) -> UnitDocs:
        self.loaded.add(unit)
        return self.documents(unit)


# Whole sites ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A site's model, the problems found in its units and across them, and the state
    for the next load."""

    site: Site
    diagnostics: tuple[Diagnostic, ...]
    state: SiteState
    units: Units | None = None  # when loaded a unit at a time
    changed: frozenset[str] | None = None  # objectives that may differ from last time; None: all


def resolve_site(config: SiteConfig, cycles: Mapping[str, Cycle], org: Org, key: str,
                 units: Mapping[str, UnitDocs], files: Mapping[str, tuple[tuple[str, str], ...]],
                 problems: Mapping[str, tuple[Diagnostic, ...]]) -> Resolved:
    """Every unit resolved: the whole model, made now. `problems`: each unit's parse problems."""
    context = Context(cycles, org, namespace(doc for unit in units.values() for doc in unit.objectives))
    pre: dict[str, dict[str, Objective]] = {}
    found: dict[str, list[Diagnostic]] = {uid: list(problems.get(uid, ())) for uid in units}
    for uid, unit in units.items():
        pre[uid], diagnostics = resolve_objectives(unit.objectives, context)
        found[uid].extend(diagnostics)
    cuts = find_cuts({oid: o for objectives in pre.values() for oid, o in objectives.items()})
    objectives = {oid: cuts.apply(o) for unit in pre.values() for oid, o in unit.items()}
    key_results = key_result_index(objectives.values())
    made: dict[str, list[CheckIn]] = {}
    for uid, unit in units.items():
        made[uid], diagnostics = resolve_checkins(unit.checkins, context, key_results)
        found[uid].extend(diagnostics)
    checkins = order_checkins(c for unit in made.values() for c in unit)
    touching = checkins_by_objective(checkins.values())
    assembled = {oid: with_checkins(o, [checkins[c] for c in touching.get(oid, ())]) for oid, o in objectives.items()}
    site = Site(config, cycles, org, order_objectives(assembled, cycles), checkins)
    states = {
        uid: UnitState(
            files.get(uid, ()), namespace_entries(unit),
            tuple(ObjectiveHead.of(o) for o in pre[uid].values()),
            tuple(CheckInHead.of(c) for c in made[uid]), tuple(found[uid]))
        for uid, unit in units.items()
    }
    diagnostics = [*cuts.diagnostics, *(d for unit in found.values() for d in unit)]
    return Resolved(site, tuple(diagnostics), SiteState(key, states, cuts))


def update_site(config: SiteConfig, cycles: Mapping[str, Cycle], org: Org, previous: SiteState,
                files: Mapping[str, tuple[tuple[str, str], ...]],
                documents: Callable[[str], tuple[UnitDocs, tuple[Diagnostic, ...]]]) -> Resolved | None:
    """The site from the last load's state, resolving again only the units whose files
    changed (`files`: every unit's files now; `documents(unit)`: its documents and parse
    problems). None when what units are resolved against changed (the namespace, or the
    loops cut across the site): then every unit must be resolved again."""
    changed = {uid for uid, unit_files in files.items()
               if uid not in previous.units or previous.units[uid].files != unit_files}
    gone = set(previous.units) - set(files)
    docs = {uid: documents(uid) for uid in sorted(changed)}
    entries = {uid: namespace_entries(unit) for uid, (unit, _) in docs.items()}
    if any(entries[uid] != previous.units[uid].namespace if uid in previous.units else entries[uid]
           for uid in changed) or any(previous.units[uid].namespace for uid in gone):
        return None
    context = Context(cycles, org, previous.namespace())
    states = {uid: unit for uid, unit in previous.units.items() if uid not in changed and uid not in gone}
    pre: dict[str, dict[str, Objective]] = {}
    for uid, (unit, problems) in docs.items():
        pre[uid], diagnostics = resolve_objectives(unit.objectives, context)
        states[uid] = UnitState(files[uid], entries[uid], tuple(ObjectiveHead.of(o) for o in pre[uid].values()),
                                (), (*problems, *diagnostics))
    same_units = not (changed - set(previous.units)) and not gone
    if same_units and all(_shape(states[uid].objectives) == _shape(previous.units[uid].objectives)
                          for uid in changed):
        cuts = previous.cuts  # what loops are made of is as it was
    else:
        cuts = find_cuts({h.id: h for unit in states.values() for h in unit.objectives})
        if cuts != previous.cuts:
            return None
    key_results = _key_results(previous, states, changed, cuts, same_units)
    for uid, (unit, _) in docs.items():
        made, diagnostics = resolve_checkins(unit.checkins, context, key_results)
        state = states[uid]
        states[uid] = UnitState(state.files, state.namespace, state.objectives,
                                tuple(CheckInHead.of(c) for c in made), (*state.diagnostics, *diagnostics))
    last = previous.memo.get("index")
    if isinstance(last, SiteIndex) and same_units and cuts is previous.cuts and \
            all(_layout(states[uid]) == _layout(previous.units[uid]) for uid in changed):
        index = _patched(last, (states[uid] for uid in changed), cuts)
    else:
        rank = {cycle_id: i for i, cycle_id in enumerate(cycles)}
        index = index_of(states, cuts, lambda h: (rank.get(h.cycle, len(rank)), h.id))
    units = Units(lambda uid: documents(uid)[0], context, cuts, index)
    units._key_results = key_results
    site = Site(config, cycles, org, Derived(index.objectives, units.objective),
                Derived(index.checkins, units.checkin), heads=index)
    # What may differ: the objectives of the units read again, those their check-ins were and
    # are about, and the parents they had and have (their children changed)
    before = [previous.units[uid] for uid in changed | gone if uid in previous.units]
    after = [states[uid] for uid in changed]
    touched = {h.id for unit in (*before, *after) for h in unit.objectives}
    touched |= {o for unit in (*before, *after) for h in unit.checkins for o in h.objectives}
    touched |= {p.objective for unit in (*before, *after) for h in unit.objectives for p in h.parents}
    diagnostics = [*cuts.diagnostics, *(d for unit in states.values() for d in unit.diagnostics)]
    site_state = SiteState(previous.key, dict(sorted(states.items())), cuts,
                           {"index": index, "namespace": context.objectives, "key_results": key_results})
    return Resolved(site, tuple(diagnostics), site_state, units, frozenset(touched))
