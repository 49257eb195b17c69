"""SVG charts for key results and scores: pure, no I/O, no JavaScript.

Every chart is inline SVG with a ``viewBox`` and no fixed size (charts.css sizes it),
``role="img"`` with a ``<title>`` and ``<desc>``, CSS classes instead of colours or inline
styles, every text escaped, and numbers written with fixed precision so the same input
gives the same bytes. Words and date/number formats come in through ``ChartLabels``.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Generic, NamedTuple, ParamSpec, TypeVar, cast

from markupsafe import Markup, escape

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Memo(Generic[_P, _R]):
    """A memoised chart part: ``lru_cache`` (typed, as a Markup text and an equal str draw
    differently) that falls back to a plain call when an argument cannot be hashed (a
    callback object without a hash, say). Either way the result is the same."""

    def __init__(self, function: Callable[_P, _R], maxsize: int) -> None:
        self.function = function
        self.cache = lru_cache(maxsize=maxsize, typed=True)(function)
        self.cached = cast(Callable[_P, _R], self.cache)  # raises TypeError on unhashables

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return self.cached(*args, **kwargs)
        except TypeError:
            return self.function(*args, **kwargs)

    def cache_clear(self) -> None:
        self.cache.cache_clear()


def _memoised(maxsize: int) -> Callable[[Callable[_P, _R]], _Memo[_P, _R]]:
    return lambda function: _Memo(function, maxsize)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _iso_date(day: date) -> str:
    return day.isoformat()


def _short_date(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}"


def _format_number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _format_percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _format_score(value: float) -> str:
    return f"{value:.2f}"


def _format_quantity(number: str, unit: str) -> str:
    """``99.5%``, ``300 ms``: no space before a percent sign (English)."""
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


@dataclass(frozen=True)
class ChartLabels:
    """The words and formats of the charts (English defaults); pass the site language's."""

    start: str = "Start"
    target: str = "Target"
    threshold: str = "Threshold"
    today: str = "Today"
    ideal_pace: str = "Ideal pace"
    check_ins: str = "Check-ins"
    latest: str = "Latest"
    no_check_ins: str = "No check-ins yet"
    done: str = "Done"
    not_done: str = "Not done yet"
    progress: str = "Progress"
    score: str = "Score"
    no_score: str = "No score"
    green: str = "Green"
    yellow: str = "Yellow"
    red: str = "Red"
    format_date: Callable[[date], str] = _iso_date
    format_tick: Callable[[date], str] = _short_date
    format_number: Callable[[float], str] = _format_number
    format_percent: Callable[[float], str] = _format_percent
    format_score: Callable[[float], str] = _format_score
    format_quantity: Callable[[str, str], str] = _format_quantity

    def quantity(self, value: float, unit: str) -> str:
        return self.format_quantity(self.format_number(value), unit)

    def band(self, key: str) -> str:
        return {"green": self.green, "yellow": self.yellow, "red": self.red}.get(key, key)


class _Formats(NamedTuple):
    """The formats a chart calls for each reading: check-ins repeat dates and values."""

    date: Callable[[date], str]
    quantity: Callable[[float, str], str]
    percent: Callable[[float], str]


@_memoised(16)
def _formats(labels: ChartLabels) -> _Formats:
    """The labels' reading formats, memoised for as long as the labels are in use."""
    return _Formats(
        lru_cache(maxsize=1 << 11, typed=True)(labels.format_date),
        lru_cache(maxsize=1 << 13, typed=True)(labels.quantity),
        lru_cache(maxsize=1 << 11, typed=True)(labels.format_percent),
    )


@dataclass(frozen=True)
class ScoreEntry:
    """One cycle's score for a score history; ``band`` is "green", "yellow" or "red"."""

    label: str
    score: float | None
    band: str = ""


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1 << 13, typed=True)
def _num(value: float) -> str:
    """Coordinates with two decimals at most: stable across runs and short.

    Memoised: a chart repeats its frame's coordinates, and charts repeat each other's."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_first = operator.itemgetter(0)


def _css_key(text: str) -> str:
    return "-".join(text.lower().split()) or "none"


class _Frame(NamedTuple):
    """The plot area inside a chart's viewBox (a tuple: cheap to hash as a memo key)."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y1(self) -> float:
        return self.height - self.bottom


