"""SVG charts: points equal the given values, markers where they belong, safe markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from okrsite.charts import (
    ChartLabels,
    ScoreEntry,
    milestone_chart_svg,
    score_history_svg,
    sparkline_svg,
    trend_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
START, END = date(2026, 10, 1), date(2026, 12, 31)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def by_class(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if css in e.get("class", "").split()]


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    return x, y, w, h


def value_of_y(root: ET.Element, start: float, target: float):
    """Map a y coordinate back to a value through the start and target lines."""
    y_start = float(by_class(root, "line", "ref-start")[0].get("y1"))
    y_target = float(by_class(root, "line", "ref-target")[0].get("y1"))
    return lambda y: start + (y - y_start) / (y_target - y_start) * (target - start)


def assert_safe_and_accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert set(root.get("aria-labelledby").split()) <= ids
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in (f"{SVG}script", f"{SVG}style")


# --------------------------------------------------------------------------- trend


CHECKINS = [
    (date(2026, 10, 9), 99.6),
    (date(2026, 11, 20), 99.81),
    (date(2026, 10, 23), 99.7),
]


def test_trend_points_equal_the_check_ins():
    root = parse(
        trend_chart_svg(
            CHECKINS,
            cycle_start=START,
            cycle_end=END,
            start=99.5,
            target=99.95,
            unit="%",
            today=date(2026, 11, 25),
            title="Availability",
        )
    )
    assert_safe_and_accessible(root)
    circles = by_class(root, "circle", "point")
    assert [c.find(f"{SVG}title").text for c in circles] == [
        "2026-10-09: 99.6%",
        "2026-10-23: 99.7%",
        "2026-11-20: 99.81%",
    ]
    to_value = value_of_y(root, 99.5, 99.95)
    for circle, (_, value) in zip(circles, sorted(CHECKINS)):
        assert to_value(float(circle.get("cy"))) == pytest.approx(value, abs=0.005)
    xs = [float(c.get("cx")) for c in circles]
    assert xs == sorted(xs)
    assert len(by_class(root, "polyline", "series-line")) == 1


def test_ideal_pace_runs_from_start_to_target_over_the_cycle():
    root = parse(
        trend_chart_svg(
            [], cycle_start=START, cycle_end=END, start=800, target=300, unit="ms", title="p99"
        )
    )
    ideal = by_class(root, "line", "ideal")[0]
    start_y = by_class(root, "line", "ref-start")[0].get("y1")
    target_y = by_class(root, "line", "ref-target")[0].get("y1")
    assert (ideal.get("y1"), ideal.get("y2")) == (start_y, target_y)
    assert float(start_y) < float(target_y)  # a decreasing metric: the target is drawn lower
    axis = by_class(root, "line", "axis")[0]
    assert (ideal.get("x1"), ideal.get("x2")) == (axis.get("x1"), axis.get("x2"))
    assert "No check-ins yet" in root.find(f"{SVG}desc").text
    assert by_class(root, "circle", "point") == []


def test_values_beyond_target_and_below_start_stay_inside_the_plot():
    points = [(date(2026, 10, 5), -40.0), (date(2026, 11, 5), 250.0)]
    root = parse(
        trend_chart_svg(points, cycle_start=START, cycle_end=END, start=0, target=100, title="t")
    )
    axis_y = float(by_class(root, "line", "axis")[0].get("y1"))
    to_value = value_of_y(root, 0, 100)
    for circle, (_, value) in zip(by_class(root, "circle", "point"), points):
        cy = float(circle.get("cy"))
        assert 0 < cy < axis_y
        assert to_value(cy) == pytest.approx(value, abs=290 * 1e-4)  # coordinates have 2 decimals


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        (date(2026, 11, 25), True),
        (START, True),
        (END, True),
        (date(2026, 9, 30), False),
        (date(2027, 1, 1), False),
        (None, False),
    ],
)
def test_today_marker_only_inside_the_cycle(today, shown):
    for markup in (
        trend_chart_svg(
            CHECKINS,
            cycle_start=START,
            cycle_end=END,
            start=99.5,
            target=99.95,
            today=today,
            title="t",
        ),
        milestone_chart_svg(cycle_start=START, cycle_end=END, done_on=None, today=today, title="m"),
    ):
        root = parse(markup)
        markers = by_class(root, "g", "today")
        assert len(markers) == (1 if shown else 0)
        if shown:
            axis = by_class(root, "line", "axis")[0]
            x = float(by_class(root, "line", "today-line")[0].get("x1"))
            x0, x1 = float(axis.get("x1")), float(axis.get("x2"))
            expected = x0 + (today - START).days / (END - START).days * (x1 - x0)
            assert x == pytest.approx(expected, abs=0.01)


def test_threshold_chart_draws_the_threshold_and_marks_misses():
    points = [(date(2026, 10, 9), 0.8), (date(2026, 10, 30), 1.3), (date(2026, 11, 20), 0.9)]
    root = parse(
        trend_chart_svg(
            points, cycle_start=START, cycle_end=END, target=1.0, threshold="<=", title="Burn"
        )
    )
    assert len(by_class(root, "line", "ref-threshold")) == 1
    assert by_class(root, "line", "ideal") == [] and by_class(root, "line", "ref-start") == []
    misses = by_class(root, "circle", "point-miss")
    assert [c.find(f"{SVG}title").text for c in misses] == ["2026-10-30: 1.3"]
    assert len(by_class(root, "circle", "point")) == 3
    zone = by_class(root, "rect", "zone-ok")[0]
    line_y = float(by_class(root, "line", "ref-threshold")[0].get("y1"))
    assert float(zone.get("y")) == pytest.approx(line_y)  # "<=": the zone is below the line


@pytest.mark.parametrize(
    ("threshold", "misses", "zone_above"),
    [
        (">= 99.9", ["2026-10-09: 99.8"], True),
        (">", ["2026-10-09: 99.8", "2026-10-30: 99.9"], True),
        ("< 99.9", ["2026-10-30: 99.9", "2026-11-20: 99.95"], False),
    ],
)
def test_threshold_operators_and_expressions(threshold, misses, zone_above):
    points = [(date(2026, 10, 9), 99.8), (date(2026, 10, 30), 99.9), (date(2026, 11, 20), 99.95)]
    root = parse(
        trend_chart_svg(
            points, cycle_start=START, cycle_end=END, target=99.9, threshold=threshold, title="t"
        )
    )
    assert [c.find(f"{SVG}title").text for c in by_class(root, "circle", "point-miss")] == misses
    zone = by_class(root, "rect", "zone-ok")[0]
    line_y = float(by_class(root, "line", "ref-threshold")[0].get("y1"))
    zone_bottom = float(zone.get("y")) + float(zone.get("height"))
    assert (zone_bottom == pytest.approx(line_y)) is zone_above
    symbol = {">=": "≥", ">": ">", "<": "<"}[threshold.split()[0]]
    assert f"Threshold {symbol} 99.9." in root.find(f"{SVG}desc").text


def test_axis_labels_show_the_cycle_dates_and_the_start_and_target_values():
    root = parse(
        trend_chart_svg(
            CHECKINS,
            cycle_start=START,
            cycle_end=END,
            start=99.5,
            target=99.95,
            unit="%",
            title="t",
        )
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026-10-01" in texts and "2026-12-31" in texts
    assert "Nov 1" in texts and "Dec 1" in texts
    assert "99.5%" in texts and "99.95%" in texts
    assert "Start" in texts and "Target" in texts and "Ideal pace" in texts


def test_labels_and_formats_are_translatable():
    swedish = ChartLabels(
        target="Mål",
        today="Idag",
        ideal_pace="Idealtakt",
        format_date=lambda d: f"{d.day}/{d.month} {d.year}",
        format_number=lambda v: f"{v:.2f}".replace(".", ","),
        format_quantity=lambda n, unit: f"{n} {unit}".strip(),
    )
    markup = str(
        trend_chart_svg(
            CHECKINS,
            cycle_start=START,
            cycle_end=END,
            start=99.5,
            target=99.95,
            unit="%",
            today=date(2026, 11, 25),
            title="t",
            labels=swedish,
        )
    )
    for text in ("Mål", "Idag", "Idealtakt", "20/11 2026: 99,81 %", "1/10 2026"):
        assert text in markup


def test_chart_text_is_escaped():
    evil = "<script>alert(1)</script>"
    markup = str(
        trend_chart_svg(
            CHECKINS,
            cycle_start=START,
            cycle_end=END,
            start=99.5,
            target=99.95,
            unit=evil,
            title=evil,
        )
    )
    assert "<script" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == evil
    assert by_class(root, "circle", "point")[0].find(f"{SVG}title").text.endswith(evil)


def test_charts_are_byte_identical_across_runs():
    def draw() -> str:
        return str(
            trend_chart_svg(
                CHECKINS,
                cycle_start=START,
                cycle_end=END,
                start=1 / 3,
                target=2 / 3,
                today=date(2026, 11, 1),
                title="t",
            )
            + milestone_chart_svg(
                cycle_start=START,
                cycle_end=END,
                done_on=date(2026, 11, 2),
                progress=[(date(2026, 10, 20), 1 / 3)],
                title="m",
            )
            + sparkline_svg([1 / 3, 2 / 3], label="s")
            + score_history_svg([ScoreEntry("Q1", 1 / 3, "red")], title="h")
        )

    assert draw() == draw()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 91), st.floats(-5, 6, allow_nan=False)),
        min_size=1,
        max_size=12,
        unique_by=lambda p: p[0],
    ),
    st.floats(-1e5, 1e5, allow_nan=False),
    st.floats(1, 1e4, allow_nan=False),
    st.booleans(),
)
def test_any_points_map_back_to_their_values(raw, start, distance, decreasing):
    """Values anywhere from 5 times the distance below the start to 5 times past the target."""
    delta = -distance if decreasing else distance
    target = start + delta
    points = [(START + timedelta(days=d), start + f * delta) for d, f in raw]
    root = parse(
        trend_chart_svg(
            points, cycle_start=START, cycle_end=END, start=start, target=target, title="t"
        )
    )
    _, _, width, height = view_box(root)
    to_value = value_of_y(root, start, target)
    circles = by_class(root, "circle", "point")
    assert len(circles) == len(points)
    for circle, (_, value) in zip(circles, sorted(points)):
        cx, cy = float(circle.get("cx")), float(circle.get("cy"))
        assert 0 <= cx <= width and 0 <= cy <= height
        assert to_value(cy) == pytest.approx(value, abs=distance * 5e-3)  # 2-decimal coordinates


# --------------------------------------------------------------------------- milestone


def test_milestone_done_marks_the_day():
    root = parse(
        milestone_chart_svg(
            cycle_start=START,
            cycle_end=END,
            done_on=date(2026, 11, 12),
            progress=[(date(2026, 10, 15), 0.3), (date(2026, 11, 1), 0.7)],
            today=date(2026, 11, 25),
            title="Runbooks",
        )
    )
    assert_safe_and_accessible(root)
    done = by_class(root, "g", "milestone-done")
    assert len(done) == 1 and done[0].find(f"{SVG}title").text == "Done 2026-11-12"
    assert [c.find(f"{SVG}title").text for c in by_class(root, "circle", "point")] == [
        "2026-10-15: 30%",
        "2026-11-01: 70%",
    ]
    assert "Done: 2026-11-12." == root.find(f"{SVG}desc").text


def test_milestone_not_done_says_so():
    root = parse(
        milestone_chart_svg(cycle_start=START, cycle_end=END, done_on=None, title="Runbooks")
    )
    assert by_class(root, "g", "milestone-done") == []
    pending = by_class(root, "g", "milestone-pending")
    assert len(pending) == 1
    assert "Not done yet" in [t.text for t in root.iter(f"{SVG}text")]


# --------------------------------------------------------------------------- sparkline


def test_sparkline_is_labelled_and_scales_past_one():
    root = parse(sparkline_svg([0.1, 0.5, 1.4], label="Progress 140%", status="done"))
    assert root.get("role") == "img" and root.get("aria-label") == "Progress 140%"
    assert "status-done" in root.get("class")
    _, _, width, height = view_box(root)
    line = by_class(root, "polyline", "spark-line")[0]
    coords = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(coords) == 3
    assert all(0 <= x <= width and 0 <= y <= height for x, y in coords)
    assert coords[2][1] < float(by_class(root, "line", "spark-goal")[0].get("y1"))  # above 1.0


def test_sparkline_with_one_or_no_values():
    assert len(by_class(parse(sparkline_svg([0.4], label="x")), "circle", "spark-last")) == 1
    empty = parse(sparkline_svg([], label="No data"))
    assert by_class(empty, "circle", "spark-last") == [] and empty.get("aria-label") == "No data"


# --------------------------------------------------------------------------- score history


def test_score_history_bars_and_labels():
    entries = [
        ScoreEntry("2026-Q1", 0.72, "green"),
        ScoreEntry("2026-Q2", 0.3, "red"),
        ScoreEntry("2026-Q3", None),
    ]
    root = parse(score_history_svg(entries, title="Platform"))
    assert_safe_and_accessible(root)
    groups = by_class(root, "g", "score")
    assert [g.get("class") for g in groups] == [
        "score band-green",
        "score band-red",
        "score band-none",
    ]
    assert [g.find(f"{SVG}title").text for g in groups] == [
        "2026-Q1: 0.72 (Green)",
        "2026-Q2: 0.30 (Red)",
        "2026-Q3: No score",
    ]
    bars = by_class(root, "rect", "bar")
    assert len(bars) == 2
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] / heights[1] == pytest.approx(0.72 / 0.3, rel=1e-3)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"0.72", "0.30", "2026-Q1", "2026-Q3"} <= set(texts)


# --------------------------------------------------------------------------- memoised parts


def test_a_markup_label_is_kept_and_an_equal_text_is_escaped():
    text = "Grow <b>ARR</b>"
    for _ in range(2):
        plain = str(sparkline_svg([0.2, 0.4], label=text))
        marked = str(sparkline_svg([0.2, 0.4], label=Markup(text)))
        assert "<title>Grow &lt;b&gt;ARR&lt;/b&gt;</title>" in plain
        assert "<title>Grow <b>ARR</b></title>" in marked
    assert sparkline_svg([0.2, 0.4], label="x") == sparkline_svg((0.2, 0.4), label="x")


class Counted:
    """A format callback that counts its calls and, as an unhashable object, cannot be a key."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, format_date):
        self.format_date, self.calls = format_date, 0

    def __eq__(self, other):
        return self is other

    def __call__(self, day):
        self.calls += 1
        return self.format_date(day)


def test_charts_are_the_same_with_memoised_or_unhashable_formats():
    def draw(labels: ChartLabels) -> str:
        return str(
            trend_chart_svg(
                CHECKINS, cycle_start=START, cycle_end=END, start=99.5, target=99.95, unit="%",
                today=date(2026, 11, 20), title="Uptime", labels=labels,
            )
            + milestone_chart_svg(
                cycle_start=START, cycle_end=END, done_on=None, title="m", labels=labels,
                progress=[(date(2026, 10, 20), 0.25), (date(2026, 11, 3), 0.5)],
            )
        )

    plain = draw(ChartLabels())
    counted = Counted(ChartLabels().format_date)
    assert draw(ChartLabels(format_date=counted)) == plain == draw(ChartLabels())
    assert counted.calls > 0


def test_equal_markup_and_str_legend_names_are_not_mixed_up():
    def legend(name: str) -> str:
        labels = ChartLabels(ideal_pace=name)
        return str(trend_chart_svg([], cycle_start=START, cycle_end=END, start=1, target=2,
                                   title="t", labels=labels))

    for _ in range(2):
        assert "A &amp;amp; B" in legend("A &amp; B")
        assert "A &amp; B<" in legend(Markup("A &amp; B"))
