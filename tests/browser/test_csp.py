"""The default theme's Content-Security-Policy, in Chromium: every page of a site whose content
carries script, HTML, SVG and CSS payloads in every text field (tests/hostile.py) loads without
a single violation and runs none of them; and were an escaping slip to let markup through, the
policy alone would stop it from running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from okrsite.render.renderer import CSP

from ..conftest import TODAY, FixtureSite
from ..hostile import PWNED, payload_site
from .conftest import Console
from .server import serve
from .sites import BuiltSite, build

pytestmark = pytest.mark.browser

# Installed before any script of the page: records every violation the page reports.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"}: ${(e.sample || "").slice(0, 80)}`));
"""
KINDS = {"home", "cycle", "objective", "owner-cycle", "owner", "owners", "archive", "tags", "tag",
         "cascade", "this-week", "insights", "404"}


@pytest.fixture(scope="module", params=[False, True], ids=["free-text-owners", "org-chart"])
def hostile_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[BuiltSite]:
    """The payload site, built and served."""
    root = tmp_path_factory.mktemp("hostile") / "site"
    FixtureSite(root).write(payload_site(org=request.param))
    out = root.parent / "public"
    checked = build(root, out, today=TODAY)
    with serve(out, out / "404.html") as url:
        yield BuiltSite(checked, root, out, url)


@pytest.fixture
def watched(context: BrowserContext) -> BrowserContext:
    context.add_init_script(WATCH)
    return context


def pages_of(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                  if not p.relative_to(out).as_posix().startswith("pagefind/"))


def visit(page: Page, address: str) -> tuple[list[str], object]:
    """Load `address`, let its scripts run; the violations it reported and window.__pwned."""
    page.goto(address, wait_until="load")
    page.wait_for_timeout(50)  # violation events are dispatched asynchronously
    return page.evaluate("window.__violations"), page.evaluate("window.__pwned")


def test_no_page_breaks_its_policy_and_no_payload_runs(hostile_site: BuiltSite, watched: BrowserContext) -> None:
    page = watched.new_page()
    kinds, problems = set(), []
    for path in pages_of(hostile_site.out):
        address = hostile_site.at(path.removesuffix("index.html"))
        violations, pwned = visit(page, address)
        problems += [f"{path}: {v}" for v in violations]
        if pwned is not None:
            problems.append(f"{path}: a payload ran (window.__pwned = {pwned!r})")
        kinds.add(page.evaluate("document.body.className").removeprefix("page-"))
        meta = page.locator('meta[http-equiv="Content-Security-Policy"]')
        assert meta.count() == 1, path
    assert problems == []
    assert KINDS <= kinds, f"page kinds not visited: {sorted(KINDS - kinds)}"


def test_the_policy_alone_stops_markup_that_slipped_through(
        hostile_site: BuiltSite, watched: BrowserContext, console: Console) -> None:
    """An objective page with a payload pasted in unescaped (as a bug in a template might):
    inline script, an event handler, a javascript: link and an inline style all stay dead."""
    source = hostile_site.out / "2026-Q4/team/grow/index.html"
    slipped = source.with_name("slipped.html")
    html = source.read_text(encoding="utf-8")
    slipped.write_text(html.replace("<main", (
        f'<script>{PWNED}</script><img src="x" onerror="{PWNED}">'
        f'<a id="slip" href="javascript:{PWNED}">slip</a><p id="styled" style="color: rgb(255, 0, 0)">x</p><main'
    ), 1), encoding="utf-8")
    address = hostile_site.at("2026-Q4/team/grow/slipped.html")
    console.allow("Content Security Policy", address)
    console.allow("404", hostile_site.at("2026-Q4/team/grow/x"))
    page = watched.new_page()
    _, pwned = visit(page, address)
    page.locator("#slip").click()
    page.wait_for_timeout(50)
    assert pwned is None and page.evaluate("window.__pwned") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    assert page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content") == CSP
    blocked = " ".join(page.evaluate("window.__violations"))
    for directive in ("script-src", "style-src"):
        assert directive in blocked, blocked
