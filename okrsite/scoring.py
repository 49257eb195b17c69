"""Progress, expected pace, status, confidence and grades. Pure: no I/O, dates are arguments.

The rules (also in docs/format.md):
- numeric KR: (current - start) / (target - start), unclamped; no value yet means current = start;
- milestone KR: 1 when done, else the `progress:` given, else 0;
- threshold KR: 1 while the current value holds the threshold, else 0 (no value: 0);
- linked KR: the linked objective's progress;
- objective: weighted mean of its KRs' progress clamped to 0..1; without KRs, the mean of its
  aligned children's progress; `score:` overrides it; cancelled objectives have none;
- expected at date t: (t - start) / (end - start), clamped to 0..1;
- scores are as of a date: readings and check-ins dated after it are not counted;
- status: done (progress >= 1), else on track / at risk / off track by progress against
  [scoring] on_track and at_risk times expected; stale and low confidence are separate flags;
- ended or closed cycle: grade = score (else computed progress); band green >= 0.7, yellow
  >= 0.4, red below; a committed objective is green only at 1.0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from .config import SiteConfig
from .model import (
    Cycle,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveHead,
    ObjectiveKind,
    Reading,
    Site,
    fields_reduce,
)


class Status(str, Enum):
    DONE = "done"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    NOT_STARTED = "not-started"
    NO_DATA = "no-data"
    CANCELLED = "cancelled"


class Band(str, Enum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


GREEN_FROM = 0.7
YELLOW_FROM = 0.4


# Pure rules ------------------------------------------------------------------------------


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


PROGRESS_LIMIT = 1e9  # progress is shown as it is, up to a hundred billion percent


def numeric_progress(start: float, target: float, current: float | None) -> float:
    """(current - start) / (target - start); may exceed 1 or fall below 0, but stays finite
    (within ±PROGRESS_LIMIT) whatever the magnitudes, e.g. start 0, target 1e-300, current 1e300."""
    if target == start:
        raise ValueError("start equals target")
    value = start if current is None else current
    gain, span = value - start, target - start
    if not (math.isfinite(gain) and math.isfinite(span)):  # differences of numbers near 1e308
        gain, span = value / 2 - start / 2, target / 2 - start / 2
    return clamp(gain / span, -PROGRESS_LIMIT, PROGRESS_LIMIT)


def expected_progress(start: dt.date, end: dt.date, today: dt.date) -> float:
    """How far through its cycle an objective should be on `today`, 0..1."""
    span = (end - start).days
    if span <= 0:
        return 1.0 if today >= end else 0.0
    return clamp((today - start).days / span)


def pace_status(progress: float, expected: float, on_track: float, at_risk: float) -> Status:
    """Status while a cycle runs, from progress (clamped) against expected progress."""
    if progress >= 1.0:
        return Status.DONE
    if progress >= on_track * expected:
        return Status.ON_TRACK
    if progress >= at_risk * expected:
        return Status.AT_RISK
    return Status.OFF_TRACK


def grade_band(grade: float, committed: bool = False) -> Band:
    """Colour band of a final grade; committed objectives are green only when fully met."""
    if grade >= (1.0 if committed else GREEN_FROM):
        return Band.GREEN
    if grade >= YELLOW_FROM:
        return Band.YELLOW
    return Band.RED


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Weighted mean of (value, weight) pairs; None when there is nothing to average."""
    total = weight_sum = 0.0
    for value, weight in pairs:
        total += value * weight
        weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def mean(values: Iterable[float]) -> float | None:
    return weighted_mean((v, 1.0) for v in values)


def latest_value(readings: Iterable[Reading]) -> float | None:
    value = None
    for reading in readings:
        if reading.value is not None:
            value = reading.value
    return value


def milestone_progress(readings: Iterable[Reading]) -> float:
    """1 when the latest word is done; else the latest progress given; else 0."""
    progress = 0.0
    for reading in readings:
        if reading.done is not None:
            progress = 1.0 if reading.done else (reading.progress or 0.0)
        elif reading.progress is not None:
            progress = reading.progress
    return progress


