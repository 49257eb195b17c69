"""The page list of a site: every page's URL, template and how to build its view.

Views are built lazily (`Lazy`), so the build can spread view building and rendering across
worker processes, and skip both for pages whose inputs did not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..model import Site
from . import publishing, urls
from .views import ViewBuilder


@dataclass(frozen=True)
class Lazy:
    """A view to build: `ViewBuilder.<method>(*args)`, or `function(builder, *args)`."""

    method: str | Callable[..., Any]
    args: tuple[Any, ...] = ()

    def build(self, builder: ViewBuilder) -> Any:
        if callable(self.method):
            return self.method(builder, *self.args)
        return getattr(builder, self.method)(*self.args)

    @property
    def name(self) -> str:
        return self.method if isinstance(self.method, str) else self.method.__name__

    def __repr__(self) -> str:
        # stable across processes (a function's default repr holds its memory address),
        # since page digests hash it
        return f"Lazy({self.name!r}, {self.args!r})"


@dataclass(frozen=True)
class Page:
    url: str  # relative to the site root, "" for home
    kind: str  # home | cycle | objective | owner-cycle | owner | owners | archive | tags | tag | 404 | ...
    template: str
    view: Lazy | None
    section: str = ""  # the cycle a page belongs to, for navigation
    absolute_links: bool = False  # 404 page (served at any depth) and feeds link from the base URL
    extra: tuple[tuple[str, Any], ...] = ()  # more template variables: values or Lazy views

    @cached_property
    def output(self) -> str:  # (kept in the instance's __dict__: a build asks a page for it often)
        return urls.output_path(self.url)

    def variables(self, builder: ViewBuilder) -> dict[str, Any]:
        """The template variables of this page, views built."""
        found: dict[str, Any] = {"view": self.view.build(builder) if self.view else None}
        for name, value in self.extra:
            found[name] = value.build(builder) if isinstance(value, Lazy) else value
        return found


@dataclass(frozen=True)
class NavCycle:
    id: str
    title: str
    url: str


def current_cycle(site: Site, today: dt.date) -> str | None:
    """site.toml `current_cycle`, else the running cycle that started last (shortest on a tie),
    else the latest cycle that has started, else the first one."""
    configured = site.config.current_cycle
    if configured and configured in site.cycles:
        return configured
    cycles = list(site.cycles.values())
    running = [c for c in cycles if c.start <= today <= c.end]
    if running:
        return max(running, key=lambda c: (c.start, -(c.end - c.start).days, c.id)).id
    started = [c for c in cycles if c.start <= today]
    if started:
        return max(started, key=lambda c: (c.start, c.id)).id
    return cycles[0].id if cycles else None


# Pagefind's search runs WebAssembly, which browsers compile only with 'wasm-unsafe-eval' or
# 'unsafe-eval'. The search page alone allows it, with 'unsafe-eval': the Nu HTML checker does
# not know the CSP3 'wasm-unsafe-eval' keyword yet. Scripts still come only from the site itself.
SEARCH_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def _publishing_pages(builder: ViewBuilder) -> Iterator[Page]:
    """Feeds, data exports, "this week" and the programme insights of each cycle."""
    site = builder.site
    yield Page(urls.this_week(), "this-week", "week.html", Lazy(publishing.this_week))
    yield Page(urls.search(), "search", "search.html", None, extra=(("csp", SEARCH_CSP),))
    yield Page(urls.search() + "index.js", "data", "", Lazy(publishing.search_index))
    yield Page(urls.feed(), "feed", "feed.xml", Lazy(publishing.feed_view, ("site", "")),
               absolute_links=True)
    yield Page(urls.data("okrs.json"), "data", "", Lazy(publishing.export_json, (None,)))
    yield Page(urls.data("okrs.csv"), "data", "", Lazy(publishing.export_csv, (None,)))
    for cycle_id in site.cycles:
        yield Page(urls.insights(cycle_id), "insights", "insights.html",
                   Lazy(publishing.insights, (cycle_id,)), section=cycle_id)
        yield Page(urls.feed(cycle_id), "feed", "feed.xml", Lazy(publishing.feed_view, ("cycle", cycle_id)),
                   absolute_links=True)
        yield Page(urls.data("okrs.json", cycle_id), "data", "", Lazy(publishing.export_json, (cycle_id,)))
        yield Page(urls.data("okrs.csv", cycle_id), "data", "", Lazy(publishing.export_csv, (cycle_id,)))
    for owner in builder.owners():
        if builder.owner_checkins.get(owner):
            yield Page(urls.owner_feed(owner), "feed", "feed.xml",
                       Lazy(publishing.feed_view, ("owner", owner)), absolute_links=True)


PagePlanner = Callable[[ViewBuilder, str | None], Iterator[Page]]


def plan_pages(builder: ViewBuilder, current: str | None,
               extra_planners: tuple[PagePlanner, ...] = ()) -> list[Page]:
    """Every page of the site, in a stable order."""
    site = builder.site
    pages: list[Page] = [
        Page(urls.home(), "home", "home.html", Lazy("home", (current,)), section=current or ""),
        Page(urls.archive(), "archive", "archive.html", Lazy("archive")),
        Page(urls.owners(), "owners", "owners.html", Lazy("owners_index")),
        Page(urls.tags(), "tags", "tags.html", Lazy("tags_index")),
        Page("404.html", "404", "404.html", None, absolute_links=True),
    ]
    for cycle_id, cycle in site.cycles.items():
        cascade_url = urls.cascade(cycle_id)
        pages.append(Page(urls.cycle(cycle_id), "cycle", "cycle.html", Lazy("cycle_view", (cycle_id,)),
                          section=cycle_id, extra=(("cycle_notes", cycle.notes.strip()),
                                                   ("cascade_url", cascade_url))))
        pages.append(Page(cascade_url, "cascade", "cascade.html", Lazy("cascade", (cycle_id,)),
                          section=cycle_id))
        owners = sorted({o.owner for o in builder.heads_in(cycle_id)}, key=site.owner_order)
        for owner in owners:
            pages.append(Page(urls.owner_in_cycle(cycle_id, owner), "owner-cycle", "owner_cycle.html",
                              Lazy("owner_cycle", (cycle_id, owner)), section=cycle_id))
    for objective_id, objective in site.index.objectives.items():
        pages.append(Page(urls.objective(objective_id), "objective", "objective.html",
                          Lazy("objective_detail", (objective_id,)), section=objective.cycle,
                          extra=(("graph", Lazy("neighbourhood", (objective_id,))),
                                 ("cascade_url", urls.cascade(objective.cycle)))))
    for owner in builder.owners():
        pages.append(Page(urls.owner(owner), "owner", "owner.html", Lazy("owner_view", (owner,))))
    for tag in builder.tag_names():
        pages.append(Page(urls.tag(tag), "tag", "tag.html", Lazy("tag_view", (tag,))))
    pages.extend(_publishing_pages(builder))
    for planner in extra_planners:
        pages.extend(planner(builder, current))
    return pages