_Scale = Callable[[float], float]


def _linear(d0: float, d1: float, r0: float, r1: float) -> _Scale:
    """A linear map from data (``d0``..``d1``) to drawing units (``r0``..``r1``)."""
    span, extent = d1 - d0, r1 - r0
    return lambda value: r0 + (value - d0) / span * extent


def _value_range(values: Sequence[float]) -> tuple[float, float]:
    """A y domain holding every value, padded so nothing sits on the frame."""
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 1.0
    else:
        pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def _date_scale(first: date, last: date, frame: _Frame) -> Callable[[date], float]:
    end = max(last.toordinal(), first.toordinal() + 1)  # ordinals: 9999-12-31 has no next day
    d0, r0 = first.toordinal(), frame.left
    span, extent = end - d0, frame.x1 - r0
    return lambda day: r0 + (day.toordinal() - d0) / span * extent  # as _linear, by day


def _month_starts(first: date, last: date) -> list[date]:
    days: list[date] = []
    year, month = first.year, first.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if year > date.max.year:
            return days
        day = date(year, month, 1)
        if day >= last:
            return days
        days.append(day)


def _date_ticks(first: date, last: date, max_ticks: int = 5) -> list[date]:
    """Inner ticks: month starts, else Mondays, thinned to at most ``max_ticks``."""
    ticks = _month_starts(first, last)
    if len(ticks) < 2 and first <= date.max - timedelta(days=7):
        monday = first + timedelta(days=(7 - first.weekday()) % 7 or 7)
        ticks = [monday + timedelta(weeks=k) for k in range((last - monday).days // 7 + 1)]
        ticks = [t for t in ticks if first < t < last]
    step = max(1, math.ceil(len(ticks) / max_ticks))
    return ticks[::step]


def _svg_open(
    kind: str, frame: _Frame, id_prefix: str, title: str, desc: str, extra_class: str = ""
) -> list[str]:
    classes = f"chart chart-{kind}" + (f" {extra_class}" if extra_class else "")
    prefix = escape(id_prefix)
    return [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(classes)}"'
            f' viewBox="0 0 {_num(frame.width)} {_num(frame.height)}" role="img"'
            f' aria-labelledby="{prefix}-title {prefix}-desc">'
        ),
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, css: str) -> str:
    return f'<text class="{css}" x="{_num(x)}" y="{_num(y)}">{escape(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line class="{css}" x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"/>'