def kr_progress(kr: KeyResult, linked_progress: float | None = None) -> float | None:
    """Unclamped progress of a key result from its readings (linked: the given progress)."""
    if kr.kind is KRKind.LINKED:
        return linked_progress
    if kr.kind is KRKind.MILESTONE:
        return milestone_progress(kr.readings)
    current = latest_value(kr.readings)
    if kr.kind is KRKind.THRESHOLD:
        assert kr.threshold is not None
        return 1.0 if current is not None and kr.threshold.holds(current) else 0.0
    assert kr.start is not None and kr.target is not None
    return numeric_progress(kr.start, kr.target, current)


def as_of(kr: KeyResult, today: dt.date) -> KeyResult:
    """The key result as known on `today`: readings dated later are left out."""
    if not kr.readings or (kr.readings[-1].date or today) <= today:
        return kr  # readings are in date order, so nothing is later
    return replace(kr, readings=tuple(r for r in kr.readings if r.date is None or r.date <= today))


def progress_series(kr: KeyResult) -> tuple[float | None, ...]:
    """The KR's unclamped progress right after each of its readings, in one pass
    (None for a linked KR, whose progress comes from another objective)."""
    if kr.kind is KRKind.LINKED:
        return tuple(None for _ in kr.readings)
    series: list[float | None] = []
    value: float | None = None
    milestone = 0.0
    for reading in kr.readings:
        if kr.kind is KRKind.MILESTONE:
            if reading.done is not None:
                milestone = 1.0 if reading.done else (reading.progress or 0.0)
            elif reading.progress is not None:
                milestone = reading.progress
            series.append(milestone)
            continue
        if reading.value is not None:
            value = reading.value
        if kr.kind is KRKind.THRESHOLD:
            assert kr.threshold is not None
            series.append(1.0 if value is not None and kr.threshold.holds(value) else 0.0)
        else:
            assert kr.start is not None and kr.target is not None
            series.append(numeric_progress(kr.start, kr.target, value))
    return tuple(series)


def latest_confidence(readings: Iterable[Reading]) -> float | None:
    confidence = None
    for reading in readings:
        if reading.confidence is not None:
            confidence = reading.confidence
    return confidence


# Scoring a whole site --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KRScore:
    progress: float | None  # unclamped (a KR at 130% reads 1.3)
    current: float | None
    done: bool
    confidence: float | None
    status: Status
    updated: dt.date | None

    @property
    def clamped(self) -> float | None:
        return None if self.progress is None else clamp(self.progress)

    __reduce__ = fields_reduce


@dataclass(frozen=True, slots=True)
class ObjectiveScore:
    progress: float | None  # 0..1: score if set, else computed
    computed: float | None  # from KRs or children, before `score:`
    expected: float
    status: Status
    phase: str  # upcoming | running | ended
    stale: bool
    low_confidence: bool
    confidence: float | None
    last_checkin: dt.date | None
    days_since_checkin: int | None  # since the last check-in, or since the cycle began
    grade: float | None  # once the cycle has ended
    band: Band | None

    __reduce__ = fields_reduce


@dataclass(frozen=True, slots=True)
class CycleScore:
    phase: str
    expected: float
    progress: float | None  # mean over scored, non-cancelled objectives
    objectives: int
    counts: Mapping[str, int]  # Status value → count
    stale: int
    low_confidence: int
    average_grade: float | None
    bands: Mapping[str, int]  # Band value → count
    graded: int
    ungraded: int

    __reduce__ = fields_reduce


@dataclass(frozen=True, slots=True)
class Scores:
    today: dt.date
    krs: Mapping[tuple[str, str], KRScore] = field(default_factory=dict)
    objectives: Mapping[str, ObjectiveScore] = field(default_factory=dict)
    cycles: Mapping[str, CycleScore] = field(default_factory=dict)

    def kr(self, objective_id: str, kr_id: str) -> KRScore:
        return self.krs[(objective_id, kr_id)]


def score_site(site: Site, today: dt.date) -> Scores:
    """Every score of every objective, key result and cycle of `site` on `today`."""
    scorer = _Scorer(site, today)
    objective_scores = {oid: scorer.objective(oid) for oid in site.index.objectives}
    return Scores(today, scorer.kr_scores, objective_scores, _cycle_scores(site, objective_scores, today))


