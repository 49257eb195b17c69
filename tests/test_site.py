"""Build real sites from fixture files and check the HTML a reader gets against the model."""

from __future__ import annotations

import datetime as dt
import filecmp
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from okrsite.build import BuildError, BuildOptions, build_site
from okrsite.check import check_site
from okrsite.cli import main
from okrsite.render.i18n import Formatter

from .conftest import FixtureSite

TODAY = dt.date(2026, 11, 20)
FMT = Formatter("en")

ORG = """
    teams:
      acme: {name: Acme Inc.}
      engineering: {name: Engineering, parent: acme, lead: grace}
      platform: {name: Platform team, parent: engineering, lead: alice}
      sales: {name: Sales, parent: acme}
    people:
      grace: {name: Grace Hopper, team: engineering}
      alice: {name: Alice Andersson, team: platform}
      bob: {name: Bob Berg, team: platform}
"""

FILES = {
    "site.toml": 'title = "Acme OKRs"\n',
    "content/org.yaml": ORG,
    "content/2026-Q3/_cycle.md": """
        ---
        title: Q3 2026
        closed: true
        ---
        We learned to ship smaller.
    """,
    "content/2026-Q3/acme/grow.md": """
        ---
        title: Grow the business
        score: 0.8
        key_results:
          - {id: arr, title: ARR to 10M, start: 5, target: 10}
        ---
    """,
    "content/2026-Q3/engineering/ship.md": """
        ---
        title: Ship faster
        kind: committed
        parent: acme/grow
        score: 0.9
        retrospective: Smaller batches **worked**.
        key_results:
          - {id: deploys, title: Deploys per day from 2 to 10, start: 2, target: 10}
        ---
    """,
    "content/2026-Q3/sales/close.md": """
        ---
        title: Close deals
        parent: acme/grow#arr
        score: 0.3
        key_results:
          - {id: deals, title: Close 10 deals, start: 0, target: 10}
        ---
    """,
    "content/2026-Q4/acme/grow.md": """
        ---
        title: Grow revenue <script>alert(1)</script> with [docs](javascript:alert(2))
        tags: [revenue, q4]
        key_results:
          - id: arr
            title: Raise ARR from 10 to 20 MEUR
            start: 10
            target: 20
            unit: MEUR
          - id: platform
            title: Platform carries the load
            objective: platform/reliability
        ---
        Why: **customers** want it. <b>raw html</b> [bad](javascript:alert(3)) [good](https://example.com/x)
    """,
    "content/2026-Q4/engineering/ship-faster.md": """
        ---
        title: Ship faster
        parent: acme/grow#arr
        tags: [q4]
        changes:
          - {date: 2026-11-10, change: "Lowered the deploy target from 20 to 12", why: "holiday freeze"}
        ---
    """,
    "content/2026-Q4/platform/reliability/index.md": """
        ---
        title: Make the platform boringly reliable
        parent: engineering/ship-faster
        kind: committed
        tags: [reliability, q4]
        key_results:
          - id: uptime
            title: Raise API availability from 99.5% to 99.95%
            start: 99.5
            target: 99.95
            unit: "%"
            owner: bob
          - id: p99
            title: Cut p99 latency from 800 to 300 ms
            start: 800
            target: 300
            unit: ms
          - id: runbooks
            title: Every service has a runbook
          - id: burn
            title: Keep error budget burn under 1.0
            target: "<= 1.0"
            current: 0.8
          - id: deploys
            title: Deploys per day from 2 to 12
            start: 2
            target: 12
            weight: 2
        ---
        The platform must be **boring**.
    """,
    "content/2026-Q4/platform/reliability/2026-10-20.md": """
        ---
        author: alice
        confidence: high
        updates:
          uptime: 99.7
          p99: 700
          deploys: 8
        ---
        First week of caching.
    """,
    "content/2026-Q4/platform/reliability/2026-11-13.md": """
        ---
        author: bob
        confidence: low
        updates:
          uptime: 99.81
          p99: {value: 540, note: "cache miss storm on the 14th"}
          runbooks: {done: true}
          deploys: 15
        ---
        ## What moved
        Deploys beat the target.
    """,
    "content/2026-Q4/sales/pipeline.md": """
        ---
        title: Build pipeline
        parent: acme/grow
        tags: [revenue]
        key_results:
          - {id: leads, title: Qualified leads from 0 to 100, start: 0, target: 100}
        ---
    """,
    "content/2026-Q4/sales/checkins/2026-10-05.md": """
        ---
        author: grace
        updates:
          pipeline#leads: 5
        ---
        Slow start.
    """,
    "content/2026-Q4/alice/learn.md": """
        ---
        title: Learn Rust
        parent: platform/reliability
        key_results:
          - {id: book, title: Read the book, target: 1}
        ---
    """,
    "content/2026-Q4/bob/draft-idea.md": """
        ---
        title: A draft idea
        status: draft
        ---
    """,
    "content/2026-Q4/sales/old.md": """
        ---
        title: Dropped plan
        status: cancelled
        key_results:
          - {id: x, title: Something, start: 0, target: 5}
        ---
    """,
}