def _spread(ys: list[float], gap: float) -> list[float]:
    """Label positions at least ``gap`` apart, each as near its own value as allowed."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = list(ys)
    for a, b in itertools.pairwise(order):
        placed[b] = max(placed[b], placed[a] + gap)
    return placed


def _time_axis(frame: _Frame, first: date, last: date, labels: ChartLabels, y: float) -> list[str]:
    """The date axis: full dates at both ends, short ticks between where they fit."""
    return list(_axis_parts(frame, first, last, y, labels.format_date, labels.format_tick))


@_memoised(256)
def _axis_parts(
    frame: _Frame,
    first: date,
    last: date,
    y: float,
    format_date: Callable[[date], str],
    format_tick: Callable[[date], str],
) -> tuple[str, ...]:
    """The date axis of ``_time_axis``; memoised, as the charts of one cycle share it."""
    x_of = _date_scale(first, last, frame)
    parts = [
        _line(frame.left, y, frame.x1, y, "axis"),
        _text(frame.left, y + 18, format_date(first), "tick-label tick-first"),
        _text(frame.x1, y + 18, format_date(last), "tick-label tick-last"),
    ]
    for tick in _date_ticks(first, last):
        x = x_of(tick)
        if x - frame.left < 90 or frame.x1 - x < 90:
            continue  # would collide with the labels at the ends
        parts.append(_line(x, frame.top, x, y, "grid"))
        parts.append(_line(x, y, x, y + 4, "tick"))
        parts.append(_text(x, y + 18, format_tick(tick), "tick-label tick-mid"))
    return tuple(parts)


def _today_marker(
    frame: _Frame,
    span: tuple[date, date],
    today: date | None,
    cycle: tuple[date, date],
    labels: ChartLabels,
    y: float,
) -> list[str]:
    """A vertical line at today, only while today is inside the cycle; ``span`` is the
    first and last day of the time axis."""
    if today is None or not cycle[0] <= today <= cycle[1]:
        return []
    return list(_today_parts(frame, span, today, y, labels.today, labels.format_date))


@_memoised(256)
def _today_parts(
    frame: _Frame,
    span: tuple[date, date],
    today: date,
    y: float,
    word: str,
    format_date: Callable[[date], str],
) -> tuple[str, ...]:
    """The marker of ``_today_marker``; memoised, as the charts of one cycle share it."""
    x = _date_scale(*span, frame)(today)
    return (
        f'<g class="today"><title>{escape(word)}: {escape(format_date(today))}</title>',
        _line(x, frame.top, x, y, "today-line"),
        _text(x, frame.top - 6, word, "today-label"),
        "</g>",
    )


def _points(
    entries: Sequence[tuple[date, float, str, str]],
    x_of: Callable[[date], float],
    y_of: Callable[[float], float],
) -> list[str]:
    """A line through the points and a circle at each with its own title."""
    if not entries:
        return []
    coords: list[str] = []
    circles: list[str] = []
    for day, value, text, css in entries:
        x, y = _num(x_of(day)), _num(y_of(value))
        coords.append(f"{x},{y}")
        circles.append(
            f'<circle class="{css}" cx="{x}" cy="{y}" r="4"><title>{escape(text)}</title></circle>'
        )
    parts = ['<g class="series">']
    if len(coords) > 1:
        parts.append(f'<polyline class="series-line" points="{" ".join(coords)}"/>')
    parts += circles
    parts.append("</g>")
    return parts


def _legend(frame: _Frame, items: Sequence[tuple[str, str]]) -> list[str]:
    """Line samples with their names, under the axis (line style, not colour alone)."""
    return list(_legend_parts(frame.left, frame.height, *itertools.chain(*items)))


@_memoised(256)
def _legend_parts(left: float, height: float, *items: str) -> tuple[str, ...]:
    """The legend of ``_legend``, its (class, name) pairs flattened (so that each name is a
    key of its own type); memoised, as every chart of a kind has the same one."""
    parts = ['<g class="legend">']
    x, y = left, height - 10
    for css, text in zip(items[::2], items[1::2]):
        parts.append(_line(x, y - 4, x + 24, y - 4, css))
        if css == "series-line":
            parts.append(
                f'<circle class="legend-point" cx="{_num(x + 12)}" cy="{_num(y - 4)}" r="3"/>'
            )
        parts.append(_text(x + 30, y, text, "legend-label"))
        x += 30 + 7 * len(text) + 24
    parts.append("</g>")
    return tuple(parts)


# --------------------------------------------------------------------------- trend chart


def trend_chart_svg(
    points: Sequence[tuple[date, float]],
    *,
    cycle_start: date,
    cycle_end: date,
    target: float,
    start: float | None = None,
    unit: str = "",
    threshold: str | None = None,
    today: date | None = None,
    title: str,
    labels: ChartLabels = ChartLabels(),
    width: float = 640,
    height: float = 280,
    id_prefix: str = "trend",
) -> Markup:
    """A numeric key result over its cycle: start and target lines, the ideal pace from
    (cycle start, start) to (cycle end, target), the check-ins, and today.

    With ``threshold`` (">=", "<=", ">" or "<", or an expression such as ">= 99.9" whose
    operator is used), ``target`` is the threshold's value: one line, the side that
    holds shaded, and points that miss it marked. ``points`` are (date, value) check-ins.
    """
    frame = _Frame(width, height, left=70, right=92, top=26, bottom=62)
    ordered = sorted(points, key=_first)
    first = min([cycle_start, *(d for d, _ in ordered)])
    last = max([cycle_end, *(d for d, _ in ordered)])
    x_of = _date_scale(first, last, frame)
    ref_values = [target] if start is None or threshold else [start, target]
    lo, hi = _value_range([*ref_values, *(v for _, v in ordered)])
    y_of = _linear(lo, hi, frame.y1, frame.top)
    body = _time_axis(frame, first, last, labels, frame.y1)
    body += _today_marker(frame, (first, last), today, (cycle_start, cycle_end), labels, frame.y1)
    refs = _Refs(target, labels.quantity(target, unit), start)
    if threshold:
        body += _threshold_lines(frame, y_of, refs, threshold, labels)
    else:
        if start is not None:
            refs = refs._replace(start_text=labels.quantity(start, unit))
        body += _goal_lines(frame, x_of, y_of, refs, (cycle_start, cycle_end), labels)
    op = None if threshold is None or not ordered else _threshold_op(threshold)
    formats = _formats(labels)
    body += _points(
        [
            (
                day,
                value,
                f"{formats.date(day)}: {formats.quantity(value, unit)}",
                _point_class(value, target, op),
            )
            for day, value in ordered
        ],
        x_of,
        y_of,
    )
    legend = [] if threshold or start is None else [("ideal", labels.ideal_pace)]
    latest = None
    if ordered:
        legend.append(("series-line", labels.check_ins))
        day, value = ordered[-1]
        latest = (formats.date(day), formats.quantity(value, unit))
    body += _legend(frame, legend)
    desc = _trend_desc(latest, refs, threshold, labels)
    kind = "threshold" if threshold else "numeric"
    parts = _svg_open("trend", frame, id_prefix, title, desc, f"chart-{kind}")
    return Markup("\n".join([*parts, *body, "</svg>"]))


_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def _threshold_op(threshold: str) -> str:
    """The comparison a threshold starts with: ">=", "<=", ">" or "<"."""
    text = threshold.strip()
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            return op
    raise ValueError(f"a threshold starts with >=, <=, > or <, not {threshold!r}")


_HOLDS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _point_class(value: float, target: float, op: str | None) -> str:
    """A check-in's class: ``op`` is the threshold's comparison (None: no threshold)."""
    if op is None or _HOLDS[op](value, target):
        return "point"
    return "point point-miss"


class _Refs(NamedTuple):
    """A trend chart's reference values (start, target or threshold) and their texts."""

    target: float
    target_text: str
    start: float | None
    start_text: str = ""


