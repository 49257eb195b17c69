"""Where each page lives, and relative links between pages.

Every URL here is relative to the site root, with pretty directories ("2026-Q4/platform/x/");
"" is the home page. Pages link to each other with relative paths, so a site works under any
sub-path and opened from disk.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

# Top-level names okrsite uses itself; a cycle folder may not take one.
RESERVED_TOP = frozenset({
    "archive", "owners", "tags", "cascade", "insights", "search", "assets", "feeds", "this-week",
    "404.html", "index.html", "okrs.json", "okrs.csv", "feed.xml", "pagefind",
})


SLUG_MAX = 60  # characters; a folder name may hold 255 bytes, and a letter up to 4


@lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """A URL-safe slug that keeps letters of any script (Swedish, Japanese...). A long text
    is cut, and a hash of it added so that two long texts still get two slugs."""
    normal = unicodedata.normalize("NFKC", text).strip().lower()
    slug = re.sub(r"[^\w]+", "-", normal).strip("-_")
    if len(slug) > SLUG_MAX:
        digest = hashlib.sha256(normal.encode()).hexdigest()[:8]
        slug = slug[:SLUG_MAX].rstrip("-_") + "-" + digest
    return slug or "x"


def home() -> str:
    return ""


def cycle(cycle_id: str) -> str:
    return f"{cycle_id}/"


def objective(objective_id: str) -> str:
    return f"{objective_id}/"


def kr(objective_id: str, kr_id: str) -> str:
    return f"{objective_id}/#kr-{kr_id}"


def owner_in_cycle(cycle_id: str, owner: str) -> str:
    return f"{cycle_id}/{slugify(owner)}/"


def owner(owner_id: str) -> str:
    return f"owners/{slugify(owner_id)}/"


def owners() -> str:
    return "owners/"


def tag(name: str) -> str:
    return f"tags/{slugify(name)}/"


def tags() -> str:
    return "tags/"


def archive() -> str:
    return "archive/"


def cascade(cycle_id: str) -> str:
    return f"cascade/{cycle_id}/"


def insights(cycle_id: str) -> str:
    return f"insights/{cycle_id}/"


def this_week() -> str:
    return "this-week/"


def search() -> str:
    return "search/"


def feed(cycle_id: str | None = None) -> str:
    return f"{cycle_id}/feed.xml" if cycle_id else "feed.xml"


def owner_feed(owner_id: str) -> str:
    return owner(owner_id) + "feed.xml"


def data(name: str, cycle_id: str | None = None) -> str:
    """okrs.json / okrs.csv of the whole site, or of one cycle."""
    return f"{cycle_id}/{name}" if cycle_id else name


def asset(name: str) -> str:
    return f"assets/{name}"


def output_path(url: str) -> str:
    """The file a URL is written to: directories get index.html."""
    if url == "" or url.endswith("/"):
        return url + "index.html"
    return url


def relative(from_url: str, to_url: str) -> str:
    """A link from the page at `from_url` to `to_url` (both site-root relative)."""
    target, hashmark, anchor = to_url.partition("#")
    if target == from_url and hashmark:
        return "#" + anchor
    return _relative_path(_folder(from_url), target) + hashmark + anchor


def _folder(url: str) -> str:
    """The folder a page is written in: "a/b/" for "a/b/" and for "a/b/c.html"."""
    return url if url == "" or url.endswith("/") else url.rsplit("/", 1)[0] + "/" if "/" in url else ""


@lru_cache(maxsize=1 << 16)
def _relative_path(folder: str, target: str) -> str:
    from_parts = folder.split("/")[:-1]
    to_parts = target.split("/")
    common = 0
    while (common < len(from_parts) and common < len(to_parts) - 1
           and from_parts[common] == to_parts[common]):
        common += 1
    link = "../" * (len(from_parts) - common) + "/".join(to_parts[common:])
    return quote(link or "./", safe=_SAFE)


_SAFE = "/#:.-_~!$&'()*+,;=@%"
