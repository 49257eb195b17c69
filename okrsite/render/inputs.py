"""What each page is made of, as a digest computed without building the page.

The build compares a page's *input digest* with the previous build's: if what the page shows
is unchanged, neither its view is built nor its HTML rendered. A page's digest is made of the
digests of the objects it shows, each at the detail the page shows it in:

- `objective`: everything an objective's own page shows of it (its files, references,
  check-ins, scores, history);
- `summary`: the objective as lists show it (ObjectiveSummary);
- `node`: the objective as alignment graphs draw it (title, owner, rounded progress, status);
- `link`: its title and its key results' titles (breadcrumbs, parent links);
- `shape`: what a graph is laid out from (its level, owner and parents);
- `checkin`: a check-in's file and the objectives it is about.

So an edit that moves a company objective by a tenth of a percent changes its own page and the
lists that show it, not every page whose alignment graph draws it. Object digests are kept in
dictionaries a build may fill in advance (an incremental build: from the previous one) for the
objects it did not touch. The dependency lists below must name everything a view reads; tests
compare incremental builds with clean ones byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..export import digest_of
from ..model import Objective, Site
from ..scoring import Scores
from . import urls
from .pages import Lazy, Page
from .views import NEIGHBOURHOOD_LIMIT, OWNER_CHECKINS, ViewBuilder, display_progress


def _hash(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def _memo(table: dict[str, str], key: str, make: Callable[[], str]) -> str:
    found = table.get(key)
    if found is None:
        found = table[key] = make()
    return found


@dataclass
class ObjectDigests:
    """Digests of objects at each level of detail, by id (a build's, or kept from the last)."""

    objective: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    node: dict[str, str] = field(default_factory=dict)
    link: dict[str, str] = field(default_factory=dict)
    checkin: dict[str, str] = field(default_factory=dict)
    shape: dict[str, str] = field(default_factory=dict)


@dataclass
class PageInputs:
    builder: ViewBuilder
    sources: Mapping[str, str]  # source path → sha256 of its bytes
    digests: ObjectDigests = field(default_factory=ObjectDigests)
    live: frozenset[str] | None = None  # sections whose pages depend on the date; None: all

    @property
    def site(self) -> Site:
        return self.builder.site

    @property
    def scores(self) -> Scores:
        return self.builder.scores

    # Object digests ---------------------------------------------------------------------

    def objective(self, objective_id: str) -> str:
        return _memo(self.digests.objective, objective_id,
                     lambda: self._objective(self.site.objectives[objective_id]))

    def _objective(self, o: Objective) -> str:
        return _hash(
            o.id, o.path, self.sources.get(o.path), o.parents, o.owner, o.level, o.lifecycle, o.visibility,
            tuple((kr.id, kr.kind, kr.linked) for kr in o.key_results),
            tuple((c, self.sources.get(c)) for c in o.checkins),
            self.scores.objectives[o.id],
            tuple(self.scores.krs[(o.id, kr.id)] for kr in o.key_results),
            self.builder.history.of(o.path), self.builder.history.moves.get(o.id),
        )

    def summary(self, objective_id: str) -> str:
        return _memo(self.digests.summary, objective_id, lambda: _hash(self.builder.summary(objective_id)))

    def node(self, objective_id: str) -> str:
        def make() -> str:
            s = self.builder.summary(objective_id)
            return _hash(s.title, s.owner_name, display_progress(s.bar.value), s.bar.status)
        return _memo(self.digests.node, objective_id, make)

    def link(self, objective_id: str) -> str:
        def make() -> str:
            head = self.builder.head(objective_id)
            return _hash(head.title, tuple((kr.id, kr.title) for kr in head.key_results))
        return _memo(self.digests.link, objective_id, make)

    def checkin(self, checkin_id: str) -> str:
        def make() -> str:
            head, heads = self.builder.index.checkins[checkin_id], self.builder.index.objectives
            return _hash(checkin_id, self.sources.get(checkin_id),
                         tuple(self.objective(o) for o in head.objectives if o in heads))
        return _memo(self.digests.checkin, checkin_id, make)

    def shape(self, objective_id: str) -> str:
        def make() -> str:
            head = self.builder.index.objectives[objective_id]
            return _hash(head.level, head.owner, head.parents)
        return _memo(self.digests.shape, objective_id, make)

    def pairs(self, digest: str, ids: Iterable[str]) -> list[str]:
        """`ID<SOH>DIGEST` of each of these objects at one level of detail (`digest`, a table
        of ObjectDigests); the digests already in the table are taken without a call."""
        found, method = getattr(self.digests, digest).get, getattr(self, digest)
        return [f"{i}\1{found(i) or method(i)}" for i in ids]

    def _each(self, digest: str, ids: Iterable[str]) -> str:
        """The digest of these objects (ids, in order) at one level of detail: their pairs
        joined as text (ids are file paths, which hold neither NUL nor SOH), not the repr of
        a tuple of pairs, which took three times as long for a cycle's objectives."""
        return digest_of(self.pairs(digest, ids))

    # Site-wide parts --------------------------------------------------------------------

    @cached_property
    def org(self) -> str:
        return _hash(self.site.org.teams, self.site.org.people)

    @cached_property
    def cycles_meta(self) -> str:
        """Every cycle's id and phase on the build date (what each page's navigation marks);
        their titles are in the renderer fingerprint, with the navigation."""
        return _hash(tuple((c, self.site.cycles[c].phase(self.scores.today)) for c in self.site.cycles))

    def cycle(self, cycle_id: str) -> str:
        """A cycle with its scores, every objective in it and every check-in of it."""
        return self._cycle_digests[cycle_id]

    @cached_property
    def _cycle_digests(self) -> dict[str, str]:
        index, sources = self.builder.index, self.sources.get
        return {
            c: _hash(self.site.cycles.get(c), self.scores.cycles.get(c),
                     self._each("objective", index.by_cycle.get(c, ())),
                     digest_of(f"{i}\1{sources(i)}" for i in index.checkins_by_cycle.get(c, ())))
            for c in dict.fromkeys([*self.site.cycles, *index.by_cycle])
        }

    @cached_property
    def everything(self) -> str:
        return _hash(tuple(self.cycle(c) for c in self._cycle_digests))

    def _cycle_scores(self, cycle_id: str) -> str:
        return _hash(self.site.cycles.get(cycle_id), self.scores.cycles.get(cycle_id))

    # Page digests -----------------------------------------------------------------------

    def digest(self, page: Page) -> str:
        """The page's input digest (None-safe: a page kind not listed depends on everything)."""
        view = page.view
        common = (page, self.org, self.cycles_meta, self._date(page))
        if view is None:
            return _hash(*common)
        method = getattr(self, "_" + view.name, None)
        if method is None:
            return _hash(*common, self.everything)
        return _hash(*common, method(*view.args), self._extra(page))

    def _date(self, page: Page) -> dt.date | None:
        """The build's date, for pages that depend on it: all but those of ended cycles."""
        return None if self.live is not None and page.section and page.section not in self.live \
            else self.scores.today

    def _extra(self, page: Page) -> str:
        lazy = [value for _, value in page.extra if isinstance(value, Lazy)]
        return _hash(tuple(
            getattr(self, "_" + item.name)(*item.args) if hasattr(self, "_" + item.name) else self.everything
            for item in lazy
        ))

    def _objective_detail(self, objective_id: str) -> str:
        head, index = self.builder.head(objective_id), self.builder.index
        return _hash(
            self._kr_views(objective_id),
            self._each("link", self.site.ancestors(objective_id)),
            self._each("link", (p.objective for p in head.parents if p.objective in index.objectives)),
            self._each("summary", self.builder.ordered(index.children.get(objective_id, ()))),
            self._each("checkin", (c for c in head.checkins if c in index.checkins)),
        )

    def _kr_views(self, objective_id: str) -> str:
        """An objective and its key results as shown: with the titles of the objectives they
        link to and of the children aligned to each."""
        head, index = self.builder.head(objective_id), self.builder.index
        linked = [kr.linked for kr in head.key_results if kr.linked and kr.linked in index.objectives]
        children = index.children.get(objective_id, ())
        return _hash(self.objective(objective_id), self._each("link", linked),
                     self._structure(children), self._each("link", children))

    def _neighbourhood(self, objective_id: str) -> str:
        heads = self.builder.index.objectives
        up = self.builder.reach(objective_id, lambda i: [p.objective for p in heads[i].parents], None)
        down = self.builder.reach(
            objective_id, lambda i: self.builder.ordered(self.builder.index.children.get(i, ())),
            NEIGHBOURHOOD_LIMIT)
        ids = sorted(up | down | {objective_id})
        return _hash(self._structure(ids), self._each("node", ids))

    def _structure(self, ids: Iterable[str]) -> str:
        """What a graph of these objectives is laid out from: levels, owners, alignment."""
        return self._each("shape", ids)

    def _owner_cycle(self, cycle_id: str, owner: str) -> str:
        ids = self.builder.by_cycle_owner.get((cycle_id, owner), ())
        checkins = {c for i in ids for c in self.builder.head(i).checkins if c in self.builder.index.checkins}
        newest = sorted(checkins, key=self.builder.index.checkin_rank.__getitem__)[-OWNER_CHECKINS:]
        return _hash(tuple(self._kr_views(i) for i in ids), self._each("summary", ids),
                     self._each("checkin", newest))

    def _owner_view(self, owner: str) -> str:
        return _hash(self._each("summary", self.builder.by_owner.get(owner, ())),
                     bool(self.builder.owner_checkins.get(owner)))

    def _tag_view(self, tag: str) -> str:
        slug = urls.slugify(tag)
        ids = [i for (cycle, s), found in self.builder.by_tag.items() if s == slug for i in found]
        return self._each("summary", ids)

    def _cycle_view(self, cycle_id: str) -> str:
        return _hash(self._cycle_scores(cycle_id), self._each("summary", self.builder.index.by_cycle.get(cycle_id, ())))

    def _cascade(self, cycle_id: str) -> str:
        ids = self.builder.index.by_cycle.get(cycle_id, ())
        return _hash(self._cycle_scores(cycle_id), self._structure(ids), self._each("node", ids),
                     self._each("summary", ids))

    def _home(self, current: str | None) -> str:
        if not current:
            return ""
        latest = self.builder.index.checkins_by_cycle.get(current, ())[-HOME_CHECKINS:]
        return _hash(self._cycle_view(current), self._structure(self.builder.index.by_cycle.get(current, ())),
                     self._each("checkin", latest))

    def _archive(self) -> str:
        return _hash(tuple(self._cycle_scores(c) for c in self.site.cycles))

    def _owners_index(self) -> str:
        return _hash(tuple((owner, len(ids)) for owner, ids in self.builder.by_owner.items()))

    def _tags_index(self) -> str:
        return _hash(tuple(head.tags for head in self.builder.index.objectives.values()))

    def _export_json(self, cycle_id: str | None) -> str:
        return self.cycle(cycle_id) if cycle_id else self.everything

    _export_csv = _export_json

    def _insights(self, cycle_id: str) -> str:
        return self.cycle(cycle_id)

    def _feed_view(self, scope: str, key: str) -> str:
        index = self.builder.index
        if scope == "cycle":
            chosen: Iterable[str] = index.checkins_by_cycle.get(key, ())
        elif scope == "owner":
            chosen = self.builder.owner_checkins.get(key, ())
        else:
            chosen = index.checkins
        return self._each("checkin", list(chosen)[-FEED_CHECKINS:])

    def _this_week(self) -> str:
        today = self.scores.today
        index = self.builder.index
        week = [c for c, head in index.checkins.items() if (today - head.date).days < 7 and head.date <= today]
        running = [oid for oid, score in self.scores.objectives.items() if score.phase == "running"]
        history = self.builder.history
        created = {o.id: history.created(o.path) for o in index.objectives.values()}
        new = [i for i, day in created.items() if day is not None and (today - day).days < 7 and day <= today]
        return _hash(self._each("checkin", week), self._each("objective", running),
                     self._each("summary", running), self._each("summary", new), bool(history.commits))

    def _search_index(self) -> str:
        """Titles, owners and tags of objectives and their key results: not scores. (Titles
        by the objectives' link digests, which the next build keeps for objectives unchanged.)"""
        heads = self.builder.index.objectives.values()
        return _hash(self._each("link", (o.id for o in heads)),
                     tuple((o.owner, o.cycle, o.tags) for o in heads), tuple(self.builder.owners()))


HOME_CHECKINS = 8  # latest check-ins on the home page
FEED_CHECKINS = 50  # the most check-ins a feed shows