def rescore(site: Site, previous: Scores, changed: Collection[str],
            today: dt.date | None = None) -> tuple[Scores, set[str]]:
    """The scores of `site` on `today` (default: the day of `previous`), from those of an
    earlier version of it in which the objectives `changed` (their key results, readings,
    check-ins, `score:` or children) were different: those and every objective whose score is
    computed from them are scored again; the others keep their scores. On another day than
    `previous`'s, every objective of a cycle that has not ended (on either day) has changed,
    whatever `changed` says. Returns the scores and the objectives scored again; key result
    scores are worked out when first asked for."""
    heads = site.index.objectives
    today = today or previous.today
    changed = {oid for oid in changed if oid in heads}
    if today != previous.today:
        live = {cid for cid, c in site.cycles.items()
                if c.phase(today) != "ended" or c.phase(previous.today) != "ended"}
        changed |= {oid for oid, h in heads.items() if h.cycle in live or h.cycle not in site.cycles}
    again = _dependents(site, changed | (set(heads) - set(previous.objectives)))
    scorer = _Scorer(site, today, known={
        oid: score.progress for oid, score in previous.objectives.items() if oid not in again})
    objective_scores = {oid: previous.objectives[oid] for oid in heads if oid not in again}
    objective_scores.update((oid, scorer.objective(oid)) for oid in again)
    ordered = {oid: objective_scores[oid] for oid in heads}
    cycles = {heads[oid].cycle for oid in again} | (set(site.cycles) - set(previous.cycles))
    if today != previous.today:
        cycles |= {cid for cid, c in site.cycles.items() if c.phase(today) != "ended"}
    cycle_scores = {cid: score for cid, score in previous.cycles.items() if cid in site.cycles}
    cycle_scores.update(_cycle_scores(site, ordered, today, cycles))
    cycle_scores = {cid: cycle_scores[cid] for cid in site.cycles}
    krs = KRScores(site, today, ordered, scorer.kr_scores)
    return Scores(today, krs, ordered, cycle_scores), again


class KRScores(Mapping[tuple[str, str], KRScore]):
    """Key result scores worked out when first asked for, from the objectives' scores (what
    linked key results take): a build that renders a few objectives scores their key results
    only."""

    def __init__(self, site: Site, today: dt.date, objectives: Mapping[str, ObjectiveScore],
                 known: Mapping[tuple[str, str], KRScore] | None = None):
        self.site, self.today, self.objectives = site, today, objectives
        self._found: dict[tuple[str, str], KRScore] = dict(known or {})
        self._scorer: _Scorer | None = None

    def __getitem__(self, key: tuple[str, str]) -> KRScore:
        found = self._found.get(key)
        if found is None:
            objective_id = key[0]
            if objective_id not in self.site.index.objectives:
                raise KeyError(key)
            if self._scorer is None:
                self._scorer = _Scorer(self.site, self.today,
                                       known={oid: s.progress for oid, s in self.objectives.items()})
            objective = self.site.objectives[objective_id]
            score = self.objectives[objective_id]
            expected = score.expected
            for kr in objective.key_results:
                self._found.setdefault((objective_id, kr.id), self._scorer._kr_score(objective, kr, expected, score.phase))
            found = self._found.get(key)
            if found is None:
                raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for head in self.site.index.objectives.values():
            for kr in head.key_results:
                yield head.id, kr.id

    def __len__(self) -> int:
        return sum(len(h.key_results) for h in self.site.index.objectives.values())

    def restricted(self, site: Site) -> KRScores:
        return KRScores(site, self.today, self.objectives, self._found)


def _dependents(site: Site, changed: set[str]) -> set[str]:
    """`changed` and every objective whose progress is computed from one of them, however
    indirectly: parents whose key results link to it, and parents without key results."""
    heads = site.index.objectives
    up: dict[str, list[str]] = {}
    for head in heads.values():
        if head.key_results:
            for kr in head.key_results:
                if kr.linked:
                    up.setdefault(kr.linked, []).append(head.id)
        else:
            for child in site.index.children.get(head.id, ()):
                up.setdefault(child, []).append(head.id)
    found, todo = set(changed), list(changed)
    while todo:
        for parent in up.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def _cycle_scores(site: Site, objective_scores: Mapping[str, ObjectiveScore], today: dt.date,
                  only: Collection[str] | None = None) -> dict[str, CycleScore]:
    index = site.index
    return {
        cid: score_cycle(cycle, [index.objectives[oid] for oid in index.by_cycle.get(cid, ())],
                         objective_scores, today)
        for cid, cycle in site.cycles.items() if only is None or cid in only
    }


