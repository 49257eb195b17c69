"""Parts of pages kept from one build to the next: the `{% cache %}` tag of templates.

    {% for s in group.objectives %}{% cache s %}{{ objective_item(s) }}{% endcache %}{% endfor %}

The tag's arguments are the key: the body is rendered again only when they differ from what
they were when this page was last rendered (their `repr`), so they must name everything the
body shows besides the site's globals (strings, settings, the theme). A page that lists four
thousand objectives, of which one changed, renders one item and copies the rest.

Kept per page (links are relative to the page), for pages rendered again in a later build,
and only while the theme, settings and globals are those they were made with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from markupsafe import Markup


class FragmentFiles(Protocol):
    """Where fragments live between builds (cache.Fragments)."""

    def get(self, key: str) -> object | None: ...

    def put(self, key: str, value: object) -> None: ...


class PageFragments:
    """The fragments of the page being rendered: those it had last time, and those it makes."""

    def __init__(self, files: FragmentFiles | None, base: str):
        self.files = files
        self.base = base  # the renderer's fingerprint: fragments of another theme or setting are void
        self.page: str | None = None
        self.old: dict[str, str] | None = None
        self.new: dict[str, str] = {}
        self.used = False
        self.reused = self.made = 0  # of the page being rendered

    def begin(self, output: str) -> None:
        self.page, self.old, self.new, self.used = output, None, {}, False
        self.reused = self.made = 0

    def end(self) -> None:
        """Keep what the page made, if it used the tag and it differs from what was kept."""
        if self.files is not None and self.page is not None and self.used and self.new != self.old:
            self.files.put(self._key(), (self.base, self.new))
        self.page, self.old, self.new, self.used = None, None, {}, False  # the counts stay

    def fragment(self, key: str, make: Callable[[], str]) -> str:
        self.used = True
        if self.old is None:
            self.old = self._load()
        found = self.old.get(key)
        if found is None:
            found = make()
            self.made += 1
        else:
            self.reused += 1
        self.new[key] = found
        return found

    def _load(self) -> dict[str, str]:
        kept = self.files.get(self._key()) if self.files is not None and self.page is not None else None
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == self.base and isinstance(kept[1], dict):
            return kept[1]
        return {}

    def _key(self) -> str:
        return f"page:{self.page}"


class CacheExtension(Extension):
    """`{% cache key, ... %}body{% endcache %}`: the body as the page had it when the key was
    the same; outside a build that keeps fragments (no store set), always rendered."""

    tags: ClassVar[set[str]] = {"cache"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        # where the tag stands is part of the key: two lists of one page may show the same item
        args: list[nodes.Expr] = [nodes.Const(f"{parser.name}:{lineno}"), parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_render", [nodes.ContextReference(), nodes.List(args)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render(self, context: Context, key: list[Any], caller: Callable[[], str]) -> str:
        store = getattr(self.environment, "page_fragments", None)
        if not isinstance(store, PageFragments) or store.page is None:
            return caller()
        digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        return Markup(store.fragment(digest, caller))
