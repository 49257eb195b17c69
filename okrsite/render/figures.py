"""Charts for the pages: adapts views to okrsite.charts, with the site's words and formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from markupsafe import Markup

from .. import cascade, charts
from .i18n import Formatter, Strings
from .views import CycleSummary, Graph, HistoryRow, KRView


def labels_for(t: Strings, fmt: Formatter) -> charts.ChartLabels:
    return charts.ChartLabels(
        start=t("kr.start"), target=t("kr.target"), threshold=t("kr.threshold"),
        today=t("chart.today"), ideal_pace=t("chart.ideal_pace"), check_ins=t("chart.checkins"),
        latest=t("chart.latest"), no_check_ins=t("chart.no_checkins"), done=t("kr.done"),
        not_done=t("kr.not_done"), progress=t("kr.progress"), score=t("chart.score"),
        no_score=t("chart.no_score"), green=t("status.green"), yellow=t("status.yellow"),
        red=t("status.red"),
        format_date=fmt.date, format_tick=fmt.date_short, format_number=fmt.number,
        format_percent=fmt.percent, format_score=fmt.grade, format_quantity=fmt.with_unit,
    )


def sparkline(values: Sequence[float], title: str, labels: charts.ChartLabels) -> Markup:
    return charts.sparkline_svg(values, label=f"{labels.progress}: {title}")


def kr_chart(kr: KRView, cycle: CycleSummary, today: dt.date, labels: charts.ChartLabels,
             plain: Callable[[str], str]) -> Markup:
    """A trend chart for a numeric KR, a timeline for a milestone; nothing for a linked KR."""
    title = plain(kr.title)
    prefix = f"c-{kr.anchor}"
    if kr.kind in ("increasing", "decreasing", "threshold"):
        points = [(r.date, r.value) for r in kr.readings if r.date is not None and r.value is not None]
        target = kr.target if kr.target is not None else _threshold_value(kr.threshold)
        if target is None:
            return Markup("")
        return charts.trend_chart_svg(
            points, cycle_start=cycle.start, cycle_end=cycle.end, target=target, start=kr.start,
            unit=kr.unit, threshold=kr.threshold, today=today, title=title, labels=labels,
            id_prefix=prefix,
        )
    if kr.kind == "milestone":
        done_on = next((r.date for r in kr.readings if r.done and r.date is not None), None)
        progress = [(r.date, r.progress) for r in kr.readings
                    if r.date is not None and r.progress is not None and not r.done]
        return charts.milestone_chart_svg(
            cycle_start=cycle.start, cycle_end=cycle.end, done_on=done_on, progress=progress,
            today=today, title=title, labels=labels, id_prefix=prefix,
        )
    return Markup("")


def history_chart(history: Sequence[HistoryRow], title: str, labels: charts.ChartLabels) -> Markup:
    entries = [
        charts.ScoreEntry(row.cycle.id, row.average, row.band or "")
        for row in reversed(history)
    ]
    return charts.score_history_svg(entries, title=title, labels=labels)


def _threshold_value(threshold: str | None) -> float | None:
    if not threshold:
        return None
    try:
        return float(threshold.split()[-1])
    except ValueError:
        return None


def graph_svg(graph: Graph, *, title: str, href: Callable[[str], str], id_prefix: str,
              labels: cascade.CascadeLabels, status_label: Callable[[str], str],
              plain: Callable[[str], str], compact: bool = False) -> Markup:
    """Lay out an alignment graph and draw it; `href` makes each node's link page-relative."""
    if not graph.nodes:
        return Markup("")
    nodes = [cascade.CascadeNode(n.id, n.level, n.parents, n.order) for n in graph.nodes]
    edges = [cascade.CascadeEdge(e.child, e.parent, e.kr) for e in graph.edges]
    if compact:
        layout = cascade.layout_cascade(
            nodes, edges, node_width=200, node_height=78, h_gap=18, v_gap=44
        )
    else:
        layout = cascade.layout_cascade(nodes, edges)
    cards = {
        n.id: cascade.NodeCard(
            title=plain(n.title), owner=n.owner_name, progress=n.progress,
            status=n.status, status_label=status_label(n.status), href=href(n.url),
            branch_keys=n.branch_keys, current=n.id == graph.focus, owner_key=n.owner_key,
        )
        for n in graph.nodes
    }
    return cascade.cascade_svg(layout, cards, title=title, labels=labels, id_prefix=id_prefix)


def cascade_labels(t: Strings, fmt: Formatter) -> cascade.CascadeLabels:
    return cascade.CascadeLabels(
        kr_edge=t("cascade.kr_edge"), objective_edge=t("cascade.objective_edge"),
        owner=t("cascade.owner"), status=t("cascade.status"), progress=t("cascade.progress"),
        no_progress=t("status.no-data"), zoom_in=t("cascade.zoom_in"),
        zoom_out=t("cascade.zoom_out"), reset=t("cascade.reset"),
        format_percent=fmt.percent,
    )
