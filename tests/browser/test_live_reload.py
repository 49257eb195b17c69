"""`okrsite serve` in Chromium: a saved check-in shows in the open tab without a manual
reload, a broken file shows the errors over the last good page, and fixing it clears them.
Tabs whose page did not change are not reloaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from ..conftest import FixtureSite
from ..test_serve import BROKEN, CHECKIN, RELIABILITY, Served, running, wait_until
from ..test_site import FILES
from .test_accessibility import axe_violations

pytestmark = pytest.mark.browser

UNTOUCHED = "/2026-Q3/sales/close/"  # an ended cycle's objective the check-in does not reach
MARK = "() => { window.okrsiteTestMark = 'not reloaded'; }"
MARKED = "() => window.okrsiteTestMark || 'reloaded'"


@pytest.fixture
def live(site: FixtureSite) -> Iterator[Served]:
    """The fixture site under `okrsite serve` (requested before the browser context, so the
    server outlives every tab)."""
    site.write(FILES)
    with running(site.root) as (server, log):
        yield Served(server, site, log)


def test_edit_reloads_the_page_then_errors_show_then_clear(live: Served, context: BrowserContext) -> None:
    tab, other = context.new_page(), context.new_page()
    tab.goto(live.server.url + RELIABILITY.lstrip("/"))
    other.goto(live.server.url + UNTOUCHED.lstrip("/"))
    uptime = tab.locator("#kr-uptime")
    expect(uptime).to_contain_text("99.81")
    for page in (tab, other):
        page.evaluate(MARK)
        expect(page.locator("html")).to_have_attribute("lang", "en")
    wait_until(lambda: live.server.events.clients == 2, "both tabs to listen")

    live.edit(CHECKIN, "uptime: 99.81", "uptime: 99.87")
    expect(uptime).to_contain_text("99.87")
    assert other.evaluate(MARKED) == "not reloaded"
    assert tab.evaluate(MARKED) == "reloaded"

    tab.evaluate(MARK)
    live.change(lambda: (live.site.root / CHECKIN).write_text(BROKEN))
    for page in (tab, other):
        overlay = page.get_by_role("alertdialog", name="The site did not build: 1 error")
        expect(overlay).to_be_visible()
        expect(overlay).to_contain_text(f"{CHECKIN}:2:")
        expect(overlay.get_by_role("button", name="Close")).to_be_visible()
    expect(uptime).to_contain_text("99.87")  # the last good page, under the overlay
    assert tab.evaluate(MARKED) == "not reloaded"

    live.write({CHECKIN: FILES[CHECKIN].replace("99.81", "99.9")})
    expect(tab.get_by_role("alertdialog")).to_have_count(0)
    expect(uptime).to_contain_text("99.9")
    expect(other.get_by_role("alertdialog")).to_have_count(0)
    assert other.evaluate(MARKED) == "not reloaded"
    tab.close()
    other.close()


def test_overlay_is_text_accessible_closes_with_escape_and_shows_in_new_tabs(
        live: Served, open_context: Callable[..., BrowserContext], axe_source: str) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    live.change(lambda: (live.site.root / CHECKIN).write_text(f"---\nupdates: [{hostile}\n---\n"))
    context = open_context()
    context.add_init_script(script=axe_source)
    tab: Page = context.new_page()
    tab.goto(live.server.url + RELIABILITY.lstrip("/"))  # opened while the build is broken
    overlay = tab.get_by_role("alertdialog")
    expect(overlay).to_be_visible()
    expect(overlay).to_be_focused()
    assert tab.locator(".okrsite-overlay img").count() == 0
    for scheme in ("light", "dark"):
        tab.emulate_media(color_scheme=scheme)
        problems = axe_violations(tab)
        assert not problems, f"({scheme}) " + "\n".join(problems)
    tab.keyboard.press("Escape")
    expect(overlay).to_have_count(0)
    tab.keyboard.press("Tab")  # the page is usable from the keyboard again
    assert tab.evaluate("() => document.activeElement && document.activeElement.tagName") == "A"
    tab.close()


def test_the_open_page_is_published_first_and_reloads_once(live: Served, context: BrowserContext) -> None:
    """The tab says which page it shows; the next build publishes that page before the rest of
    the site, the tab reloads then, and not again when the build ends (same page)."""
    tab = context.new_page()
    tab.goto(live.server.url + RELIABILITY.lstrip("/"))
    wait_until(lambda: RELIABILITY in live.server.live.open, "the tab to listen")
    loads: list[str] = []
    tab.on("load", lambda page: loads.append(page.url))

    live.edit(CHECKIN, "uptime: 99.81", "uptime: 99.85")
    expect(tab.locator("#kr-uptime")).to_contain_text("99.85")
    assert " first " in live.log[-1], live.log[-1]  # the build published it first
    wait_until(lambda: bool(loads), "the reload")
    tab.wait_for_timeout(1000)  # time for a second reload, were one coming
    assert len(loads) == 1, loads
    tab.close()
