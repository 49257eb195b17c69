"""Accessibility: axe-core on every page type in light and dark, and the keyboard: a skip
link first, a visible focus everywhere, every control reachable with Tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from okrsite.render import urls

from .colours import contrast
from .sites import BuiltSite

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PAGE_TYPES = ["home", "cycle", "cycle-ended", "objective", "objective-ended", "owner-cycle",
              "owner", "owners", "archive", "tags", "tag", "cascade", "404", "this-week", "insights"]


@pytest.fixture
def axe_page(open_context: Callable[..., BrowserContext], axe_source: str) -> Page:
    """A page that has axe-core on every document it loads."""
    context = open_context()
    context.add_init_script(script=axe_source)
    return context.new_page()


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as shown now, one readable entry per rule."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} elements]\n" + "\n".join(
            f"    {node['target']}: {node['html'][:160]}\n      {node['failureSummary']}"
            for node in v["nodes"][:4])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_axe_finds_no_violation_in_light_and_dark(kind: str, axe_page: Page, demo: BuiltSite,
                                                  demo_pages: dict[str, str]) -> None:
    if kind not in demo_pages:
        pytest.skip(f"the demo has no {kind} page")
    page = axe_page
    page.goto(demo.at(demo_pages[kind]))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"({scheme}) {p}" for p in axe_violations(page)]
    assert not problems, f"/{demo_pages[kind]}:\n" + "\n".join(problems)


def test_axe_on_the_fixture_site_and_a_filtered_cycle(axe_page: Page, fixture_site: BuiltSite
                                                      ) -> None:
    """Edge cases of the fixture site: escaped titles, a cancelled objective, a KR at 130%,
    a closed cycle; and the cycle page with its filters emptying the list."""
    page = axe_page
    for url in ["2026-Q4/platform/reliability/", "2026-Q4/sales/old/", "2026-Q3/", "tags/q4/"]:
        page.goto(fixture_site.at(url))
        problems = axe_violations(page)
        assert not problems, f"{url}:\n" + "\n".join(problems)
    page.goto(fixture_site.at(urls.cycle("2026-Q4")) + "#owner=sales&tag=reliability")
    expect(page.locator("[data-filter-none]")).to_be_visible()
    problems = axe_violations(page)
    assert not problems, "filtered cycle page:\n" + "\n".join(problems)


SVG_TEXT = """() => {
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const colour = getComputedStyle(e).backgroundColor;
      if (e instanceof HTMLElement && colour !== 'rgba(0, 0, 0, 0)') return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  return Array.from(document.querySelectorAll('svg text')).filter(t => t.getClientRects().length)
    .map(t => {
      const box = t.closest('.node') && t.closest('.node').querySelector('.node-box');
      const style = getComputedStyle(t);
      return {text: t.textContent.slice(0, 40), cls: t.getAttribute('class'), fill: style.fill,
              behind: box ? getComputedStyle(box).fill : background(t.closest('svg')),
              large: parseFloat(style.fontSize) >= 24 ||
                     (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700)};
    });
}"""


@pytest.mark.parametrize("kind", ["objective", "owner", "cascade"])
def test_chart_and_graph_text_has_contrast(kind: str, page: Page, demo: BuiltSite,
                                           demo_pages: dict[str, str]) -> None:
    """axe-core leaves SVG text alone: the charts' and graphs' labels against what is behind
    them (the page, or a graph node's box), in light and dark."""
    page.goto(demo.at(demo_pages[kind]))
    faint = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        texts = page.evaluate(SVG_TEXT)
        assert texts, f"no SVG text on the {kind} page"
        faint += [f"({scheme}) {t['cls']} {t['text']!r}: {t['fill']} on {t['behind']}"
                  for t in texts if contrast(t["fill"], t["behind"]) < (3 if t["large"] else 4.5)]
    assert not faint, "\n".join(faint[:20])


FOCUSABLE = """() => {
  const found = Array.from(document.querySelectorAll(
      'a[href], button, select, input, textarea, summary, [tabindex]')).filter(el => {
    const tabindex = el.getAttribute('tabindex');
    if (el.disabled || (tabindex !== null && Number(tabindex) < 0) || el.closest('[inert]')) return false;
    return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  });
  found.forEach((el, i) => el.setAttribute('data-focus-test', String(i)));
  return found.map(el => el.outerHTML.slice(0, 100));
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.closest('svg') && el.querySelector('.node-box');
  return {key: el.getAttribute('data-focus-test'), html: el.outerHTML.slice(0, 100),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
          stroke: box ? parseFloat(getComputedStyle(box).strokeWidth) : 0};
}"""


def tab_through(page: Page, limit: int) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until focus leaves the page or comes round again."""
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is None or (stops and now["key"] == stops[0]["key"]):
            break
        stops.append(now)
    return stops


def focus_visible(stop: dict[str, Any]) -> bool:
    """An outline, or for a node of an alignment graph its thicker border."""
    return (stop["outline"] != "none" and stop["width"] > 0) or stop["stroke"] >= 2


@pytest.mark.parametrize("kind", ["home", "cycle", "objective", "cascade"])
def test_every_control_is_reachable_with_tab_and_shows_focus(kind: str, page: Page, demo: BuiltSite,
                                                             demo_pages: dict[str, str]) -> None:
    page.goto(demo.at(demo_pages[kind]))
    focusable = page.evaluate(FOCUSABLE)
    assert len(focusable) > 5, focusable
    stops = tab_through(page, len(focusable) + 5)
    assert stops and "skip-link" in stops[0]["html"], stops[:1]
    strays = [s["html"] for s in stops if s["key"] is None]
    assert not strays, f"Tab stops on elements that are not visible: {strays[:5]}"
    reached = {int(s["key"]) for s in stops}
    unreached = [html for i, html in enumerate(focusable) if i not in reached]
    assert not unreached, f"{len(unreached)} controls Tab never reaches: {unreached[:5]}"
    hidden_focus = [s["html"] for s in stops if not focus_visible(s)]
    assert not hidden_focus, f"focus is not visible on: {hidden_focus[:5]}"


def test_skip_link_comes_first_and_moves_focus_to_the_content(page: Page, demo: BuiltSite,
                                                              demo_pages: dict[str, str]) -> None:
    page.goto(demo.at(demo_pages["objective"]))
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "the skip link stays off screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), \
        "after the skip link, Tab should continue inside the content"


def test_graph_pans_and_zooms_from_the_keyboard(page: Page, demo: BuiltSite,
                                                demo_pages: dict[str, str]) -> None:
    page.goto(demo.at(demo_pages["cascade"]))
    graph = page.locator("svg.cascade").first
    graph.focus()
    before = graph.get_attribute("viewBox")
    graph.press("+")
    zoomed = graph.get_attribute("viewBox")
    assert zoomed != before
    assert float(zoomed.split()[2]) < float(before.split()[2])  # type: ignore[union-attr]
    graph.press("ArrowRight")
    assert graph.get_attribute("viewBox") != zoomed
    graph.press("0")
    reset = [float(n) for n in (graph.get_attribute("viewBox") or "").split()]
    assert reset == pytest.approx([float(n) for n in before.split()], abs=0.1)  # type: ignore[union-attr]
    toolbar = page.locator(".cascade-toolbar button")
    assert toolbar.count() == 3
    for name in ("Zoom in", "Zoom out", "Reset view"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
