"""What each page is made of, as a digest computed without building the page.

The build first compares a page's *input digest* with the previous build's: if the model
objects the page reads are unchanged, neither its view is built nor its HTML rendered. Only
when the inputs changed is the view built and fingerprinted (a page may read changed objects
and still show the same thing, e.g. an ancestor whose title did not change).

An object's digest is taken from what it is made of: the hashes of its source files, the ids
that resolving references produced, and its scores. The dependency lists below must name
every object a view reads; tests compare incremental builds with clean ones byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..model import Objective, Site
from ..scoring import Scores
from . import urls
from .pages import Lazy, Page
from .views import NEIGHBOURHOOD_LIMIT, ViewBuilder


def _hash(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


@dataclass
class PageInputs:
    builder: ViewBuilder
    sources: Mapping[str, str]  # source path → sha256 of its bytes
    _objectives: dict[str, str] = field(default_factory=dict)

    @property
    def site(self) -> Site:
        return self.builder.site

    @property
    def scores(self) -> Scores:
        return self.builder.scores

    # Object digests ---------------------------------------------------------------------

    def objective(self, objective_id: str) -> str:
        found = self._objectives.get(objective_id)
        if found is None:
            found = self._objectives[objective_id] = self._objective(self.site.objectives[objective_id])
        return found

    def _objective(self, o: Objective) -> str:
        return _hash(
            self.sources.get(o.path), o.parents, o.owner, o.level, o.lifecycle, o.visibility,
            tuple((kr.id, kr.kind, kr.linked) for kr in o.key_results),
            tuple((c, self.sources.get(c)) for c in o.checkins),
            self.scores.objectives[o.id],
            tuple(self.scores.krs[(o.id, kr.id)] for kr in o.key_results),
            self.builder.history.of(o.path), self.builder.history.moves.get(o.id),
        )

    def objectives(self, ids: Iterable[str]) -> str:
        return _hash(tuple((i, self.objective(i)) for i in ids))

    @cached_property
    def org(self) -> str:
        return _hash(self.site.org.teams, self.site.org.people)

    @cached_property
    def cycles_meta(self) -> str:
        """Every cycle's id, title, dates and phase (not its scores)."""
        return _hash(tuple((c, self.site.cycles[c].phase(self.scores.today)) for c in self.site.cycles))

    def cycle(self, cycle_id: str) -> str:
        """A cycle with its scores and every objective in it."""
        return self._cycle_digests[cycle_id]

    @cached_property
    def _cycle_digests(self) -> dict[str, str]:
        by_cycle: dict[str, list[str]] = {c: [] for c in self.site.cycles}
        for o in self.site.objectives.values():
            by_cycle.setdefault(o.cycle, []).append(o.id)
        checkins: dict[str, list[tuple[str, str | None]]] = {c: [] for c in by_cycle}
        for checkin in self.site.checkins.values():
            checkins.setdefault(checkin.cycle, []).append((checkin.id, self.sources.get(checkin.id)))
        return {
            c: _hash(self.site.cycles.get(c), self.scores.cycles.get(c), self.objectives(ids),
                     tuple(checkins.get(c, ())))
            for c, ids in by_cycle.items()
        }

    @cached_property
    def everything(self) -> str:
        return _hash(tuple(self.cycle(c) for c in self.site.cycles))

    # Page digests -----------------------------------------------------------------------

    def digest(self, page: Page) -> str:
        """The page's input digest (None-safe: a page kind not listed depends on everything)."""
        view = page.view
        common = (page, self.org, self.cycles_meta)
        if view is None:
            return _hash(*common)
        method = getattr(self, "_" + view.name, None)
        if method is None:
            return _hash(*common, self.everything)
        return _hash(*common, method(*view.args), self._extra(page))

    def _extra(self, page: Page) -> str:
        lazy = [value for _, value in page.extra if isinstance(value, Lazy)]
        return _hash(tuple(
            getattr(self, "_" + item.name)(*item.args) if hasattr(self, "_" + item.name) else self.everything
            for item in lazy
        ))

    def _objective_detail(self, objective_id: str) -> str:
        o = self.site.objectives[objective_id]
        related: set[str] = {objective_id}
        related.update(p.objective for p in o.parents)
        related.update(self.site.ancestors(objective_id))
        related.update(self.site.children.get(objective_id, ()))
        related.update(kr.linked for kr in o.key_results if kr.linked)
        for checkin_id in o.checkins:
            checkin = self.site.checkins.get(checkin_id)
            if checkin is not None:
                related.update(checkin.objectives)
        return self.objectives(sorted(i for i in related if i in self.site.objectives))

    def _neighbourhood(self, objective_id: str) -> str:
        up = self.builder.reach(
            objective_id, lambda i: [p.objective for p in self.site.objectives[i].parents], None)
        down = self.builder.reach(
            objective_id, lambda i: self.builder.ordered(self.site.children.get(i, ())), NEIGHBOURHOOD_LIMIT)
        return self.objectives(sorted(up | down | {objective_id}))

    def _owner_cycle(self, cycle_id: str, owner: str) -> str:
        ids = self.builder.by_cycle_owner.get((cycle_id, owner), [])
        return _hash(tuple(self._objective_detail(i) for i in ids))

    def _owner_view(self, owner: str) -> str:
        return self.objectives(self.builder.by_owner.get(owner, ()))

    def _tag_view(self, tag: str) -> str:
        slug = urls.slugify(tag)
        ids = [i for (cycle, s), found in self.builder.by_tag.items() if s == slug for i in found]
        return self.objectives(ids)

    def _cycle_view(self, cycle_id: str) -> str:
        return self.cycle(cycle_id)

    def _cascade(self, cycle_id: str) -> str:
        return self.cycle(cycle_id)

    def _export_json(self, cycle_id: str | None) -> str:
        return self.cycle(cycle_id) if cycle_id else self.everything

    _export_csv = _export_json

    def _insights(self, cycle_id: str) -> str:
        return self.cycle(cycle_id)

    def _feed_view(self, scope: str, key: str) -> str:
        if scope == "cycle":
            return self.cycle(key)
        if scope == "owner":
            checkins = self.builder.owner_checkins.get(key, ())
            related = sorted({o for c in checkins for o in self.site.checkins[c].objectives
                              if o in self.site.objectives})
            return _hash(tuple((c, self.sources.get(c)) for c in checkins), self.objectives(related))
        return self.everything

    def _search_index(self) -> str:
        """Titles, owners, tags and KR titles: the objective files and the org, not scores."""
        return _hash(tuple((o.id, self.sources.get(o.path), o.owner, o.cycle) for o in self.site.objectives.values()),
                     tuple(self.builder.owners()))

    def _home(self, current: str | None) -> str:
        return self.cycle(current) if current else ""
