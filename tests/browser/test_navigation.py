"""What a reader sees and can do in Chromium: navigation, breadcrumbs, figures against the
model, the cycle filters, the alignment graphs, the 404 page, a sub-path site and one opened
from disk. Every test also fails on a JavaScript error (see conftest.Console)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from okrsite.render import urls
from okrsite.render.markdown import Markdown

from .conftest import Console
from .sites import BuiltSite

pytestmark = pytest.mark.browser

plain = Markdown().plain
# The address an HTML or SVG link leads to (an SVG link's href is not a string).
ADDRESS = "a => new URL(a.getAttribute('href'), location.href).href"


def link_to(page: Page, address: str, within: str = "") -> Locator:
    """The first link (inside the `within` selector) that leads to `address`."""
    selector = f"{within} a[href]".strip()
    index = page.evaluate(
        f"([sel, to]) => Array.from(document.querySelectorAll(sel)).map({ADDRESS})"
        ".findIndex(href => href.split('#')[0] === to)", [selector, address])
    assert index >= 0, f"no link to {address} in {selector} of {page.url}"
    return page.locator(selector).nth(index)


def heading(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def test_reader_goes_home_cycle_objective_owner_archive_and_back(page: Page, demo: BuiltSite,
                                                                 demo_pages: dict[str, str]) -> None:
    site = demo.site
    cycle_id = demo_pages["cycle"].rstrip("/")
    cycle = site.cycles[cycle_id]
    page.goto(demo.at(""))
    nav = page.get_by_role("navigation", name="Site")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name=cycle.title).click()
    expect(page).to_have_url(demo.at(urls.cycle(cycle_id)))
    assert heading(page) == cycle.title
    expect(nav.get_by_role("link", name=cycle.title)).to_have_attribute("aria-current", "page")

    objective = site.objectives[demo_pages["objective"].rstrip("/")]
    link_to(page, demo.at(urls.objective(objective.id)), ".okr-title").click()
    expect(page).to_have_url(demo.at(urls.objective(objective.id)))
    assert heading(page) == plain(objective.title)

    page.locator(".facts").get_by_role("link", name=site.org.name(objective.owner)).click()
    expect(page).to_have_url(demo.at(urls.owner_in_cycle(cycle_id, objective.owner)))
    page.get_by_role("link", name="All cycles").click()
    expect(page).to_have_url(demo.at(urls.owner(objective.owner)))
    assert heading(page) == site.org.name(objective.owner)

    nav.get_by_role("link", name="Archive").click()
    expect(page).to_have_url(demo.at(urls.archive()))
    first = next(iter(site.cycles.values()))
    page.locator("table.archive").get_by_role("link", name=first.title, exact=True).click()
    expect(page).to_have_url(demo.at(urls.cycle(first.id)))
    assert heading(page) == first.title

    page.go_back()
    expect(page).to_have_url(demo.at(urls.archive()))
    page.go_back()
    expect(page).to_have_url(demo.at(urls.owner(objective.owner)))
    page.locator(".brand").click()
    expect(page).to_have_url(demo.at(""))


def test_breadcrumbs_climb_the_alignment(page: Page, demo: BuiltSite, demo_pages: dict[str, str]) -> None:
    objective_id = demo_pages["objective"].rstrip("/")
    chain = list(reversed(demo.site.ancestors(objective_id)))
    assert chain, "the chosen objective should be aligned to another"
    page.goto(demo.at(urls.objective(objective_id)))
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    hrefs = crumbs.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [demo.at(urls.objective(o)) for o in chain]
    expect(crumbs.locator("[aria-current=page]")).to_have_text(plain(demo.site.objectives[objective_id].title))
    crumbs.locator("a").first.click()
    expect(page).to_have_url(demo.at(urls.objective(chain[0])))
    assert heading(page) == plain(demo.site.objectives[chain[0]].title)


def bars(page: Page, selector: str) -> list[dict[str, str | None]]:
    """Each element of `selector`: its first link and its first progress bar's value."""
    return page.evaluate(
        """sel => Array.from(document.querySelectorAll(sel)).map(el => {
             const a = el.querySelector('a[href]'), bar = el.querySelector('[role=progressbar]');
             return {id: el.id, href: a ? a.href : null,
                     now: bar ? bar.getAttribute('aria-valuenow') : null};
           })""", selector)


def percent(value: float | None) -> str | None:
    return None if value is None else str(round(value * 100))


