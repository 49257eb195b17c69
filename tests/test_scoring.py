"""Scoring: every rule of the format as a unit test, the invariants as property tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from okrsite.config import SiteConfig
from okrsite.model import (
    Cycle,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveKind,
    Org,
    ParentRef,
    Reading,
    Site,
    Threshold,
)
from okrsite.scoring import (
    Band,
    Status,
    as_of,
    clamp,
    expected_progress,
    grade_band,
    kr_progress,
    latest_value,
    mean,
    milestone_progress,
    numeric_progress,
    pace_status,
    score_site,
    weighted_mean,
)

from .conftest import PLATFORM

Q4 = "content/2026-Q4"
START, END = dt.date(2026, 10, 1), dt.date(2026, 12, 31)


def reading(value=None, *, done=None, progress=None, date=None, confidence=None) -> Reading:
    return Reading(date, None, value=value, done=done, progress=progress, confidence=confidence)


def numeric(start: float, target: float, *values: float | None) -> KeyResult:
    kind = KRKind.INCREASING if target > start else KRKind.DECREASING
    return KeyResult("k", "K", kind, 1, start=start, target=target,
                     readings=tuple(reading(v) for v in values))


# Pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("start, target, current, expected", [
    (0, 10, 5, 0.5),
    (0, 10, 13, 1.3),  # shown as is: more than 100%
    (0, 10, -2, -0.2),  # and below 0%
    (0, 10, None, 0.0),  # no value yet: current = start
    (800, 300, 540, 0.52),  # decreasing: from 800 ms down to 300 ms
    (800, 300, 900, -0.2),
    (99.5, 99.95, 99.81, 0.31 / 0.45),
])
def test_numeric_progress(start, target, current, expected):
    assert numeric_progress(start, target, current) == pytest.approx(expected)


def test_numeric_progress_needs_distinct_start_and_target():
    with pytest.raises(ValueError):
        numeric_progress(5, 5, 5)


@pytest.mark.parametrize("today, expected", [
    (dt.date(2026, 9, 1), 0.0),  # before the cycle
    (START, 0.0),
    (dt.date(2026, 11, 15), 45 / 91),
    (END, 1.0),
    (dt.date(2027, 2, 1), 1.0),  # after it
])
def test_expected_progress(today, expected):
    assert expected_progress(START, END, today) == pytest.approx(expected)


def test_expected_progress_of_a_one_day_cycle():
    day = dt.date(2026, 6, 1)
    assert expected_progress(day, day, day) == 1.0
    assert expected_progress(day, day, day - dt.timedelta(days=1)) == 0.0


@pytest.mark.parametrize("progress, expected, status", [
    (1.0, 0.2, Status.DONE),
    (0.45, 0.5, Status.ON_TRACK),  # exactly on_track (0.9) * expected
    (0.449, 0.5, Status.AT_RISK),
    (0.30, 0.5, Status.AT_RISK),  # exactly at_risk (0.6) * expected
    (0.299, 0.5, Status.OFF_TRACK),
    (0.0, 0.0, Status.ON_TRACK),  # on the first day nothing is expected yet
])
def test_pace_status(progress, expected, status):
    assert pace_status(progress, expected, 0.9, 0.6) is status


@pytest.mark.parametrize("grade, committed, band", [
    (1.0, False, Band.GREEN), (0.7, False, Band.GREEN), (0.69, False, Band.YELLOW),
    (0.4, False, Band.YELLOW), (0.39, False, Band.RED), (0.0, False, Band.RED),
    (1.0, True, Band.GREEN), (0.95, True, Band.YELLOW), (0.3, True, Band.RED),
])
def test_grade_band(grade, committed, band):
    assert grade_band(grade, committed) is band


def test_means():
    assert weighted_mean([(1.0, 3), (0.0, 1)]) == 0.75
    assert weighted_mean([]) is None and mean([]) is None
    assert mean([0.2, 0.4]) == pytest.approx(0.3)


def test_milestone_progress():
    assert milestone_progress([]) == 0.0
    assert milestone_progress([reading(done=True)]) == 1.0
    assert milestone_progress([reading(progress=0.4)]) == 0.4
    assert milestone_progress([reading(progress=0.4), reading(done=True)]) == 1.0
    assert milestone_progress([reading(done=True), reading(progress=0.5)]) == 0.5  # latest word wins
    assert milestone_progress([reading(done=True), reading(done=False)]) == 0.0
    assert milestone_progress([reading(done=False, progress=0.3)]) == 0.3


def test_kr_progress_of_every_kind():
    assert kr_progress(numeric(0, 10, 4, None)) == 0.4  # a reading without a value keeps the last
    held = KeyResult("b", "Burn", KRKind.THRESHOLD, 1, threshold=Threshold("<=", 1.0))
    assert kr_progress(held) == 0.0  # no value: not known to hold
    assert kr_progress(dataclasses.replace(held, readings=(reading(0.8),))) == 1.0
    assert kr_progress(dataclasses.replace(held, readings=(reading(0.8), reading(1.2)))) == 0.0
    milestone = KeyResult("m", "M", KRKind.MILESTONE, 1, readings=(reading(done=True),))
    assert kr_progress(milestone) == 1.0
    linked = KeyResult("l", "L", KRKind.LINKED, 1, linked="2026-Q4/a/b")
    assert kr_progress(linked, 0.35) == 0.35 and kr_progress(linked) is None


@pytest.mark.parametrize("op, value, current, holds", [
    (">=", 99.9, 99.9, True), (">=", 99.9, 99.8, False), (">", 5, 5, False), (">", 5, 6, True),
    ("<=", 1.0, 1.0, True), ("<", 1.0, 1.0, False), ("<", 1.0, 0.5, True),
])
def test_threshold_holds(op, value, current, holds):
    assert Threshold(op, value).holds(current) is holds
    assert str(Threshold(op, value)) == f"{op} {value:g}"


def test_latest_value_and_as_of():
    kr = numeric(0, 10, None)
    kr = dataclasses.replace(kr, readings=(
        reading(2), reading(4, date=dt.date(2026, 11, 1)), reading(9, date=dt.date(2026, 12, 1))))
    assert latest_value(kr.readings) == 9
    assert latest_value(as_of(kr, dt.date(2026, 11, 20)).readings) == 4
    assert as_of(kr, dt.date(2026, 12, 1)) is kr


# Scoring a site --------------------------------------------------------------------------

CHECKIN = """
    ---
    confidence: high
    updates:
      reliability#uptime: 99.81
      reliability#p99: 540
      reliability#runbooks: {done: true}
      adoption#guide: {done: true}
      adoption#teams: 13
      adoption#burn: 0.8
    ---
