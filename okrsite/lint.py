"""Warnings from OKR practice: too many objectives or KRs, unmeasurable or unaligned goals,
stale objectives and ungraded ended cycles. They never fail a build unless `--strict`."""

from __future__ import annotations

from collections import defaultdict

from .diagnostics import Diagnostics, Location
from .model import KRKind, Level, ObjectiveHead, Site
from .scoring import Scores


def lint_site(site: Site, scores: Scores) -> Diagnostics:
    """Every practice warning for the published objectives of `site`."""
    found = Diagnostics()
    active = [o for o in site.index.objectives.values() if not o.cancelled]
    _too_many_objectives(site, active, found)
    for objective in active:
        _key_results(site, objective, found)
        _alignment(objective, found)
        _freshness(site, objective, scores, found)
    disabled = set(site.config.lint.disable)
    found.items = [d for d in found.items if d.code not in disabled]
    return found


def _at(objective: ObjectiveHead, line: int | None = None) -> Location:
    return Location(objective.path, line or objective.line)


def _too_many_objectives(site: Site, active: list[ObjectiveHead], found: Diagnostics) -> None:
    limit = site.config.lint.max_objectives_per_owner
    by_owner: dict[tuple[str, str], list[ObjectiveHead]] = defaultdict(list)
    for objective in active:
        by_owner[(objective.cycle, objective.owner)].append(objective)
    for (cycle, owner), owned in by_owner.items():
        if len(owned) > limit:
            first_extra = sorted(owned, key=lambda o: o.path)[limit]
            found.warning(
                _at(first_extra), "too-many-objectives",
                f"{site.org.name(owner)} has {len(owned)} objectives in {cycle}; the limit is {limit}",
                "fewer objectives keep focus: merge or drop some, or raise [lint] max_objectives_per_owner",
            )


def _key_results(site: Site, objective: ObjectiveHead, found: Diagnostics) -> None:
    limit = site.config.lint.max_key_results
    krs = objective.key_results
    if not krs:
        has_children = bool(site.children.get(objective.id))
        found.warning(
            _at(objective), "no-key-results",
            "objective has no key results"
            + ("; its progress comes from aligned objectives" if has_children else " and no progress"),
            "add 2-5 measurable key results under `key_results:`",
        )
    elif len(krs) > limit:
        found.warning(
            _at(objective, krs[limit].line), "too-many-key-results",
            f"objective has {len(krs)} key results; the limit is {limit}",
            "keep the few that best show success, or raise [lint] max_key_results",
        )
    for kr in krs:
        if kr.kind is KRKind.MILESTONE:
            found.warning(
                _at(objective, kr.line), "kr-not-measurable",
                f"key result `{kr.id}` has no measurable target, so it scores only done or not done",
                "give it a start and a target (e.g. start: 0, target: 12), or silence with "
                '[lint] disable = ["kr-not-measurable"] if milestones are intended',
            )


def _alignment(objective: ObjectiveHead, found: Diagnostics) -> None:
    if objective.parents or objective.level in (None, Level.COMPANY):
        return
    found.warning(
        _at(objective), "unaligned",
        f"{objective.level.value} objective is aligned to nothing",
        "add `parent: OWNER/SLUG` (or OWNER/SLUG#KR) naming the goal it contributes to",
    )


def _freshness(site: Site, objective: ObjectiveHead, scores: Scores, found: Diagnostics) -> None:
    score = scores.objectives.get(objective.id)
    if score is None:
        return
    if score.stale:
        since = f"since {score.last_checkin}" if score.last_checkin else "since the cycle began"
        found.warning(
            _at(objective), "stale",
            f"no check-in {since} ({score.days_since_checkin} days; stale after "
            f"{site.config.checkins.stale_after_days})",
            f"write one: okrsite new checkin {objective.id}",
        )
    if score.phase == "ended" and objective.score is None:
        found.warning(
            _at(objective), "ungraded",
            f"cycle {objective.cycle} has ended but this objective has no `score:`",
            "grade it: add `score: 0.0-1.0` (0.7 is a good score for aspirational goals)",
        )