@pytest.fixture
def built(site: FixtureSite, tmp_path: Path):  # type: ignore[no-untyped-def]
    site.write(FILES)
    out = tmp_path / "public"
    result = build_site(site.root, BuildOptions(out_dir=out, today=TODAY))
    checked = check_site(site.root, today=TODAY)
    return Built(site.root, out, result, checked)


class Built:
    def __init__(self, root: Path, out: Path, result, checked):  # type: ignore[no-untyped-def]
        self.root, self.out, self.result, self.checked = root, out, result, checked
        self.site, self.scores = checked.site, checked.scores

    def html(self, url: str) -> BeautifulSoup:
        path = self.out / (url + "index.html" if url == "" or url.endswith("/") else url)
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pct(value: float) -> str:
    return FMT.percent(value)


def test_build_writes_every_page(built: Built) -> None:
    for url in ["", "archive/", "owners/", "tags/", "tags/revenue/", "2026-Q4/", "2026-Q3/",
                "2026-Q4/platform/reliability/", "2026-Q4/platform/", "owners/platform/",
                "owners/alice/", "404.html"]:
        assert (built.out / (url + "index.html" if url == "" or url.endswith("/") else url)).is_file(), url
    assert (built.out / "assets/css/site.css").is_file()
    # drafts are left out unless asked for
    assert not (built.out / "2026-Q4/bob/draft-idea/index.html").exists()
    assert built.result.pages > 20


def _bar(element) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    bar = element.select_one("[role=progressbar]")
    assert bar is not None, element
    return int(bar["aria-valuenow"]), bar.select_one(".badge").get_text(strip=True)


