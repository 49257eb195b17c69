"""The page list of a site: every page's URL, template and view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..model import Site
from . import urls
from .views import ViewBuilder


@dataclass(frozen=True)
class Page:
    url: str  # relative to the site root, "" for home
    kind: str  # home | cycle | objective | owner-cycle | owner | owners | archive | tags | tag | 404 | ...
    template: str
    view: object
    section: str = ""  # the cycle a page belongs to, for navigation
    absolute_links: bool = False  # the 404 page is served at any depth, so it links from the root
    extra: tuple[tuple[str, object], ...] = ()  # more template variables

    @property
    def output(self) -> str:
        return urls.output_path(self.url)


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


PagePlanner = Callable[[ViewBuilder, Site, "str | None"], Iterator[Page]]


def plan_pages(builder: ViewBuilder, current: str | None,
               extra_planners: tuple[PagePlanner, ...] = ()) -> list[Page]:
    """Every page of the site, in a stable order."""
    site = builder.site
    pages: list[Page] = [
        Page("", "home", "home.html", builder.home(current), section=current or ""),
        Page("archive/", "archive", "archive.html", builder.archive()),
        Page("owners/", "owners", "owners.html", builder.owners_index()),
        Page("tags/", "tags", "tags.html", builder.tags_index()),
        Page("404.html", "404", "404.html", None, absolute_links=True),
    ]
    for cycle_id, cycle in site.cycles.items():
        pages.append(Page(urls.cycle(cycle_id), "cycle", "cycle.html", builder.cycle_view(cycle_id),
                          section=cycle_id, extra=(("cycle_notes", cycle.notes.strip()),
                                                   ("cascade_url", urls.cascade(cycle_id)))))
        pages.append(Page(urls.cascade(cycle_id), "cascade", "cascade.html", builder.cascade(cycle_id),
                          section=cycle_id))
        owners = sorted({o.owner for o in site.objectives_in(cycle_id)}, key=site.owner_order)
        for owner in owners:
            pages.append(Page(urls.owner_in_cycle(cycle_id, owner), "owner-cycle", "owner_cycle.html",
                              builder.owner_cycle(cycle_id, owner), section=cycle_id))
    for objective_id, objective in site.objectives.items():
        pages.append(Page(urls.objective(objective_id), "objective", "objective.html",
                          builder.objective_detail(objective_id), section=objective.cycle,
                          extra=(("graph", builder.neighbourhood(objective_id)),
                                 ("cascade_url", urls.cascade(objective.cycle)))))
    for owner in builder.owners():
        pages.append(Page(urls.owner(owner), "owner", "owner.html", builder.owner_view(owner)))
    for tag in builder.tag_names():
        pages.append(Page(urls.tag(tag), "tag", "tag.html", builder.tag_view(tag)))
    for planner in extra_planners:
        pages.extend(planner(builder, site, current))
    return pages
