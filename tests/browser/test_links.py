"""No broken link, anchor or asset anywhere in the built sites, and every page reachable."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from .crawl import Page, css_refs, read_site, resolve
from .sites import BuiltSite

pytestmark = pytest.mark.browser


def broken_refs(out: Path, pages: dict[str, Page], base_url: str = "/") -> list[str]:
    """Every href/src/srcset/url() of the site that does not lead to a file (and, with a
    #fragment, to an element with that id)."""
    problems = []
    refs = [(path, f"{where}={ref!r}", ref) for path, page in pages.items() for where, ref in page.refs]
    refs += [(sheet, f"url({ref})", ref) for sheet, ref in css_refs(out)]
    for source, what, ref in refs:
        target = resolve(source, ref, base_url)
        if target.file is None:
            continue  # leaves the site (https:, mailto:...): not ours to check offline
        if target.file.startswith("..") or not (out / target.file).is_file():
            problems.append(f"{source}: {what} leads to a missing file {target.file}")
        elif target.anchor and target.file in pages and target.anchor not in pages[target.file].ids:
            problems.append(f"{source}: {what} leads to no element #{target.anchor}")
    return problems


def unreachable(pages: dict[str, Page]) -> set[str]:
    """Pages a reader cannot reach by following links from the home page."""
    seen, queue = {"index.html"}, deque(["index.html"])
    while queue:
        page = pages[queue.popleft()]
        for _, ref in page.refs:
            target = resolve(page.path, ref).file
            if target in pages and target not in seen:
                seen.add(target)
                queue.append(target)
    return set(pages) - seen - {"404.html"}


@pytest.mark.parametrize("name", ["demo", "fixture_site", "subpath_site"])
def test_every_link_anchor_and_asset_resolves(name: str, request: pytest.FixtureRequest) -> None:
    built: BuiltSite = request.getfixturevalue(name)
    pages = read_site(built.out)
    assert len(pages) > 20
    base = "/okrs/" if name == "subpath_site" else "/"
    problems = broken_refs(built.out, pages, base)
    assert not problems, f"{len(problems)} broken references:\n" + "\n".join(problems[:40])


def test_every_page_is_linked_from_the_site(demo: BuiltSite, fixture_site: BuiltSite) -> None:
    for built in (demo, fixture_site):
        orphans = unreachable(read_site(built.out))
        assert not orphans, f"{built.out}: no link leads to {sorted(orphans)}"


def test_only_the_404_page_links_from_the_root(demo: BuiltSite) -> None:
    """Pages link relatively (so a site works under any sub-path and from disk); only 404.html,
    served at any depth, links from base_url."""
    absolute = [f"{path}: {ref}" for path, page in read_site(demo.out).items() if path != "404.html"
                for _, ref in page.refs if ref.startswith("/")]
    assert not absolute, "\n".join(absolute[:20])