@pytest.mark.parametrize("name", ["demo", "fixture_site"])
def test_progress_bars_show_the_model(name: str, request: pytest.FixtureRequest, page: Page) -> None:
    built: BuiltSite = request.getfixturevalue(name)
    scores = built.scores
    running = [c for c in built.site.cycles.values() if c.phase(built.today) == "running"]
    cycle = running[-1]
    page.goto(built.at(urls.cycle(cycle.id)))
    overall = page.locator(".overview [role=progressbar]")
    assert overall.get_attribute("aria-valuenow") == percent(scores.cycles[cycle.id].progress)
    items = bars(page, ".okr-item")
    assert len(items) == sum(1 for _ in built.site.objectives_in(cycle.id))
    for item in items:
        objective_id = built.path_of(item["href"] or "").rstrip("/")
        score = scores.objectives[objective_id]
        if score.status.value != "cancelled" and score.progress is not None:
            assert item["now"] == percent(score.progress), objective_id

    richest = max(built.site.objectives_in(cycle.id), key=lambda o: len(o.key_results))
    page.goto(built.at(urls.objective(richest.id)))
    overall = page.locator(".panel [role=progressbar]")
    assert overall.get_attribute("aria-valuenow") == percent(scores.objectives[richest.id].progress)
    shown = {item["id"]: item["now"] for item in bars(page, ".kr")}
    assert shown == {f"kr-{kr.id}": percent(scores.kr(richest.id, kr.id).progress)
                     for kr in richest.key_results}


def shown_count(page: Page) -> int:
    return page.locator(".okr-item:not([data-filtered-out])").count()


def test_cycle_filters_hide_count_and_keep_the_hash(page: Page, fixture_site: BuiltSite) -> None:
    site, scores = fixture_site.site, fixture_site.scores
    cycle_id = "2026-Q4"
    mine = list(site.objectives_in(cycle_id))
    address = fixture_site.at(urls.cycle(cycle_id))
    page.goto(address)
    form = page.locator("form[data-filter-form]")
    expect(form).to_be_visible()
    count = form.locator("[data-filter-count]")
    expect(count).to_have_text(f"{len(mine)} of {len(mine)} objectives shown")

    status = scores.objectives["2026-Q4/platform/reliability"].status.value
    with_status = [o for o in mine if scores.objectives[o.id].status.value == status]
    form.get_by_label("Status").select_option(status)
    expect(count).to_have_text(f"{len(with_status)} of {len(mine)} objectives shown")
    assert shown_count(page) == len(with_status)
    expect(page.locator(".okr-item[data-filtered-out]").first).to_be_hidden()
    assert page.evaluate("location.hash") == f"#status={status}"

    form.get_by_label("Status").select_option("")
    form.get_by_label("Owner").select_option("platform")
    form.get_by_label("Tag").select_option("q4")
    both = [o for o in mine if o.owner == "platform" and "q4" in o.tags]
    expect(count).to_have_text(f"{len(both)} of {len(mine)} objectives shown")
    # a group with nothing left disappears with its heading
    expect(page.locator("[data-group]", has_text="Sales")).to_be_hidden()
    assert page.evaluate("location.hash") == "#owner=platform&tag=q4"

    page.reload()  # the hash brings the same filters back
    expect(form.get_by_label("Owner")).to_have_value("platform")
    expect(form.get_by_label("Tag")).to_have_value("q4")
    expect(count).to_have_text(f"{len(both)} of {len(mine)} objectives shown")

    form.get_by_label("Owner").select_option("sales")
    expect(form.locator("[data-filter-none]")).to_be_visible()
    assert shown_count(page) == 0

    form.get_by_role("button", name="Show all").click()
    expect(count).to_have_text(f"{len(mine)} of {len(mine)} objectives shown")
    assert shown_count(page) == len(mine)
    assert page.evaluate("location.hash") == ""
    page.goto("about:blank")  # a shared link, opened afresh; unknown values are ignored
    page.goto(address + "#status=no-such-status&owner=platform")
    expect(form.get_by_label("Status")).to_have_value("")
    expect(form.get_by_label("Owner")).to_have_value("platform")


def test_cascade_graph_links_every_objective(page: Page, demo: BuiltSite,
                                             demo_pages: dict[str, str]) -> None:
    cycle_id = demo_pages["cycle"].rstrip("/")
    page.goto(demo.at(urls.cascade(cycle_id)))
    nodes = page.locator("svg.cascade a.node")
    hrefs = nodes.evaluate_all(f"links => links.map({ADDRESS})")
    targets = set(hrefs)
    assert targets == {demo.at(urls.objective(o.id)) for o in demo.site.objectives_in(cycle_id)}

    # the outline lists the same objectives as plain links
    outline = set(page.locator(".outline a").evaluate_all("links => links.map(a => a.href)"))
    assert outline == targets

    # the branch filter dims what is outside the branch and takes it out of the tab order
    select = page.locator("select[data-cascade-filter]")
    expect(select).to_be_visible()
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    select.select_option(options[-1])
    assert page.locator("svg.cascade a.node.is-dimmed").count() > 0
    expect(page.locator("svg.cascade a.node.is-dimmed").first).to_have_attribute("tabindex", "-1")
    select.select_option("")
    assert page.locator("svg.cascade .is-dimmed").count() == 0

    # a node followed from the keyboard
    last = nodes.last
    last.focus()
    last.press("Enter")
    expect(page).to_have_url(hrefs[-1])