def _goal_lines(
    frame: _Frame,
    x_of: Callable[[date], float],
    y_of: _Scale,
    refs: _Refs,
    cycle: tuple[date, date],
    labels: ChartLabels,
) -> list[str]:
    """Start and target as horizontal lines, labelled, and the ideal pace between them."""
    start, target = refs.start, refs.target
    lines = [("target", target, refs.target_text, labels.target)]
    if start is not None:
        lines.insert(0, ("start", start, refs.start_text, labels.start))
    ys = [y_of(value) for _, value, _, _ in lines]
    label_ys = _spread(ys, 14)
    left, x1 = frame.left, frame.x1
    parts = []
    for (key, _, text, name), y, label_y in zip(lines, ys, label_ys):
        parts.append(_line(left, y, x1, y, f"ref ref-{key}"))
        parts.append(_text(left - 6, label_y + 4, text, "value-label"))
        parts.append(_text(x1 + 6, label_y + 4, name, f"ref-label ref-label-{key}"))
    if start is not None:
        parts.append(_line(x_of(cycle[0]), y_of(start), x_of(cycle[1]), y_of(target), "ideal"))
    return parts


def _threshold_lines(
    frame: _Frame, y_of: _Scale, refs: _Refs, threshold: str, labels: ChartLabels
) -> list[str]:
    """The threshold line, with the side that holds it shaded."""
    y = y_of(refs.target)
    op = _threshold_op(threshold)
    above = op.startswith(">")
    top, bottom = (frame.top, y) if above else (y, frame.y1)
    return [
        (
            f'<rect class="zone-ok" x="{_num(frame.left)}" y="{_num(top)}"'
            f' width="{_num(frame.plot_width)}" height="{_num(max(0.0, bottom - top))}"/>'
        ),
        _line(frame.left, y, frame.x1, y, "ref ref-threshold"),
        _text(frame.left - 6, y + 4, refs.target_text, "value-label"),
        _text(
            frame.x1 + 6,
            y + 4,
            f"{labels.threshold} {_SYMBOLS[op]}",
            "ref-label ref-label-threshold",
        ),
    ]