def test_objective_page_figures_equal_the_model(built: Built) -> None:
    oid = "2026-Q4/platform/reliability"
    page = built.html(oid + "/")
    score = built.scores.objectives[oid]
    overall = page.select_one(".panel [role=progressbar]")
    assert int(overall["aria-valuenow"]) == round(score.progress * 100)
    assert overall.select_one(".bar-value").get_text() == pct(score.progress)
    assert f"expected {pct(score.expected)}" in overall["aria-valuetext"]
    assert overall.select_one(".bar-expected")["class"][-1] == f"x{round(score.expected * 100)}"
    words = {"on-track": "On track", "at-risk": "At risk", "off-track": "Off track", "done": "Done"}
    assert overall.select_one(".badge").get_text() == words[score.status.value]
    for kr in built.site.objectives[oid].key_results:
        item = page.select_one(f"#kr-{kr.id}")
        assert item is not None, kr.id
        kscore = built.scores.kr(oid, kr.id)
        value, word = _bar(item)
        assert value == round(kscore.progress * 100), kr.id
        assert word == words[kscore.status.value]
    # overachievement reads as itself: 13 of 10 deploys to go is 130%
    deploys = page.select_one("#kr-deploys [role=progressbar]")
    assert deploys["aria-valuenow"] == "130" and deploys.select_one(".bar-value").get_text() == "130%"
    assert deploys["aria-valuemax"] == "130"
    assert "bar-over" in deploys["class"]
    # current / target / unit
    meta = page.select_one("#kr-p99 .kr-meta").get_text(" ", strip=True)
    assert "Current: 540 ms" in meta and "Target: 300 ms" in meta
    assert "Owner: Bob Berg" in page.select_one("#kr-uptime .kr-meta").get_text(" ", strip=True)
    # breadcrumbs: company objective, then the department one
    crumbs = [a.get_text() for a in page.select(".breadcrumbs a")]
    assert crumbs[0].startswith("Grow revenue") and crumbs[1] == "Ship faster"
    # aligned children and the check-in timeline with the values each reported
    assert [a.get_text() for a in page.select(".okr-list .okr-title a")] == ["Learn Rust"]
    checkins = page.select(".timeline .checkin")
    assert len(checkins) == 2
    newest = checkins[0].get_text(" ", strip=True)
    assert "540 ms" in newest and "cache miss storm" in newest and "done" in newest
    assert checkins[0].select_one("h4").get_text() == "What moved"  # note headings shifted below h3
    assert page.select_one(".prose strong").get_text() == "boring"


def test_home_page_figures_equal_the_model(built: Built) -> None:
    page = built.html("")
    cycle = built.scores.cycles["2026-Q4"]
    overall = page.select_one(".overview [role=progressbar]")
    assert int(overall["aria-valuenow"]) == round(cycle.progress * 100)
    assert f"expected {pct(cycle.expected)}" in overall["aria-valuetext"]
    counts = {li["class"][1].removeprefix("status-"): int(li.select_one(".count-n").get_text())
              for li in page.select(".counts li") if li["class"][1].startswith("status-")}
    assert counts == {k: v for k, v in cycle.counts.items() if v}
    company = [a.get_text(" ", strip=True) for a in page.select("#company-h ~ .okr-list .okr-title a")]
    assert len(company) == 1 and company[0].startswith("Grow revenue")
    attention = page.select("#attention-h ~ ul li a")
    expected_attention = {o for o, s in built.scores.objectives.items()
                          if o.startswith("2026-Q4") and s.status.value in ("at-risk", "off-track")}
    assert len(attention) == len(expected_attention) > 0
    stale = page.select("#stale-h ~ ul li a")
    assert len(stale) == sum(1 for o, s in built.scores.objectives.items() if s.stale)
    latest = page.select("#latest-h ~ .timeline .checkin")
    assert len(latest) == 3


def test_cycle_page_groups_by_owner_in_org_order_with_statuses(built: Built) -> None:
    page = built.html("2026-Q4/")
    groups = [h.get_text(" ", strip=True).split(" ")[0] for h in page.select(".owner-group h2 a")]
    assert groups == ["Acme", "Engineering", "Platform", "Alice", "Sales"]
    for item in page.select(".okr-item"):
        href = item.select_one(".okr-title a")["href"]
        oid = "2026-Q4/" + href.strip("/").removeprefix("./")
        score = built.scores.objectives[oid]
        assert item["data-status"] == score.status.value, oid
        if score.progress is not None and score.status.value != "cancelled":
            assert int(item.select_one("[role=progressbar]")["aria-valuenow"]) == round(score.progress * 100)
    # filters exist (enhanced by JavaScript) but the full list is in the HTML
    form = page.select_one("form[data-filter-form]")
    assert {o["value"] for o in form.select("select[name=tag] option") if o["value"]} == {"q4", "reliability", "revenue"}
    assert len(page.select(".okr-item")) == 6  # 5 active + 1 cancelled, no draft


