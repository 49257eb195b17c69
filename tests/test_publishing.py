"""Publishing: feeds, exports on the site, "this week", insights, history from git, remind,
private objectives and search, on real builds of fixture sites."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from okrsite import history as history_module
from okrsite.build import BuildOptions, build_site
from okrsite.check import check_site
from okrsite.cli import main
from okrsite.export import schema_text

from .conftest import FixtureSite
from .test_site import FILES, TODAY

ATOM = "{http://www.w3.org/2005/Atom}"


def _build(site: FixtureSite, out: Path, **options: object) -> None:
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=False, **options))  # type: ignore[arg-type]


def _page(out: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((out / url / "index.html").read_text(), "html.parser")


@pytest.fixture
def built(site: FixtureSite, tmp_path: Path) -> Path:
    site.write(FILES)
    out = tmp_path / "public"
    _build(site, out)
    return out


def test_feeds_are_atom_with_every_checkin_newest_first(built: Path) -> None:
    feed = ET.parse(built / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert len(entries) == 3 and updated == sorted(updated, reverse=True)
    newest = entries[0]
    assert newest.findtext(f"{ATOM}updated") == "2026-11-13T00:00:00Z"
    assert newest.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Bob Berg"
    content = newest.findtext(f"{ATOM}content")
    assert "cache miss storm" in content and "<h" in content  # the note's HTML, escaped in the XML
    link = newest.find(f"{ATOM}link").get("href")
    assert link.startswith("/2026-Q4/platform/reliability/#checkin-")
    # a cycle feed and a team feed, linked from their pages
    cycle_feed = ET.parse(built / "2026-Q4/feed.xml").getroot()
    assert len(cycle_feed.findall(f"{ATOM}entry")) == 3
    team = ET.parse(built / "owners/platform/feed.xml").getroot()
    assert [e.findtext(f"{ATOM}updated")[:10] for e in team.findall(f"{ATOM}entry")] == ["2026-11-13", "2026-10-20"]
    home = _page(built, "")
    assert home.select_one('link[type="application/atom+xml"]')["href"] == "feed.xml"


def test_site_exports_validate_and_cover_each_cycle(built: Path, site: FixtureSite) -> None:
    schema = json.loads(schema_text())
    whole = json.loads((built / "okrs.json").read_text())
    jsonschema.validate(whole, schema)
    checked = check_site(site.root, today=TODAY)
    assert {o["id"] for o in whole["objectives"]} == set(checked.site.objectives)
    q4 = json.loads((built / "2026-Q4/okrs.json").read_text())
    jsonschema.validate(q4, schema)
    assert {o["cycle"] for o in q4["objectives"]} == {"2026-Q4"}
    reliability = next(o for o in q4["objectives"] if o["id"] == "2026-Q4/platform/reliability")
    assert reliability["progress"] == round(checked.scores.objectives["2026-Q4/platform/reliability"].progress, 4)
    rows = (built / "2026-Q3/okrs.csv").read_text().splitlines()
    assert rows[0].startswith("type,cycle,objective") and all(",2026-Q3," in r for r in rows[1:])


def test_insights_figures_equal_the_model(built: Path, site: FixtureSite) -> None:
    page = _page(built, "insights/2026-Q4/")
    checked = check_site(site.root, today=TODAY)
    q4 = [o for o in checked.site.objectives_in("2026-Q4") if not o.cancelled]
    below = [o for o in q4 if o.level and o.level.rank > 0]
    aligned = sum(1 for o in below if o.parents)
    text = page.get_text(" ", strip=True)
    assert f"({aligned} / {len(below)})" in text
    recent = [o for o in q4 if (d := checked.scores.objectives[o.id].last_checkin) and (TODAY - d).days < 14]
    assert f"({len(recent)} / {len(q4)})" in text
    milestones = [kr for o in q4 for kr in o.key_results if kr.kind.value == "milestone"]
    heading = page.select_one("#unm-h").get_text(" ", strip=True)
    assert heading.endswith(f"{len(milestones)} / {sum(len(o.key_results) for o in q4)}")


def test_this_week_lists_recent_checkins_and_status_changes(site: FixtureSite, tmp_path: Path) -> None:
    site.write(FILES)
    site.write({"content/2026-Q4/sales/checkins/2026-11-18.md": """
        ---
        author: grace
        updates:
          pipeline#leads: 90
        ---
        A big week.
    """})
    out = tmp_path / "out"
    _build(site, out)
    page = _page(out, "this-week/")
    checkins = page.select("#ci-h ~ .timeline .checkin")
    assert [c.select_one("time")["datetime"] for c in checkins] == ["2026-11-18"]
    changes = page.select("#changes-h ~ ul li")
    assert any("Build pipeline" in li.get_text() and "Off track" in li.get_text() for li in changes)
    assert "git repository" in page.select_one("#new-h ~ p").get_text()


def _git(root: Path, *args: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": "Ann Admin", "GIT_AUTHOR_EMAIL": "ann@example.com",
           "GIT_COMMITTER_NAME": "Ann Admin", "GIT_COMMITTER_EMAIL": "ann@example.com"}
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


@pytest.fixture
def repo(site: FixtureSite) -> FixtureSite:
    site.write(FILES)
    _git(site.root, "init", "-q", when="2026-09-01T10:00:00Z")
    _git(site.root, "add", "-A", when="2026-09-01T10:00:00Z")
    _git(site.root, "commit", "-qm", "Plan Q4", when="2026-09-25T10:00:00Z")
    path = site.root / "content/2026-Q4/platform/reliability/index.md"
    path.write_text(path.read_text().replace("target: 300", "target: 450"))
    _git(site.root, "commit", "-qam", "Relax p99 target", when="2026-11-02T10:00:00Z")
    site.write({"content/2026-Q4/sales/new-market.md": "---\ntitle: Open the Danish market\n---\n"})
    _git(site.root, "add", "-A", when="2026-11-17T10:00:00Z")
    _git(site.root, "commit", "-qm", "Add Danish objective", when="2026-11-17T10:00:00Z")
    return site


def test_history_shows_commits_and_flags_moved_targets(repo: FixtureSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(repo, out)
    page = _page(out, "2026-Q4/platform/reliability/")
    commits = [li.get_text(" ", strip=True) for li in page.select("#history-h ~ ol li")]
    assert len(commits) == 2 and "Relax p99 target" in commits[0] and "Ann Admin" in commits[0]
    moved = page.select_one("#kr-p99 .kr-moved").get_text(" ", strip=True)
    assert "Target moved" in moved and "300" in moved and "450" in moved
    assert page.select_one("#kr-uptime .kr-moved") is None
    week = _page(out, "this-week/")
    assert "Open the Danish market" in week.select_one("#new-h").find_parent("section").get_text()


def test_a_changes_record_accounts_for_a_moved_target(repo: FixtureSite, tmp_path: Path) -> None:
    path = repo.root / "content/2026-Q4/platform/reliability/index.md"
    path.write_text(path.read_text().replace(
        "kind: committed", 'kind: committed\nchanges:\n  - {date: 2026-11-02, change: "p99 target to 450 ms", why: "vendor SLA"}'))
    _git(repo.root, "commit", "-qam", "Record the change", when="2026-11-03T10:00:00Z")
    out = tmp_path / "out"
    _build(repo, out)
    page = _page(out, "2026-Q4/platform/reliability/")
    assert page.select_one(".kr-moved") is None
    assert "vendor SLA" in page.select_one("#changes-h").find_parent("section").get_text()


def test_history_costs_a_fixed_number_of_git_calls(repo: FixtureSite, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(command, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(command)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(history_module.subprocess, "run", counting)
    checked = check_site(repo.root, today=TODAY)
    found = history_module.read_history(repo.root, checked.site)
    assert found.of("content/2026-Q4/platform/reliability/index.md")
    assert len(calls) == 3  # rev-parse, log, cat-file --batch: whatever the number of files


def test_no_git_means_no_history(built: Path) -> None:
    page = _page(built, "2026-Q4/platform/reliability/")
    assert page.select_one("#history-h") is None and page.select_one(".kr-moved") is None


def test_remind_lists_owed_checkins_by_owner(site: FixtureSite) -> None:
    site.write(FILES)
    runner = CliRunner()
    result = runner.invoke(main, ["remind", str(site.root), "--days", "10", "--today", "2026-11-20", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    owners = [g["owner"] for g in data["owners"]]
    assert owners == ["acme", "engineering", "alice", "sales"]  # org-chart order; platform checked in 7 days ago
    sales = data["owners"][-1]["reminders"][0]
    assert sales["objective"] == "2026-Q4/sales/pipeline" and sales["days"] == 46
    assert sales["file"] == "content/2026-Q4/sales/checkins/2026-11-20.md"
    assert sales["command"] == "okrsite new checkin 2026-Q4/sales/pipeline"
    text = runner.invoke(main, ["remind", str(site.root), "--today", "2026-11-20"]).output
    assert "Sales (sales)" in text and "okrsite new checkin 2026-Q4/sales/pipeline" in text
    markdown = runner.invoke(main, ["remind", str(site.root), "--today", "2026-11-20", "--format", "markdown"]).output
    assert markdown.startswith("## Check-ins owed on 2026-11-20") and "### Sales" in markdown
    # the command the reminder gives writes the file it names
    assert runner.invoke(main, ["new", "checkin", "2026-Q4/sales/pipeline", "--site", str(site.root),
                                "--date", "2026-11-20"]).exit_code == 0
    assert (site.root / sales["file"]).is_file()


PRIVATE = {
    "content/2026-Q4/engineering/comp.md": """
        ---
        title: Publish salary bands
        visibility: private
        parent: acme/grow
        key_results:
          - {id: bands, title: Bands for every role, start: 0, target: 10}
        ---
    """,
    "content/2026-Q4/engineering/checkins/2026-11-10.md": """
        ---
        author: grace
        updates:
          comp#bands: 5
        ---
        Secret progress on salaries.
    """,
}


def test_public_build_leaves_private_objectives_out_consistently(site: FixtureSite, tmp_path: Path) -> None:
    site.write({**FILES, **PRIVATE})
    full, public = tmp_path / "full", tmp_path / "public"
    _build(site, full)
    _build(site, public, public=True)
    assert (full / "2026-Q4/engineering/comp/index.html").is_file()
    assert not (public / "2026-Q4/engineering/comp/index.html").exists()
    for path in public.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".csv", ".js"):
            text = path.read_text()
            assert "salary bands" not in text.lower() and "Secret progress" not in text, path
    # the company objective reads the same in both builds (scored on the whole model) ...
    grow_full = _page(full, "2026-Q4/acme/grow/").select_one(".panel [role=progressbar]")["aria-valuenow"]
    grow_public = _page(public, "2026-Q4/acme/grow/").select_one(".panel [role=progressbar]")["aria-valuenow"]
    assert grow_full == grow_public
    # ... and the public cycle page counts only what it shows
    cycle = _page(public, "2026-Q4/")
    shown = len(cycle.select(".okr-item"))
    counted = sum(int(li.select_one(".count-n").get_text()) for li in cycle.select(".counts li"))
    assert shown == counted
    data = json.loads((public / "okrs.json").read_text())
    assert all(o["visibility"] == "internal" for o in data["objectives"])
    cascade = _page(public, "cascade/2026-Q4/")
    nodes = {n["data-node"] for n in cascade.select("[data-node]")}
    assert "2026-Q4/acme/grow" in nodes and "2026-Q4/engineering/comp" not in nodes


def test_search_page_and_title_index(built: Path) -> None:
    page = _page(built, "search/")
    form = page.select_one("form[data-search]")
    assert form["data-index"] == "index.js" and form["data-root"] == "../"
    csp = page.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
    assert "script-src 'self' 'unsafe-eval';" in csp and "unsafe-inline" not in csp
    script = (built / "search/index.js").read_text()
    records = json.loads(script.removeprefix("window.OKRSITE_SEARCH=").rstrip().removesuffix(";"))
    titles = {r[0] for r in records}
    assert "Make the platform boringly reliable" in titles
    assert ["Platform team", "platform", "", "", "", "owners/platform/"] in records
    assert "<" not in script  # nothing in the index can close the script element


def test_pagefind_indexes_the_site(site: FixtureSite, tmp_path: Path) -> None:
    pytest.importorskip("pagefind")
    site.write(FILES)
    out = tmp_path / "out"
    result = build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=True))
    assert (out / "pagefind/pagefind.js").is_file() and "search" in result.timings
    # a build that changes nothing keeps the index and does not run Pagefind again
    again = build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=True))
    assert "search" not in again.timings and (out / "pagefind/pagefind.js").is_file()