def test_small_alignment_graph_leads_to_the_parent(page: Page, demo: BuiltSite,
                                                    demo_pages: dict[str, str]) -> None:
    objective_id = demo_pages["objective"].rstrip("/")
    parent = demo.site.objectives[objective_id].parents[0].objective
    page.goto(demo.at(urls.objective(objective_id)))
    graph = page.locator(".neighbourhood svg.cascade")
    expect(graph).to_be_visible()
    expect(graph.locator(".node-current")).to_have_count(1)
    graph.locator(f'a.node[data-node="{parent}"]').click()
    expect(page).to_have_url(demo.at(urls.objective(parent)))


def unloaded_stylesheets(page: Page) -> list[str]:
    """The stylesheets of the page that did not load."""
    # A file:// page may not read its sheets' rules; that they exist is enough there.
    return page.evaluate("""() => Array.from(document.querySelectorAll('link[rel=stylesheet]'))
        .filter(l => {
          if (!l.sheet) return true;
          try { return l.sheet.cssRules.length === 0; } catch (e) { return false; }
        }).map(l => l.href)""")


@pytest.mark.parametrize("name", ["demo", "subpath_site"])
def test_404_page_is_styled_at_any_depth(name: str, request: pytest.FixtureRequest, page: Page,
                                         console: Console) -> None:
    built: BuiltSite = request.getfixturevalue(name)
    missing = built.at("no/such/page/deep/")
    console.allow("404", missing)
    response = page.goto(missing)
    assert response is not None and response.status == 404
    assert heading(page) == "Page not found"
    assert unloaded_stylesheets(page) == []
    for href in page.locator("link[rel=stylesheet], link[rel=icon], script[src]").evaluate_all(
            "els => els.map(e => e.href || e.src)"):
        assert href.startswith(built.url + "assets/"), href
    page.get_by_role("link", name="Go to the overview").click()
    expect(page).to_have_url(built.at(""))


def test_site_under_a_sub_path(page: Page, subpath_site: BuiltSite) -> None:
    site = subpath_site
    page.goto(site.at(""))
    assert unloaded_stylesheets(page) == []
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Q4 2026").click()
    expect(page).to_have_url(site.at("2026-Q4/"))
    link_to(page, site.at("2026-Q4/platform/reliability/"), ".okr-title").click()
    expect(page).to_have_url(site.at("2026-Q4/platform/reliability/"))
    assert heading(page) == "Make the platform boringly reliable"
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Archive").click()
    expect(page).to_have_url(site.at("archive/"))


def test_site_opened_from_disk(page: Page, demo: BuiltSite, demo_pages: dict[str, str]) -> None:
    """site.js points directory links at index.html when the site is opened from a file."""
    home = (demo.out / "index.html").as_uri()
    page.goto(home)
    assert unloaded_stylesheets(page) == []
    cycle_id = demo_pages["cycle"].rstrip("/")
    page.get_by_role("navigation", name="Site").get_by_role(
        "link", name=demo.site.cycles[cycle_id].title).click()
    expect(page).to_have_url((demo.out / cycle_id / "index.html").as_uri())
    objective_id = demo_pages["objective"].rstrip("/")
    on_disk = (demo.out / objective_id / "index.html").as_uri()
    link_to(page, on_disk, ".okr-title").click()  # the script made it point at index.html
    expect(page).to_have_url(on_disk)
    assert heading(page) == plain(demo.site.objectives[objective_id].title)
    assert unloaded_stylesheets(page) == []


def test_every_page_type_loads_its_assets(page: Page, demo: BuiltSite, demo_pages: dict[str, str]) -> None:
    """Stylesheets, scripts and images load on every kind of page, with no console error;
    and every page that runs more than the basic script (cycles and their cascades)."""
    scripted = [u for c in demo.site.cycles for u in (urls.cycle(c), urls.cascade(c))]
    for url in dict.fromkeys([*demo_pages.values(), *scripted]):
        response = page.goto(demo.at(url))
        assert response is not None and response.ok, url
        assert unloaded_stylesheets(page) == [], url
        broken = page.evaluate("() => Array.from(document.images).filter(i => !i.complete || "
                               "!i.naturalWidth).map(i => i.src)")
        assert broken == [], url


def test_pages_are_complete_without_javascript(open_context: Callable[..., BrowserContext],
                                               demo: BuiltSite, demo_pages: dict[str, str]) -> None:
    page = open_context(java_script_enabled=False).new_page()
    cycle_id = demo_pages["cycle"].rstrip("/")
    page.goto(demo.at(demo_pages["cycle"]))
    expect(page.locator("form[data-filter-form]")).to_be_hidden()  # it needs the script
    expect(page.locator(".okr-item")).to_have_count(sum(1 for _ in demo.site.objectives_in(cycle_id)))
    page.goto(demo.at(demo_pages["cascade"]))
    expect(page.locator("svg.cascade")).to_be_visible()
    expect(page.locator(".cascade-controls")).to_be_hidden()
    link_to(page, demo.at(demo_pages["objective"]), "svg.cascade").click()
    expect(page).to_have_url(demo.at(demo_pages["objective"]))
