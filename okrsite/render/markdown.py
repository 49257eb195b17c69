"""Markdown for content text: CommonMark with tables and strikethrough, safe by default.

Raw HTML is shown as text unless the site sets `[markdown] allow_html = true`; links and images
may only use safe schemes (no `javascript:`, `vbscript:`, `data:` other than images); headings
inside notes are shifted down so a page keeps one outline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
MEMO_SIZE = 1 << 17  # texts per kind; more than a 16,000-objective site has
# Inline text with none of the characters that start inline Markdown (emphasis, code, links,
# images, HTML, entities, escapes, breaks) nor those the parser rewrites (NUL, CR): parsed, it
# is one text token, its own text. Most titles are; they skip the parser (tests compare).
_NO_MARKUP = re.compile(r"[^\x00\r\n!&*<>\[\\\]_`~]*")


def is_safe_url(url: str, *, image: bool = False) -> bool:
    """True for relative URLs, anchors and http(s)/mailto/tel (and raster data: images)."""
    compact = _INVISIBLE.sub("", url)
    scheme = _SCHEME_RE.match(compact)
    if scheme is None:
        return True
    if image and _SAFE_DATA_IMAGE.match(compact):
        return True
    return scheme.group(0).lower() in _SAFE_SCHEMES


def shared(allow_html: bool = False) -> Markdown:
    """The renderer of this process for a setting: its memo outlives a build, so a dev server
    renders an unchanged text once, and worker processes forked for a build inherit it."""
    return _SHARED.setdefault(allow_html, Markdown(allow_html))


class Markdown:
    """A configured renderer; results are memoised by text, since notes recur across pages
    (a check-in's note shows on its objective, team, feed and this-week pages), up to
    MEMO_SIZE texts of each kind."""

    def __init__(self, allow_html: bool = False):
        self.allow_html = allow_html
        self.md = MarkdownIt("commonmark", {"html": allow_html, "linkify": False, "typographer": False})
        self.md.enable(["table", "strikethrough"])
        self.md.validateLink = self._validate_link  # type: ignore[method-assign]
        self.block = lru_cache(maxsize=MEMO_SIZE)(self._block)
        self.inline = lru_cache(maxsize=MEMO_SIZE)(self._inline)
        self.plain = lru_cache(maxsize=MEMO_SIZE)(self._plain)
        self._unshifted = lru_cache(maxsize=MEMO_SIZE)(self._render_unshifted)
        self._given: dict[str, tuple[str, int | None]] = {}  # rendered by another process

    @staticmethod
    def _validate_link(url: str) -> bool:
        return is_safe_url(url, image=True)

    def _block(self, text: str, top_heading: int = 0) -> Markup:
        """Render a Markdown block (a description, notes). With `top_heading`, the text's
        highest heading becomes that level and the others follow, so the page keeps one outline.
        A text is parsed once whatever the heading level asked (notes show at several), and
        again only when it has headings to shift."""
        if not text or not text.strip():
            return Markup("")
        html, highest = self._unshifted(text)
        if not top_heading or highest is None or highest == top_heading:
            return html
        return self._render(text, top_heading - highest)[0]

    def _render_unshifted(self, text: str) -> tuple[Markup, int | None]:
        given = self._given.pop(text, None)
        if given is not None:
            return Markup(given[0]), given[1]
        return self._render(text, 0)

    def blocks(self, texts: Iterable[str]) -> list[tuple[str, int | None]]:
        """Render these blocks as `keep` takes them: their HTML (headings as written) and the
        level of their highest heading."""
        return [(str(html), highest) for html, highest in map(self._unshifted, texts)]

    def keep(self, texts: Sequence[str], rendered: Sequence[tuple[str, int | None]]) -> None:
        """Take blocks rendered elsewhere (`blocks` in another process), so they are not
        rendered here again (until `forget_kept`)."""
        self._given.update(zip(texts, rendered))

    def forget_kept(self) -> None:
        """Let go of the blocks taken and not used here (render processes used them): a dev
        server's process lives on after the build."""
        self._given = {}

    def _render(self, text: str, heading_offset: int) -> tuple[Markup, int | None]:
        """The HTML of a block with its headings shifted by `heading_offset`, and the level of
        its highest heading as written (None: it has none)."""
        tokens = self.md.parse(text)
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        _harden(tokens, heading_offset)
        _tidy_tables(tokens)
        return Markup(self.md.renderer.render(tokens, self.md.options, {})), min(levels) if levels else None

    def _inline(self, text: str) -> Markup:
        """Render inline Markdown (titles): links, emphasis, code; no paragraphs."""
        if not text:
            return Markup("")
        if _NO_MARKUP.fullmatch(text):
            return Markup(text.replace('"', "&quot;"))  # as the renderer escapes text
        tokens = self.md.parseInline(text.replace("\n", " "))
        _harden(tokens, 0)
        return Markup(self.md.renderer.render(tokens, self.md.options, {}))

    def _plain(self, text: str) -> str:
        """The text of inline Markdown without markup (for <title>, graphs, feeds)."""
        if not text:
            return ""
        if _NO_MARKUP.fullmatch(text):
            return " ".join(text.split())
        parts: list[str] = []
        for token in self.md.parseInline(text.replace("\n", " ")):
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "image" or child.type == "html_inline" and not self.allow_html:
                    parts.append(child.content)
        return re.sub(r"\s+", " ", "".join(parts)).strip()


def _harden(tokens: list[Token], heading_offset: int) -> None:
    """Shift headings; mark external links so they never get access to the opener."""
    for token in tokens:
        if heading_offset and token.type in ("heading_open", "heading_close"):
            level = max(1, min(6, int(token.tag[1]) + heading_offset))
            token.tag = f"h{level}"
        if token.children:
            _harden(token.children, heading_offset)
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if href.startswith(("http:", "https:")):
                token.attrSet("rel", "noopener noreferrer")


def _tidy_tables(tokens: list[Token]) -> None:
    """Column alignment as a class (the site's CSP blocks style attributes), and an empty
    header cell (the corner of a table with row labels) as a plain cell: a header that names
    nothing confuses screen readers."""
    for index, token in enumerate(tokens):
        if token.type not in ("th_open", "td_open"):
            continue
        align = str(token.attrGet("style") or "").removeprefix("text-align:")
        if align:
            token.attrs.pop("style", None)
            token.attrSet("class", f"align-{align}")
        following = tokens[index + 1: index + 3]
        if token.type == "th_open" and [t.type for t in following] == ["inline", "th_close"] \
                and not following[0].content.strip():
            token.tag = following[1].tag = "td"


_SHARED: dict[bool, Markdown] = {}