def test_ended_cycle_shows_grades_and_archive_spread(built: Built) -> None:
    page = built.html("2026-Q3/engineering/ship/")
    assert page.select_one(".grade-panel .grade-value").get_text() == FMT.grade(0.9)
    # committed and below 1.0: not green
    assert page.select_one(".grade-panel .badge").get_text() == "Partly met"
    assert page.select_one(".grade-panel .prose strong").get_text() == "worked"
    archive = built.html("archive/")
    row = next(tr for tr in archive.select("tbody tr") if "Q3 2026" in tr.get_text())
    cycle = built.scores.cycles["2026-Q3"]
    assert FMT.grade(cycle.average_grade) in row.get_text()
    legend = row.select_one(".spread-legend").get_text(" ", strip=True)
    assert legend == f"{cycle.bands['green']} Met {cycle.bands['yellow']} Partly met {cycle.bands['red']} Missed"
    assert row.select_one("td[data-label=Objectives]").get_text() == str(cycle.objectives)


def test_owner_and_tag_pages(built: Built) -> None:
    team = built.html("owners/platform/")
    assert team.select_one("h1").get_text() == "Platform team"
    assert "Engineering" in team.select_one(".lede").get_text()
    assert [a.get_text() for a in team.select("#mem-h ~ ul a")] == ["Alice Andersson", "Bob Berg"]
    in_cycle = built.html("2026-Q4/platform/")
    assert "Make the platform boringly reliable" in in_cycle.get_text()
    tag = built.html("tags/revenue/")
    titles = [a.get_text(" ", strip=True) for a in tag.select(".okr-title a")]
    assert len(titles) == 2 and "Build pipeline" in titles


def test_content_text_is_escaped_and_unsafe_links_dropped(built: Built) -> None:
    raw = (built.out / "2026-Q4/acme/grow/index.html").read_text()
    assert "<script>alert(1)" not in raw and "&lt;script&gt;alert(1)" in raw
    assert "<b>raw html</b>" not in raw and "&lt;b&gt;raw html&lt;/b&gt;" in raw
    page = built.html("2026-Q4/acme/grow/")
    assert page.select_one('a[href="https://example.com/x"]')["rel"] == ["noopener", "noreferrer"]
    for path in built.out.rglob("*.html"):
        text = path.read_text()
        assert "<script>alert" not in text, path
        assert _unsafe_links(text) == [], path


def _unsafe_links(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    refs = [t.get("href") or t.get("src") or "" for t in page.select("[href], [src]")]
    return [r for r in refs if re.sub(r"[\x00-\x20]", "", r).lower().startswith(("javascript:", "vbscript:", "data:text"))]


def test_raw_html_only_when_the_site_allows_it(site: FixtureSite, tmp_path: Path) -> None:
    site.write({**FILES, "site.toml": "[markdown]\nallow_html = true\n"})
    out = tmp_path / "out"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY))
    raw = (out / "2026-Q4/acme/grow/index.html").read_text()
    assert "<b>raw html</b>" in raw
    assert _unsafe_links(raw) == []  # links are checked whatever allow_html says


def test_every_internal_link_resolves(built: Built) -> None:
    missing = []
    for path in built.out.rglob("*.html"):
        if path.name == "404.html":
            continue
        page = BeautifulSoup(path.read_text(), "html.parser")
        for tag in page.select("[href], [src]"):
            ref = tag.get("href") or tag.get("src")
            if re.match(r"^[a-z]+:", ref) or ref.startswith("#"):
                continue
            assert not ref.startswith("/"), f"{path}: absolute link {ref}"
            target = (path.parent / ref.split("#")[0]).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                missing.append(f"{path.relative_to(built.out)} -> {ref}")
            anchor = ref.split("#", 1)[1] if "#" in ref else ""
            if anchor and target.suffix == ".html":
                linked = BeautifulSoup(target.read_text(), "html.parser")
                if linked.find(id=anchor) is None:
                    missing.append(f"{path.relative_to(built.out)} -> {ref} (anchor)")
    assert not missing, "\n".join(missing[:20])


