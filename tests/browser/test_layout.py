"""Responsive and printable: a 360 px phone without sideways scrolling, dark mode from
prefers-color-scheme, and a print stylesheet fit for a quarterly review."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .colours import contrast, luminance
from .sites import BuiltSite

pytestmark = pytest.mark.browser

LIST_PAGES = ["home", "cycle", "cycle-ended", "archive", "owners", "tags", "tag", "owner",
              "owner-cycle"]
OVERFLOW = """() => ({
  scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  culprits: Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
})"""


def overflow(page: Page) -> str | None:
    """What sticks out to the right of the viewport, if the page scrolls sideways."""
    found = page.evaluate(OVERFLOW)
    if found["scroll"] <= found["width"]:
        return None
    return f"{found['scroll']}px wide in {found['width']}px: {found['culprits']}"


def test_list_pages_fit_a_360px_phone(open_context: Callable[..., BrowserContext], demo: BuiltSite,
                                      demo_pages: dict[str, str]) -> None:
    page = open_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                        has_touch=True).new_page()
    wide = {}
    for kind in [k for k in LIST_PAGES + ["objective", "cascade", "this-week", "insights"] if k in demo_pages]:
        page.goto(demo.at(demo_pages[kind]))
        problem = overflow(page)
        if problem:
            wide[demo_pages[kind] or "/"] = problem
    assert not wide, "pages scroll sideways at 360px:\n" + "\n".join(f"{k}: {v}" for k, v in wide.items())


COLOURS = """() => {
  const css = (sel, prop) => { const el = document.querySelector(sel);
                               return el ? getComputedStyle(el)[prop] : null; };
  return {bg: css('body', 'backgroundColor'), fg: css('body', 'color'),
          card: css('.kr', 'backgroundColor'), chart: css('svg.chart text', 'fill'),
          node: css('svg.cascade .node-title', 'fill'), nodeBox: css('svg.cascade .node-box', 'fill')};
}"""


def test_dark_mode_follows_the_system(open_context: Callable[..., BrowserContext], demo: BuiltSite,
                                      demo_pages: dict[str, str]) -> None:
    light = open_context(color_scheme="light").new_page()
    dark = open_context(color_scheme="dark").new_page()
    for page in (light, dark):
        page.goto(demo.at(demo_pages["objective"]))
    day, night = light.evaluate(COLOURS), dark.evaluate(COLOURS)
    assert luminance(day["bg"]) > 0.8 and luminance(night["bg"]) < 0.05
    for colours in (day, night):
        assert contrast(colours["fg"], colours["bg"]) >= 7
        # charts and graphs are drawn in the page's colours, not fixed ones
        assert contrast(colours["chart"], colours["card"]) >= 4.5
        assert contrast(colours["node"], colours["nodeBox"]) >= 4.5


def test_print_keeps_the_review_and_drops_the_controls(page: Page, demo: BuiltSite,
                                                       demo_pages: dict[str, str],
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    cycle_id = demo_pages["cycle"].rstrip("/")
    page.goto(demo.at(demo_pages["cycle"]))
    expect(page.locator("form[data-filter-form]")).to_be_visible()
    page.emulate_media(media="print")
    for selector in (".site-nav", ".skip-link", "form[data-filter-form]"):
        expect(page.locator(selector)).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(".overview [role=progressbar]")).to_be_visible()
    expect(page.locator(".site-footer")).to_be_visible()  # it dates the figures
    expect(page.locator(".site-footer")).to_contain_text("Scores as of")
    objectives = sum(1 for _ in demo.site.objectives_in(cycle_id))
    expect(page.locator(".okr-item")).to_have_count(objectives)
    for index in range(objectives):
        expect(page.locator(".okr-item").nth(index)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.okr-item')).breakInside") == "avoid"
    # status colours survive printing (browsers drop backgrounds unless told otherwise)
    assert page.evaluate("getComputedStyle(document.querySelector('.badge')).printColorAdjust") == "exact"

    page.set_viewport_size({"width": 700, "height": 1000})  # about A4 between its margins
    assert overflow(page) is None

    pdf = page.pdf(format="A4", print_background=True, margin={"top": "12mm", "bottom": "12mm",
                                                                "left": "12mm", "right": "12mm"})
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= objectives, f"{pages} pages for {objectives} objectives"
    (tmp_path_factory.getbasetemp() / "cycle.pdf").write_bytes(pdf)  # to look at when it fails


def test_paper_stays_light_in_dark_mode(open_context: Callable[..., BrowserContext], demo: BuiltSite,
                                        demo_pages: dict[str, str]) -> None:
    page = open_context(color_scheme="dark").new_page()
    page.goto(demo.at(demo_pages["cycle"]))
    page.emulate_media(media="print")
    colours = page.evaluate("""() => Array.from(document.querySelectorAll('body, .badge, .count'))
        .map(el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor])""")
    body = colours[0]
    assert luminance(body[0]) < 0.05 and luminance(body[1]) > 0.9, body
    for colour, background in colours[1:]:
        assert luminance(background) > 0.5 and contrast(colour, background) >= 4.5, (colour, background)


def test_print_shows_graphs_whole_and_drops_their_controls(page: Page, demo: BuiltSite,
                                                           demo_pages: dict[str, str]) -> None:
    for kind in ("objective", "cascade"):
        served = (demo.out / demo_pages[kind] / "index.html").read_text(encoding="utf-8")
        drawing = re.search(r'<svg[^>]*class="cascade[^>]*viewBox="([^"]+)"', served)
        assert drawing, kind
        page.goto(demo.at(demo_pages[kind]))
        page.emulate_media(media="print")
        for control in page.locator(".cascade-toolbar, .cascade-controls").all():
            expect(control).to_be_hidden()
        graph = page.locator("svg.cascade").first
        expect(graph).to_be_visible()
        assert graph.get_attribute("viewBox") == drawing.group(1), \
            f"{kind}: the printed graph is cut to the part shown on screen"
        page.emulate_media(media="screen")