"""


def test_worked_example(site):
    result = site({**PLATFORM, f"{Q4}/platform/checkins/2026-11-15.md": CHECKIN}, today=dt.date(2026, 11, 15))
    result.assert_clean()
    ref = "2026-Q4/platform/reliability"
    assert result.kr_score(f"{ref}#uptime").progress == pytest.approx(0.31 / 0.45)  # 0.689
    assert result.kr_score(f"{ref}#p99").progress == pytest.approx(0.52)
    assert result.kr_score(f"{ref}#runbooks").progress == 1.0
    teams = result.kr_score("2026-Q4/platform/adoption#teams")
    assert teams.progress == pytest.approx(1.3) and teams.clamped == 1.0 and teams.done
    assert teams.current == 13 and teams.updated == dt.date(2026, 11, 15)
    assert result.kr_score("2026-Q4/platform/adoption#burn").progress == 1.0
    # adoption: mean of teams clamped from 1.3 to 1.0, the guide done (1) and burn held (1)
    assert result.score("2026-Q4/platform/adoption").progress == 1.0
    assert result.kr_score(f"{ref}#adoption").progress == 1.0  # linked: the objective's progress
    # weighted: (0.689 * 1 + 0.52 * 2 + 1 * 1 + 1 * 1) / 5
    expected = (0.31 / 0.45 + 0.52 * 2 + 1 + 1) / 5
    score = result.score(ref)
    assert score.progress == pytest.approx(expected) and score.computed == score.progress
    assert score.expected == pytest.approx(45 / 91)
    assert score.status is Status.ON_TRACK
    assert score.confidence == 0.9 and not score.low_confidence
    assert score.last_checkin == dt.date(2026, 11, 15) and score.days_since_checkin == 0
    assert score.phase == "running" and score.grade is None and score.band is None


@pytest.mark.parametrize("value, status", [
    (99.5 + 0.45 * 0.45, Status.ON_TRACK),  # progress 0.45 = 0.9 * expected 0.5
    (99.5 + 0.45 * 0.40, Status.AT_RISK),
    (99.5 + 0.45 * 0.20, Status.OFF_TRACK),
    (99.95, Status.DONE),
])
def test_status_against_expected_progress(site, value, status):
    # 2026-Q4 has 91 days from start to end; on 2026-11-15 (day 45.5 of 91) expected is 0.5
    result = site({
        f"{Q4}/platform/reliability.md": """
            ---
            title: Reliable
            key_results: [{id: uptime, title: Availability, start: 99.5, target: 99.95}]
            ---
        """,
        f"{Q4}/platform/checkins/2026-11-14.md": f"---\nupdates: {{reliability#uptime: {value}}}\n---\n",
        "site.toml": "today = 2026-11-15\n",
    }, today=None)
    score = result.score("2026-Q4/platform/reliability")
    assert score.expected == pytest.approx(45 / 91)
    assert score.status is status
    assert result.kr_score("2026-Q4/platform/reliability#uptime").status is status


def test_scoring_thresholds_come_from_site_toml(site):
    result = site({
        "site.toml": "[scoring]\non_track = 0.5\nat_risk = 0.2\n",
        f"{Q4}/acme/grow.md": "---\ntitle: G\nkey_results: [{title: A, start: 0, target: 100, current: 30}]\n---\n",
    }, today=dt.date(2026, 11, 15))  # expected ≈ 0.49: 0.30 >= 0.5 * 0.49
    assert result.score("2026-Q4/acme/grow").status is Status.ON_TRACK


def test_objective_without_key_results_takes_its_childrens_mean(site):
    result = site({
        f"{Q4}/acme/grow.md": "---\ntitle: Grow\n---\n",
        f"{Q4}/sales/a.md": "---\ntitle: A\nparent: acme/grow\nkey_results: [{title: x, start: 0, target: 10, current: 2}]\n---\n",
        f"{Q4}/sales/b.md": "---\ntitle: B\nparent: acme/grow\nscore: 0.6\n---\n",
        f"{Q4}/sales/c.md": "---\ntitle: C\nparent: acme/grow\nstatus: cancelled\nscore: 1\n---\n",
        f"{Q4}/sales/d.md": "---\ntitle: D\nparent: acme/grow\n---\n",  # no KRs, no children: none
        f"{Q4}/acme/alone.md": "---\ntitle: Alone\n---\n",
    })
    assert result.score("2026-Q4/sales/d").progress is None
    assert result.score("2026-Q4/sales/d").status is Status.NO_DATA
    assert result.score("2026-Q4/acme/grow").progress == pytest.approx((0.2 + 0.6) / 2)
    assert result.score("2026-Q4/acme/alone").progress is None


def test_score_overrides_computed_progress(site):
    result = site({f"{Q4}/acme/grow.md": """
        ---
        title: Grow
        score: 0.65
        key_results: [{title: A, start: 0, target: 10, current: 2}]
        ---
    """})
    score = result.score("2026-Q4/acme/grow")
    assert score.progress == 0.65 and score.computed == pytest.approx(0.2)


def test_cancelled_objectives_count_nowhere(site):
    result = site({
        f"{Q4}/acme/grow.md": """
            ---
            title: Grow
            key_results:
              - {title: A, start: 0, target: 10, current: 5}
              - {title: Linked to cancelled, objective: sales/old}
            ---
        """,
        f"{Q4}/sales/old.md": "---\ntitle: Old\nstatus: cancelled\nparent: acme/grow\nkey_results: [{title: x, done: true}]\n---\n",
    })
    assert result.score("2026-Q4/sales/old").progress is None
    assert result.score("2026-Q4/sales/old").status is Status.CANCELLED
    assert result.kr_score("2026-Q4/sales/old#kr1").status is Status.CANCELLED
    assert result.kr_score("2026-Q4/acme/grow#kr2").progress is None
    assert result.score("2026-Q4/acme/grow").progress == 0.5  # the linked KR is left out
    cycle = result.scores.cycles["2026-Q4"]
    assert cycle.objectives == 1 and cycle.progress == 0.5 and cycle.counts["cancelled"] == 1


def test_linked_key_result_to_an_objective_with_no_data_is_left_out(site):
    result = site({
        f"{Q4}/acme/grow.md": "---\ntitle: G\nkey_results: [{title: A, done: true}, {title: B, objective: sales/new}]\n---\n",
        f"{Q4}/sales/new.md": "---\ntitle: New\n---\n",
    })
    assert result.kr_score("2026-Q4/acme/grow#kr2").status is Status.NO_DATA
    assert result.score("2026-Q4/acme/grow").progress == 1.0


def test_upcoming_cycle_is_not_started(site):
    result = site({
        "content/2027-Q1/acme/grow.md": "---\ntitle: G\nkey_results: [{title: A, start: 0, target: 10}, {title: B, done: true}]\n---\n",
        "content/2027-Q1/acme/done.md": "---\ntitle: D\nkey_results: [{title: B, done: true}]\n---\n",
    })
    score = result.score("2027-Q1/acme/grow")
    assert score.phase == "upcoming" and score.expected == 0.0 and score.status is Status.NOT_STARTED
    assert result.kr_score("2027-Q1/acme/grow#kr1").status is Status.NOT_STARTED
    assert result.score("2027-Q1/acme/done").status is Status.DONE
    assert not score.stale


def test_stale_objectives(site):
    files = {
        f"{Q4}/acme/{name}.md": f"---\ntitle: {name}\nkey_results: [{{id: a, title: A, start: 0, target: 10}}]\n---\n"
        for name in ("fresh", "old", "never")
    }
    files[f"{Q4}/acme/checkins/2026-11-10.md"] = "---\nupdates: {fresh#a: 1, old#a: 1}\n---\n"
    files[f"{Q4}/acme/checkins/2026-11-16.md"] = "---\nupdates: {fresh#a: 2}\n---\n"
    result = site(files, today=dt.date(2026, 11, 24))
    fresh, old, never = (result.score(f"2026-Q4/acme/{n}") for n in ("fresh", "old", "never"))
    assert (fresh.days_since_checkin, fresh.stale) == (8, False)
    assert (old.days_since_checkin, old.stale) == (14, True)  # stale_after_days = 14
    assert (never.last_checkin, never.days_since_checkin, never.stale) == (None, 54, True)
    assert result.scores.cycles["2026-Q4"].stale == 2
    calm = site({"site.toml": "[checkins]\nstale_after_days = 30\n"}, today=dt.date(2026, 11, 24))
    assert not calm.score("2026-Q4/acme/old").stale


def test_checkins_after_the_scoring_date_do_not_count_yet(site):
    result = site({
        f"{Q4}/acme/grow.md": "---\ntitle: G\nkey_results: [{id: a, title: A, start: 0, target: 10}]\n---\n",
        f"{Q4}/acme/checkins/2026-11-01.md": "---\nconfidence: high\nupdates: {grow#a: 3}\n---\n",
        f"{Q4}/acme/checkins/2026-12-01.md": "---\nconfidence: low\nupdates: {grow#a: 9}\n---\n",
    }, today=dt.date(2026, 11, 20))
    score = result.score("2026-Q4/acme/grow")
    assert score.progress == pytest.approx(0.3) and score.last_checkin == dt.date(2026, 11, 1)
    assert score.confidence == 0.9
    assert result.kr_score("2026-Q4/acme/grow#a").updated == dt.date(2026, 11, 1)
    later = site.check(today=dt.date(2026, 12, 2)).score("2026-Q4/acme/grow")
    assert later.progress == pytest.approx(0.9) and later.confidence == 0.3


def test_low_confidence(site):
    base = {
        f"{Q4}/acme/{name}.md": f"---\ntitle: {name}\nkey_results: [{{id: a, title: A, start: 0, target: 10}}, {{id: b, title: B}}]\n---\n"
        for name in ("low", "mixed", "high", "silent")
    }
    result = site({
        **base,
        f"{Q4}/acme/checkins/2026-11-01.md": "---\nconfidence: high\nupdates: {low#a: 1}\n---\n",
        f"{Q4}/acme/checkins/2026-11-18.md": """
            ---
            objective: low
            confidence: 3
            updates:
              mixed#a: {value: 1, confidence: 0.2}
              mixed#b: {progress: 10%, confidence: 0.5}
              high#a: {value: 2, confidence: high}
            ---
        """,
    })
    # the latest check-in's overall confidence, else the mean of the KR confidences it gave
    assert result.score("2026-Q4/acme/low").confidence == pytest.approx(0.3)
    assert result.score("2026-Q4/acme/low").low_confidence
    assert result.score("2026-Q4/acme/mixed").confidence == pytest.approx(0.3)
    assert result.score("2026-Q4/acme/mixed").low_confidence
    assert result.kr_score("2026-Q4/acme/mixed#a").confidence == 0.2
    assert result.score("2026-Q4/acme/high").confidence == pytest.approx(0.3)  # the check-in's 3/10
    assert result.score("2026-Q4/acme/silent").confidence is None
    assert not result.score("2026-Q4/acme/silent").low_confidence
    assert result.scores.cycles["2026-Q4"].low_confidence == 3
    relaxed = site({"site.toml": "[scoring]\nlow_confidence = 0.25\n"})
    assert not relaxed.score("2026-Q4/acme/low").low_confidence


def test_grades_and_bands_once_the_cycle_has_ended(site):
    q3 = "content/2026-Q3"
    result = site({
        f"{q3}/acme/graded.md": "---\ntitle: G\nscore: 0.7\n---\n",
        f"{q3}/acme/yellow.md": "---\ntitle: Y\nscore: 0.69\n---\n",
        f"{q3}/acme/computed.md": "---\ntitle: C\nkey_results: [{title: A, start: 0, target: 10, current: 3}]\n---\n",
        f"{q3}/acme/committed.md": "---\ntitle: M\nkind: committed\nscore: 0.95\n---\n",
        f"{q3}/acme/met.md": "---\ntitle: M\nkind: committed\nscore: 1.0\n---\n",
        f"{q3}/acme/dropped.md": "---\ntitle: D\nstatus: cancelled\n---\n",
    })
    bands = {oid.rsplit("/", 1)[1]: (s.grade, s.band) for oid, s in result.scores.objectives.items()}
    assert bands == {
        "committed": (0.95, Band.YELLOW), "computed": (pytest.approx(0.3), Band.RED),
        "dropped": (None, None), "graded": (0.7, Band.GREEN), "met": (1.0, Band.GREEN),
        "yellow": (0.69, Band.YELLOW),
    }
    assert result.score("2026-Q3/acme/graded").phase == "ended"
    assert not result.score("2026-Q3/acme/computed").stale  # only running objectives go stale
    cycle = result.scores.cycles["2026-Q3"]
    assert cycle.phase == "ended" and cycle.expected == 1.0
    assert cycle.bands == {"green": 2, "yellow": 2, "red": 1}
    assert cycle.average_grade == pytest.approx((0.7 + 0.69 + 0.3 + 0.95 + 1.0) / 5)
    assert (cycle.graded, cycle.ungraded) == (4, 1)


def test_a_closed_cycle_is_graded_before_its_end(site):
    result = site({
        f"{Q4}/_cycle.md": "---\nclosed: true\n---\n",
        f"{Q4}/acme/grow.md": "---\ntitle: G\nscore: 0.5\n---\n",
    })
    score = result.score("2026-Q4/acme/grow")
    assert score.phase == "ended" and score.grade == 0.5 and score.band is Band.YELLOW


# Properties ------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(start=finite, target=finite, a=finite, b=finite)
def test_decreasing_kr_progress_rises_as_its_value_falls(start, target, a, b):
    assume(target < start and abs(start - target) > 1e-6)
    low, high = sorted((a, b))
    assert numeric_progress(start, target, low) >= numeric_progress(start, target, high)


@given(start=finite, target=finite, a=finite, b=finite)
def test_increasing_kr_progress_rises_with_its_value(start, target, a, b):
    assume(target > start and abs(start - target) > 1e-6)
    low, high = sorted((a, b))
    assert numeric_progress(start, target, low) <= numeric_progress(start, target, high)


@given(start=finite, target=finite)
def test_progress_is_0_at_start_and_1_at_target(start, target):
    assume(abs(start - target) > 1e-3)
    assert numeric_progress(start, target, start) == 0
    assert numeric_progress(start, target, target) == pytest.approx(1)


@given(st.floats(allow_nan=False))
def test_clamped_progress_stays_in_0_1(value):
    assert 0.0 <= clamp(value) <= 1.0


@given(st.integers(-400, 400), st.integers(0, 400), st.integers(-10, 500))
def test_expected_progress_is_a_monotone_fraction(offset, span, day):
    start = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
    end = start + dt.timedelta(days=span)
    today = start + dt.timedelta(days=day)
    value = expected_progress(start, end, today)
    assert 0.0 <= value <= 1.0
    assert expected_progress(start, end, today + dt.timedelta(days=1)) >= value


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_more_progress_never_worsens_status(a, b, expected, on_track):
    order = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.DONE]
    at_risk = on_track * 0.6
    low, high = sorted((a, b))
    assert order.index(pace_status(low, expected, on_track, at_risk)) <= \
        order.index(pace_status(high, expected, on_track, at_risk))


@given(st.floats(0, 1), st.floats(0, 1), st.booleans())
def test_a_higher_grade_never_gets_a_worse_band(a, b, committed):
    order = [Band.RED, Band.YELLOW, Band.GREEN]
    low, high = sorted((a, b))
    assert order.index(grade_band(low, committed)) <= order.index(grade_band(high, committed))
    assert order.index(grade_band(a, True)) <= order.index(grade_band(a, False))


# Whole-site properties on in-memory models (no files) ------------------------------------

CYCLE = Cycle("2026-Q4", "Q4 2026", START, END, "calendar")
values = st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False))


@st.composite
def key_results(draw, linked_to: list[str]) -> KeyResult:
    index = draw(st.integers(0, 10**6))
    kind = draw(st.sampled_from([KRKind.INCREASING, KRKind.DECREASING, KRKind.MILESTONE,
                                 KRKind.THRESHOLD] + ([KRKind.LINKED] if linked_to else [])))
    weight = draw(st.floats(0.01, 100))
    common = {"id": f"k{index}", "title": "K", "kind": kind, "line": 1, "weight": weight}
    if kind is KRKind.LINKED:
        return KeyResult(**common, linked=draw(st.sampled_from(linked_to)))
    if kind is KRKind.MILESTONE:
        readings = draw(st.lists(st.builds(reading, done=st.one_of(st.none(), st.booleans()),
                                           progress=st.one_of(st.none(), st.floats(0, 1))), max_size=3))
        return KeyResult(**common, readings=tuple(readings))
    readings = tuple(reading(v) for v in draw(st.lists(values, max_size=3)))
    if kind is KRKind.THRESHOLD:
        return KeyResult(**common, threshold=Threshold(draw(st.sampled_from([">=", "<=", ">", "<"])),
                                                       draw(finite)), readings=readings)
    start = draw(finite)
    delta = draw(st.floats(0.001, 1e5))
    target = start + delta if kind is KRKind.INCREASING else start - delta
    return KeyResult(**common, start=start, target=target, readings=readings)


@st.composite
def sites(draw) -> Site:
    """A cycle of 1-6 objectives; each may align to earlier ones and link KRs to later ones, so
    progress (from children up, through links down the list) never depends on itself."""
    ids = [f"2026-Q4/o/n{i}" for i in range(draw(st.integers(1, 6)))]
    objectives = {}
    for i, oid in enumerate(ids):
        earlier = ids[:i]
        krs = draw(st.lists(key_results(ids[i + 1:]), max_size=4, unique_by=lambda k: k.id))
        parent = draw(st.one_of(st.none(), st.sampled_from(earlier))) if earlier else None
        objectives[oid] = Objective(
            id=oid, cycle="2026-Q4", owner_folder="o", slug=oid.rsplit("/", 1)[1], owner="o",
            title=oid, path=f"content/{oid}.md", key_results=tuple(krs),
            parents=(ParentRef(parent),) if parent else (),
            kind=draw(st.sampled_from(list(ObjectiveKind))),
            score=draw(st.one_of(st.none(), st.floats(0, 1))),
        )
    return Site(SiteConfig(), {"2026-Q4": CYCLE}, Org(), objectives, {})


@settings(max_examples=150, deadline=None)
@given(sites(), st.dates(dt.date(2026, 9, 1), dt.date(2027, 2, 1)))
def test_site_scores_hold_their_invariants(model, today):
    scores = score_site(model, today)
    for oid, objective in model.objectives.items():
        score = scores.objectives[oid]
        assert score.progress is None or 0.0 <= score.progress <= 1.0
        assert score.computed is None or 0.0 <= score.computed <= 1.0
        assert 0.0 <= score.expected <= 1.0
        if objective.score is not None:
            assert score.progress == objective.score
        for kr in objective.key_results:
            kr_score = scores.kr(oid, kr.id)
            if kr.kind is KRKind.LINKED:  # a linked KR equals its objective's progress
                assert kr_score.progress == scores.objectives[kr.linked].progress
            assert kr_score.clamped is None or 0.0 <= kr_score.clamped <= 1.0
        if score.phase == "ended":
            assert score.grade == score.progress
            assert (score.band is None) == (score.grade is None)
        else:
            assert score.grade is None and score.band is None
    cycle = scores.cycles["2026-Q4"]
    assert cycle.progress is None or 0.0 <= cycle.progress <= 1.0
    assert sum(cycle.counts.values()) == len(model.objectives)


@settings(max_examples=80, deadline=None)
@given(sites())
def test_objective_progress_is_the_weighted_mean_of_clamped_kr_progress(model):
    scores = score_site(model, dt.date(2026, 11, 20))
    for oid, objective in model.objectives.items():
        krs = [(scores.kr(oid, kr.id).clamped, kr.weight) for kr in objective.key_results]
        known = [(p, w) for p, w in krs if p is not None]
        if objective.key_results and objective.score is None:
            assert scores.objectives[oid].progress == pytest.approx(weighted_mean(known))


def test_scoring_only_the_score_inputs_gives_the_same_scores() -> None:
    """score_inputs: what the scores of some objectives are computed from. Scored alone (as
    the this-week page scores last week's running objectives), they score the same. Checked on
    the demo company, which has linked KRs, KR-less objectives and several cycles."""
    from pathlib import Path

    from okrsite.check import check_site
    from okrsite.scoring import score_inputs

    checked = check_site(Path(__file__).resolve().parent.parent)
    site, scores = checked.site, checked.scores
    assert site is not None and scores is not None
    day = scores.today - dt.timedelta(days=7)
    whole = score_site(site.as_of(day), day)
    running = [oid for oid, s in scores.objectives.items() if s.phase == "running"]
    # objectives scored from others: with a linked KR, or without KRs (from their children)
    derived = [oid for oid in running
               if any(kr.linked for kr in site.objectives[oid].key_results) or not site.objectives[oid].key_results]
    for asked in (running, derived):
        needed = score_inputs(site, asked)
        assert set(asked) <= needed < set(site.objectives)
        part = score_site(site.only(needed).as_of(day), day)
        assert {oid: part.objectives[oid] for oid in asked} == {oid: whole.objectives[oid] for oid in asked}
    linked = {kr.linked for oid in derived for kr in site.objectives[oid].key_results if kr.linked}
    kr_less = [oid for oid in derived if not site.objectives[oid].key_results]
    assert linked and kr_less and linked <= score_inputs(site, derived) != set(derived)
    assert all(set(site.children[oid]) <= score_inputs(site, [oid]) for oid in kr_less)
    assert site.only(set(site.objectives)) is site


def test_rescore_after_a_change_equals_scoring_everything(tmp_path) -> None:
    """rescore(): after one check-in changes, scoring again only what it touches (and what is
    computed from that) gives what scoring the whole site gives. Checked on the demo company,
    whose cascades link key results to children and have objectives without key results."""
    import shutil
    from pathlib import Path

    from okrsite.check import check_site
    from okrsite.scoring import rescore

    root = Path(__file__).resolve().parent.parent
    site_dir = tmp_path / "site"
    shutil.copytree(root / "content", site_dir / "content")
    shutil.copy(root / "site.toml", site_dir / "site.toml")
    before = check_site(site_dir)
    assert before.site is not None and before.scores is not None
    # a team objective that a department's key result is linked to, in the running cycle
    linked = {kr.linked for o in before.site.objectives.values() for kr in o.key_results if kr.linked}
    target = next(o for o in before.site.objectives.values() if o.id in linked and o.checkins
                  and before.scores.objectives[o.id].phase == "running")
    checkin = site_dir / target.checkins[-1]
    text = checkin.read_text(encoding="utf-8")
    edited = text.replace("updates:", "confidence: 0.2\nupdates:", 1) if "confidence:" not in text else \
        "\n".join(line if not line.startswith("confidence:") else "confidence: 0.2" for line in text.splitlines())
    # and a value: the first numeric update of the file, halved
    lines = edited.splitlines()
    for i, line in enumerate(lines):
        key, _, value = line.partition(":")
        if line.startswith("  ") and value.strip().replace(".", "", 1).isdigit():
            lines[i] = f"{key}: {float(value) / 2}"
            break
    checkin.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = check_site(site_dir)
    assert after.site is not None and after.scores is not None
    touched = {o for o in after.site.checkins[target.checkins[-1]].objectives}
    scores, again = rescore(after.site, before.scores, touched)
    whole = after.scores
    assert touched <= again and len(again) < len(whole.objectives)
    assert any(before.scores.objectives[o] != whole.objectives[o] for o in again - touched)  # a parent moved
    assert scores.objectives == whole.objectives and list(scores.objectives) == list(whole.objectives)
    assert scores.cycles == whole.cycles
    assert dict(scores.krs) == dict(whole.krs)  # worked out when asked for, the same
    on_another_day, again_by_date = rescore(after.site, whole, (), today=whole.today + dt.timedelta(days=3))
    later = score_site(after.site, whole.today + dt.timedelta(days=3))
    assert on_another_day.objectives == later.objectives and on_another_day.cycles == later.cycles
    assert dict(on_another_day.krs) == dict(later.krs)
    ended = {oid for oid, s in whole.objectives.items() if s.phase == "ended" and later.objectives[oid].phase == "ended"}
    assert ended - again_by_date  # an ended cycle's objectives are not scored again for the date