def test_404_links_from_the_base_url(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    out = tmp_path / "out"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY, base_url="/okrs"))
    page = BeautifulSoup((out / "404.html").read_text(), "html.parser")
    assert page.select_one('link[rel=stylesheet]')["href"] == "/okrs/assets/css/site.css"
    home = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert home.select_one('link[rel=stylesheet]')["href"] == "assets/css/site.css"


def test_two_builds_are_byte_identical(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    first, second = tmp_path / "a", tmp_path / "b"
    build_site(site.root, BuildOptions(out_dir=first, today=TODAY))
    build_site(site.root, BuildOptions(out_dir=second, today=TODAY))
    compared = filecmp.dircmp(first, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert not compared.diff_files


def test_failed_build_leaves_previous_site_untouched(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    out = tmp_path / "public"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    site.write({"content/2026-Q4/sales/pipeline.md": "---\ntitle: [unclosed\n---\n"})
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(site.root), "--out", str(out), "--today", "2026-11-20"])
    assert result.exit_code == 1
    assert "content/2026-Q4/sales/pipeline.md:2:" in result.output
    assert "left as it was" in result.output
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name or "old" in p.name]


def test_refuses_to_replace_a_folder_it_did_not_make(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    with pytest.raises(BuildError) as raised:
        build_site(site.root, BuildOptions(out_dir=precious, today=TODAY))
    assert raised.value.diagnostics[0].code == "output-folder"
    assert (precious / "thesis.txt").read_text() == "do not delete"
    with pytest.raises(BuildError):
        build_site(site.root, BuildOptions(out_dir=site.root, today=TODAY))


def test_cli_build_summary_and_drafts(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    out = tmp_path / "public"
    result = CliRunner().invoke(main, ["build", str(site.root), "--out", str(out), "--today",
                                       "2026-11-20", "--drafts", "--timings"])
    assert result.exit_code == 0, result.output
    assert re.search(r"okrsite build: \d+ pages \(\d+ rendered\), \d+ files in [\d.]+ s, \d+ warnings? ->", result.output)
    assert "render" in result.output and "load" in result.output
    assert (out / "2026-Q4/bob/draft-idea/index.html").is_file()


def test_theme_override_extends_the_builtin_template(site: FixtureSite, tmp_path: Path) -> None:
    site.write({
        **FILES,
        "themes/default/templates/objective.html": """
            {% extends "@default/objective.html" %}
            {% block title %}Custom: {{ super() }}{% endblock %}
        """,
        "themes/default/strings/en.yaml": "nav:\n  archive: Old cycles\n",
        "static/favicon.ico": "icon",
    })
    out = tmp_path / "out"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY))
    page = BeautifulSoup((out / "2026-Q4/platform/reliability/index.html").read_text(), "html.parser")
    assert page.title.get_text().startswith("Custom: Make the platform")
    assert "Old cycles" in page.select_one(".site-nav").get_text()
    assert page.select_one("link[rel=icon]")["href"] == "../../../favicon.ico"
    assert (out / "favicon.ico").read_text() == "icon"


def test_bundle_assets_are_copied_beside_the_page(site: FixtureSite, tmp_path: Path) -> None:
    site.write({**FILES, "content/2026-Q4/platform/reliability/diagram.png": b"\x89PNG fake"})
    out = tmp_path / "out"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY))
    assert (out / "2026-Q4/platform/reliability/diagram.png").read_bytes() == b"\x89PNG fake"


def test_init_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "new-site"
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(target), "--today", "2026-11-20"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", str(target), "--today", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert (target / "public/index.html").is_file()
    home = BeautifulSoup((target / "public/index.html").read_text(), "html.parser")
    assert "Delight customers" in home.get_text()
