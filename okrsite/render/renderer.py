"""Render pages with the theme's templates: filters, globals and links relative to each page."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .. import __version__
from ..config import SiteConfig
from ..export import Piece
from . import figures, markdown, urls
from .fragments import FragmentFiles, PageFragments
from .i18n import Formatter, Strings, load_strings
from .pages import NavCycle, Page
from .theme import Theme, make_environment
from .views import Graph

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class SiteGlobals:
    """What every page shows besides its view: title, navigation, language, date."""

    title: str
    description: str
    language: str
    base_url: str
    today: dt.date
    current_cycle: NavCycle | None
    cycles: tuple[NavCycle, ...]
    favicon: str
    search: bool = False  # a Pagefind index is built with the site
    # Cycles that have ended: their pages no longer depend on the date (no "scores as of").
    ended: frozenset[str] = frozenset()
    version: str = __version__
    csp: str = CSP


class Renderer:
    """Turns pages into HTML with one Jinja environment, reused for every page."""

    def __init__(self, theme: Theme, config: SiteConfig, site_globals: SiteGlobals):
        self.theme = theme
        self.config = config
        self.globals = site_globals
        self.markdown = markdown.shared(config.markdown.allow_html)
        self.page: Page | None = None  # the page being rendered: links are relative to it
        self.strings = Strings(config.language, load_strings(theme.dirs, config.language))
        self.fmt = Formatter(config.language)
        self.cascade_labels = figures.cascade_labels(self.strings, self.fmt)
        self.env = self._environment()
        self.keep_fragments(None)

    def _environment(self) -> Environment:
        env = make_environment(self.theme)
        md = self.markdown
        fmt = self.fmt
        # Filters are direct calls (a global is called through the template context, several
        # times slower), and a filter of a constant (`'nav.home'|t`) is evaluated once, when the
        # template is compiled: the default theme uses them wherever a page repeats them.
        env.filters.update(
            md=lambda text, offset=0: md.block(text or "", int(offset)),
            mdi=lambda text: md.inline(text or ""),
            plain=lambda text: md.plain(text or ""),
            t=self.strings, url=self._link, slugify=urls.slugify, iso=_iso,
            date=fmt.date, date_short=fmt.date_short, date_long=fmt.date_long,
            percent=fmt.percent, number=fmt.number, quantity=fmt.quantity, grade=fmt.grade,
            integer=fmt.integer, percent_int=_percent_int, confidence_word=self._confidence_word,
        )
        labels = figures.labels_for(self.strings, self.fmt)
        env.globals.update(
            site=self.globals, t=self.strings, fmt=self.fmt, url=self._link, asset=urls.asset,
            slugify=urls.slugify, tag_url=urls.tag, plain=lambda text: md.plain(text or ""),
            percent_int=_percent_int, confidence_word=self._confidence_word,
            sparkline_svg=lambda values, title: figures.sparkline(values, md.plain(title), labels),
            kr_chart=lambda kr, cycle: figures.kr_chart(
                kr, cycle, None if cycle.phase == "ended" else self.globals.today, labels, md.plain),
            history_chart=lambda history, title: figures.history_chart(history, title, labels),
            graph_svg=self._graph_svg,
        )
        return env

    def url(self, target: str) -> str:
        """A link from the page being rendered to `target` (a site-root relative URL).

        The page is the renderer's, not read from the template context: so the theme's macros
        need no `with context` import, which would make each page a new module of them, tied
        to the page in a reference cycle that keeps the page's view alive until the cycle
        collector finds it."""
        page = self.page
        if page is None:
            raise RuntimeError("a link made outside of rendering a page")
        if page.absolute_links:
            return self.globals.base_url + target
        return urls.relative(page.url, target)

    @pass_context
    def _link(self, context: Context, target: str) -> str:
        """The `url` filter and function: self.url. (It takes the context only so that Jinja does
        not evaluate `'feed.xml'|url` once, when it compiles a template, for all pages.)"""
        return self.url(target)

    def _graph_svg(self, graph: Graph, title: str, id_prefix: str, compact: bool = False) -> Markup:
        """An alignment graph whose node links are relative to the page being rendered."""
        return figures.graph_svg(
            graph, title=title, href=self.url, id_prefix=id_prefix,
            labels=self.cascade_labels, status_label=lambda key: self.strings("status." + key),
            plain=self.markdown.plain, compact=compact,
        )

    def _confidence_word(self, value: float) -> str:
        if value < self.config.scoring.low_confidence:
            return "low"
        return "medium" if value < 0.7 else "high"

    def keep_compiled(self, folder: Path | None) -> None:
        """Keep compiled templates in `folder` (see BuildCache.templates), and load them from
        there: compiling the theme takes longer than a build that renders a few pages."""
        self.env.bytecode_cache = FileSystemBytecodeCache(str(folder)) if folder is not None else None

    def compile(self, names: set[str]) -> None:
        """Load and compile templates now (worker processes then inherit them compiled)."""
        for name in sorted(names):
            self.env.get_template(name)

    def render(self, page: Page, variables: dict[str, Any]) -> str | Iterator[Piece]:
        """The HTML of a page, given its template variables (see Page.variables); a page
        without a template (a data export) is its view: a text, or pieces of text to write one
        after another."""
        if not page.template:
            self.fragments.begin(page.output)
            self.fragments.end()
            view = variables["view"]
            return view if isinstance(view, Iterator) else str(view)
        template = self.env.get_template(page.template)
        self.fragments.begin(page.output)
        self.page = page
        try:
            return template.render(page=page, **variables)
        finally:
            self.page = None
            self.fragments.end()

    def keep_fragments(self, files: FragmentFiles | None) -> None:
        """Keep the `{% cache %}` parts of pages in `files`, for the next build."""
        self.fragments = PageFragments(files, self.fingerprint())
        self.env.page_fragments = self.fragments  # type: ignore[attr-defined]

    def fingerprint(self) -> str:
        """Everything besides a page's view that its HTML depends on."""
        h = hashlib.sha256()
        # not the date: the pages that show it have it in their own input digests
        h.update(repr(replace(self.globals, today=dt.date.min, ended=sorted(self.globals.ended))).encode())
        h.update(self.config.digest().encode())
        h.update(self.theme.digest().encode())
        h.update(__version__.encode())
        return h.hexdigest()[:24]


def _percent_int(value: float | None) -> int:
    return 0 if value is None else round(value * 100)


def _iso(value: dt.date) -> str:
    return value.isoformat()


__all__ = ["CSP", "Markup", "Renderer", "SiteGlobals"]
