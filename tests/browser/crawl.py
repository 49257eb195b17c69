"""Read a built site from disk the way a browser would follow it: every page's ids, every
reference (href, src, srcset, CSS url()) resolved to a file, and what the page's
Content-Security-Policy would block (inline styles, inline scripts, event handlers)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes that name another resource, per element ("*": any element).
_REF_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "use": ("href", "xlink:href"),
    "image": ("href", "xlink:href"), "script": ("src",), "img": ("src", "srcset"),
    "source": ("src", "srcset"), "iframe": ("src",), "video": ("src", "poster"),
    "audio": ("src",), "track": ("src",), "embed": ("src",), "object": ("data",),
    "form": ("action",), "blockquote": ("cite",), "q": ("cite",),
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@dataclass
class Page:
    """What one HTML file holds."""

    path: str  # relative to the site root, e.g. "2026-Q4/index.html"
    ids: set[str] = field(default_factory=set)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (tag.attr, value)
    inline: list[str] = field(default_factory=list)  # what the CSP would block


class _Reader(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("id",) + (("name",) if tag == "a" else ()):
            if values.get(name):
                self.page.ids.add(values[name])
        for name in _REF_ATTRS.get(tag, ()):
            if name in values:
                for ref in _split_srcset(values[name]) if name == "srcset" else [values[name]]:
                    self.page.refs.append((f"{tag}.{name}", ref))
        for name in values:
            if name == "style" or name.startswith("on"):
                self.page.inline.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.page.inline.append("<style> element")
        self.in_script = tag == "script" and "src" not in values

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.page.inline.append(f"inline <script>: {data.strip()[:60]}")


def _split_srcset(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def read_page(out: Path, path: str) -> Page:
    page = Page(path)
    _Reader(page).feed((out / path).read_text(encoding="utf-8"))
    return page


@cache
def read_site(out: Path) -> dict[str, Page]:
    """Every HTML file of the built site in `out`, by path relative to it (read once)."""
    return {p.relative_to(out).as_posix(): read_page(out, p.relative_to(out).as_posix())
            for p in sorted(out.rglob("*.html"))}


def css_refs(out: Path) -> list[tuple[str, str]]:
    """(stylesheet path, url) for every url() in the site's stylesheets."""
    found = []
    for sheet in sorted(out.rglob("*.css")):
        for match in _CSS_URL.finditer(sheet.read_text(encoding="utf-8")):
            found.append((sheet.relative_to(out).as_posix(), match.group(2)))
    return found


@dataclass(frozen=True)
class Target:
    """Where a reference leads inside the site: a file (None if it leaves the site) and an anchor."""

    file: str | None
    anchor: str


def resolve(source: str, ref: str, base_url: str = "/") -> Target:
    """Resolve `ref` found in the file `source` (site-root relative) the way a static host
    would: directories serve index.html, root-absolute URLs start at `base_url`."""
    parts = urlsplit(ref)
    anchor = unquote(parts.fragment)
    if parts.scheme or parts.netloc:
        return Target(None, anchor)
    if not parts.path:
        return Target(source, anchor)
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(base_url):
            return Target(f"../outside-base{path}", anchor)
        joined = path[len(base_url):]
    else:
        joined = posixpath.join(posixpath.dirname(source), path)
    directory = path.endswith("/") or joined in ("", ".")
    normal = posixpath.normpath(joined) if joined else "."
    if directory or normal == ".":
        normal = "index.html" if normal == "." else normal + "/index.html"
    return Target(normal, anchor)