def _trend_desc(
    latest: tuple[str, str] | None, refs: _Refs, threshold: str | None, labels: ChartLabels
) -> str:
    """The chart's text: its references and the latest reading's (date, value) texts."""
    parts = []
    if threshold:
        symbol = _SYMBOLS[_threshold_op(threshold)]
        parts.append(f"{labels.threshold} {symbol} {refs.target_text}.")
    else:
        if refs.start is not None:
            parts.append(f"{labels.start}: {refs.start_text}.")
        parts.append(f"{labels.target}: {refs.target_text}.")
    if latest:
        day_text, value_text = latest
        parts.append(f"{labels.latest}: {value_text} ({day_text}).")
    else:
        parts.append(f"{labels.no_check_ins}.")
    return " ".join(parts)


# --------------------------------------------------------------------------- milestone


def milestone_chart_svg(
    *,
    cycle_start: date,
    cycle_end: date,
    done_on: date | None,
    progress: Sequence[tuple[date, float]] = (),
    today: date | None = None,
    title: str,
    labels: ChartLabels = ChartLabels(),
    width: float = 640,
    id_prefix: str = "milestone",
) -> Markup:
    """A milestone on the cycle's timeline: where it was done, or "not done yet", and any
    partial progress (0..1) reported on the way."""
    ordered = sorted(progress, key=_first)
    height = 200.0 if ordered else 110.0
    frame = _Frame(width, height, left=70, right=40, top=26, bottom=44)
    days = [cycle_start, cycle_end, *(d for d, _ in ordered), *([done_on] if done_on else [])]
    first, last = min(days), max(days)
    x_of = _date_scale(first, last, frame)
    axis_y = frame.y1
    body = _time_axis(frame, first, last, labels, axis_y)
    body += _today_marker(frame, (first, last), today, (cycle_start, cycle_end), labels, axis_y)
    if ordered:
        top_value = max(1.0, max(v for _, v in ordered))
        y_of = _linear(min(0.0, min(v for _, v in ordered)), top_value, axis_y - 30, frame.top)
        body += [
            _line(frame.left, y_of(1.0), frame.x1, y_of(1.0), "ref ref-target"),
            _text(frame.left - 6, y_of(1.0) + 4, labels.format_percent(1.0), "value-label"),
            _text(frame.left - 6, y_of(0.0) + 4, labels.format_percent(0.0), "value-label"),
        ]
        formats = _formats(labels)
        body += _points(
            [(d, v, f"{formats.date(d)}: {formats.percent(v)}", "point") for d, v in ordered],
            x_of,
            y_of,
        )
    body += _milestone_marker(frame, x_of, done_on, today, (first, last), axis_y, labels)
    if done_on:
        desc = f"{labels.done}: {labels.format_date(done_on)}."
    else:
        desc = f"{labels.not_done}."
        if ordered:
            desc += f" {labels.progress}: {labels.format_percent(ordered[-1][1])}."
    parts = _svg_open(
        "milestone", frame, id_prefix, title, desc, "is-done" if done_on else "is-pending"
    )
    return Markup("\n".join([*parts, *body, "</svg>"]))


def _milestone_marker(
    frame: _Frame,
    x_of: Callable[[date], float],
    done_on: date | None,
    today: date | None,
    span: tuple[date, date],
    axis_y: float,
    labels: ChartLabels,
) -> list[str]:
    """A filled diamond at the day it was done, else a hollow one at today (or the end)."""
    if done_on is not None:
        x = x_of(done_on)
        css, text = "milestone-done", f"{labels.done} {labels.format_date(done_on)}"
    else:
        x = x_of(min(max(today, span[0]), span[1])) if today else frame.x1
        css, text = "milestone-pending", labels.not_done
    r = 7.0
    diamond = (
        f"M{_num(x)} {_num(axis_y - r)} l{_num(r)} {_num(r)}"
        f" l{_num(-r)} {_num(r)} l{_num(-r)} {_num(-r)}z"
    )
    anchor = "end" if x > frame.x1 - 120 else ("start" if x < frame.left + 120 else "middle")
    return [
        f'<g class="{css}"><title>{escape(text)}</title>',
        f'<path class="milestone-marker" d="{diamond}"/>',
        _text(x, axis_y - 14, text, f"milestone-label anchor-{anchor}"),
        "</g>",
    ]


# --------------------------------------------------------------------------- sparkline


def sparkline_svg(
    values: Sequence[float],
    *,
    label: str,
    status: str = "",
    width: float = 96,
    height: float = 24,
) -> Markup:
    """A tiny progress line on a 0..1 scale (values may go past either end), labelled."""
    return _sparkline(tuple(values), label, status, width, height)