def score_inputs(site: Site, objective_ids: Iterable[str]) -> set[str]:
    """These objectives and every objective their scores are computed from: the objectives
    their key results are linked to and, for an objective without key results, its aligned
    children, recursively. Scoring only these gives the same scores for the ones asked for."""
    heads = site.index.objectives
    found: set[str] = set()
    todo = [oid for oid in objective_ids if oid in heads]
    while todo:
        oid = todo.pop()
        if oid in found:
            continue
        found.add(oid)
        head = heads[oid]
        if head.key_results:
            todo.extend(kr.linked for kr in head.key_results if kr.linked and kr.linked in heads)
        else:
            todo.extend(site.children.get(oid, ()))
    return found


class _Scorer:
    """Memoised evaluation: linked KRs and KR-less objectives depend on other objectives.
    `known`: the progress of objectives already scored (they are not looked at again)."""

    def __init__(self, site: Site, today: dt.date, known: Mapping[str, float | None] | None = None):
        self.site = site
        self.today = today
        self.config: SiteConfig = site.config
        self.known = known or {}
        self.computed_memo: dict[str, float | None] = {}
        self.in_progress: set[str] = set()
        self.kr_scores: dict[tuple[str, str], KRScore] = {}
        self.checkins = site.index.checkins

    def _known_on(self, checkin_id: str) -> dt.date | None:
        """The check-in's date, if it is known on `today` (a later one is not yet)."""
        head = self.checkins.get(checkin_id)
        return head.date if head is not None and head.date <= self.today else None

    def progress(self, objective_id: str) -> float | None:
        """Objective progress 0..1: its `score:` if set, else computed; None without data."""
        if objective_id in self.known:
            return self.known[objective_id]
        head = self.site.index.objectives.get(objective_id)
        if head is None or head.cancelled:
            return None
        return head.score if head.score is not None else self.computed(self.site.objectives[objective_id])

    def computed(self, objective: Objective) -> float | None:
        """Progress from KRs (or, without KRs, from aligned children), memoised."""
        if objective.id in self.computed_memo:
            return self.computed_memo[objective.id]
        if objective.cancelled or objective.id in self.in_progress:
            return None
        self.in_progress.add(objective.id)
        if objective.key_results:
            pairs = []
            for kr in objective.key_results:
                progress = self.kr_progress(objective, kr)
                if progress is not None:
                    pairs.append((clamp(progress), kr.weight))
            value = weighted_mean(pairs)
        else:
            children = [self.progress(c) for c in self.site.children.get(objective.id, ())]
            value = mean(p for p in children if p is not None)
        self.in_progress.discard(objective.id)
        self.computed_memo[objective.id] = value
        return value

    def kr_progress(self, objective: Objective, kr: KeyResult) -> float | None:
        linked = self.progress(kr.linked) if kr.linked else None
        return kr_progress(as_of(kr, self.today), linked)

    def objective(self, objective_id: str) -> ObjectiveScore:
        objective = self.site.objectives[objective_id]
        cycle = self.site.cycles.get(objective.cycle)
        phase = cycle.phase(self.today) if cycle else "running"
        expected = expected_progress(cycle.start, cycle.end, self.today) if cycle else 0.0
        progress = self.progress(objective_id)
        computed = self.computed(objective)
        for kr in objective.key_results:
            self.kr_scores[(objective_id, kr.id)] = self._kr_score(objective, kr, expected, phase)
        last = max((d for c in objective.checkins if (d := self._known_on(c)) is not None), default=None)
        reference = last or (cycle.start if cycle else None)
        # not once the cycle has ended: nothing is owed, and its pages no longer change by the day
        days = (self.today - reference).days if reference and self.today >= reference \
            and phase != "ended" else None
        confidence = self._confidence(objective)
        running = phase == "running" and not objective.cancelled
        grade = None if objective.cancelled or phase != "ended" else progress
        return ObjectiveScore(
            progress=progress, computed=computed, expected=expected,
            status=self._status(objective, progress, expected, phase),
            phase=phase,
            stale=running and days is not None and days >= self.config.checkins.stale_after_days,
            low_confidence=running and confidence is not None and confidence < self.config.scoring.low_confidence,
            confidence=confidence, last_checkin=last,
            days_since_checkin=days,
            grade=grade,
            band=grade_band(grade, objective.kind is ObjectiveKind.COMMITTED) if grade is not None else None,
        )

    def _status(self, objective: Objective, progress: float | None, expected: float, phase: str) -> Status:
        if objective.cancelled:
            return Status.CANCELLED
        if progress is None:
            return Status.NO_DATA
        if phase == "upcoming":
            return Status.DONE if progress >= 1 else Status.NOT_STARTED
        scoring = self.config.scoring
        return pace_status(progress, expected, scoring.on_track, scoring.at_risk)

    def _kr_score(self, objective: Objective, kr: KeyResult, expected: float, phase: str) -> KRScore:
        progress = self.kr_progress(objective, kr)
        kr = as_of(kr, self.today)
        scoring = self.config.scoring
        if objective.cancelled:
            status = Status.CANCELLED
        elif progress is None:
            status = Status.NO_DATA
        elif phase == "upcoming" and progress < 1:
            status = Status.NOT_STARTED
        else:
            status = pace_status(clamp(progress), expected, scoring.on_track, scoring.at_risk)
        dated = [r.date for r in kr.readings if r.date is not None]
        return KRScore(
            progress=progress,
            current=latest_value(kr.readings) if kr.kind.numeric else None,
            done=progress is not None and progress >= 1,
            confidence=latest_confidence(kr.readings),
            status=status,
            updated=max(dated) if dated else None,
        )

    def _confidence(self, objective: Objective) -> float | None:
        """The latest check-in's overall confidence, else the mean of the KR confidences it gave."""
        for checkin_id in reversed(objective.checkins):
            checkin = self.site.checkins.get(checkin_id)
            if checkin is None or self._known_on(checkin_id) is None:
                continue
            if checkin.confidence is not None:
                return checkin.confidence
            given = [u.reading.confidence for u in checkin.updates
                     if u.objective == objective.id and u.reading.confidence is not None]
            if given:
                return mean(given)
        return None


def restrict_scores(scores: Scores, site: Site) -> Scores:
    """The scores of the objectives `site` still holds, with each cycle's aggregates taken
    again over those objectives only (for a view that leaves some out, e.g. --public)."""
    heads = site.index.objectives
    objectives = {oid: s for oid, s in scores.objectives.items() if oid in heads}
    krs: Mapping[tuple[str, str], KRScore]
    if isinstance(scores.krs, KRScores):
        krs = scores.krs.restricted(site)
    else:
        krs = {key: s for key, s in scores.krs.items() if key[0] in heads}
    return Scores(scores.today, krs, objectives, _cycle_scores(site, objectives, scores.today))


def score_cycle(
    cycle: Cycle, objectives: list[ObjectiveHead], scores: Mapping[str, ObjectiveScore], today: dt.date
) -> CycleScore:
    """Aggregates of one cycle; cancelled objectives count in no average."""
    active = [o for o in objectives if not o.cancelled]
    counts: dict[str, int] = {s.value: 0 for s in Status}
    bands: dict[str, int] = {b.value: 0 for b in Band}
    for o in objectives:
        counts[scores[o.id].status.value] += 1
        band = scores[o.id].band
        if band is not None:
            bands[band.value] += 1
    grades = [scores[o.id].grade for o in active if scores[o.id].grade is not None]
    progress = mean(p for o in active if (p := scores[o.id].progress) is not None)
    ended = cycle.phase(today) == "ended"
    return CycleScore(
        phase=cycle.phase(today),
        expected=expected_progress(cycle.start, cycle.end, today),
        progress=progress,
        objectives=len(active),
        counts=counts,
        stale=sum(1 for o in active if scores[o.id].stale),
        low_confidence=sum(1 for o in active if scores[o.id].low_confidence),
        average_grade=mean(g for g in grades if g is not None),
        bands=bands,
        graded=sum(1 for o in active if o.score is not None),
        ungraded=sum(1 for o in active if o.score is None) if ended else 0,
    )