@_memoised(1 << 13)
def _sparkline(
    values: tuple[float, ...], label: str, status: str, width: float, height: float
) -> Markup:
    """The sparkline of ``sparkline_svg``; memoised, as one objective's shows on several
    pages."""
    lo = min([0.0, *values])
    hi = max([1.0, *values])
    pad = 3.0
    y_of = _linear(lo, hi, height - pad, pad)
    step = (width - 2 * pad) / max(1, len(values) - 1)
    coords = [
        (_num(pad + i * step if len(values) > 1 else width / 2), _num(y_of(v)))
        for i, v in enumerate(values)
    ]
    css = "sparkline" + (f" status-{_css_key(status)}" if status else "")
    text = escape(label)
    base, goal = y_of(0.0), y_of(1.0)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css)}"'
            f' viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{text}">'
        ),
        f"<title>{text}</title>",
        _line(pad, base, width - pad, base, "spark-base"),
        _line(pad, goal, width - pad, goal, "spark-goal"),
    ]
    if len(coords) > 1:
        joined = " ".join([f"{x},{y}" for x, y in coords])
        parts.append(f'<polyline class="spark-line" points="{joined}"/>')
    if coords:
        x, y = coords[-1]
        parts.append(f'<circle class="spark-last" cx="{x}" cy="{y}" r="2.5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- score history


def score_history_svg(
    entries: Sequence[ScoreEntry],
    *,
    title: str,
    labels: ChartLabels = ChartLabels(),
    height: float = 200,
    id_prefix: str = "scores",
) -> Markup:
    """A team's or person's scores across cycles as bars (0..1), each labelled with its score,
    with guides at the band limits 0.4 and 0.7."""
    slot = 72.0
    frame = _Frame(
        48 + slot * max(1, len(entries)) + 16, height, left=48, right=16, top=24, bottom=40
    )
    top_value = max([1.0, *(e.score for e in entries if e.score is not None)])
    y_of = _linear(0.0, top_value, frame.y1, frame.top)
    body = [_line(frame.left, frame.y1, frame.x1, frame.y1, "axis")]
    for mark in (0.4, 0.7, 1.0):
        css = "guide" if mark < 1.0 else "guide guide-max"
        body.append(_line(frame.left, y_of(mark), frame.x1, y_of(mark), css))
        body.append(_text(frame.left - 6, y_of(mark) + 4, labels.format_score(mark), "value-label"))
    body.append(_text(frame.left - 6, frame.y1 + 4, labels.format_score(0.0), "value-label"))
    for i, entry in enumerate(entries):
        body += _score_bar(entry, frame.left + slot * i, slot, frame, y_of, labels)
    if entries:
        summary = "; ".join(_score_text(e, labels) for e in entries)
    else:
        summary = labels.no_score
    parts = _svg_open("scores", frame, id_prefix, title, summary + ".")
    return Markup("\n".join([*parts, *body, "</svg>"]))


def _score_text(entry: ScoreEntry, labels: ChartLabels) -> str:
    if entry.score is None:
        return f"{entry.label}: {labels.no_score}"
    band = f" ({labels.band(entry.band)})" if entry.band else ""
    return f"{entry.label}: {labels.format_score(entry.score)}{band}"


def _score_bar(
    entry: ScoreEntry, x: float, slot: float, frame: _Frame, y_of: _Scale, labels: ChartLabels
) -> list[str]:
    centre = x + slot / 2
    parts = [
        f'<g class="score band-{escape(_css_key(entry.band))}">',
        f"<title>{escape(_score_text(entry, labels))}</title>",
    ]
    if entry.score is None:
        parts.append(_text(centre, frame.y1 - 6, "–", "score-label score-none"))
    else:
        y = y_of(max(0.0, entry.score))
        parts.append(
            f'<rect class="bar" x="{_num(x + slot * 0.2)}" y="{_num(y)}"'
            f' width="{_num(slot * 0.6)}" height="{_num(frame.y1 - y)}"/>'
        )
        parts.append(_text(centre, y - 5, labels.format_score(entry.score), "score-label"))
    label = entry.label if len(entry.label) <= 11 else entry.label[:10] + "…"
    parts.append(_text(centre, frame.y1 + 18, label, "tick-label tick-mid"))
    parts.append("</g>")
    return parts
