"""`okrsite init`, `okrsite new objective` and `okrsite new checkin` write sites that check clean."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
import yaml
from click.testing import CliRunner

from okrsite.check import check_site
from okrsite.cli import main

from .conftest import TODAY

Q4 = "content/2026-Q4"
RELIABILITY = """
    ---
    title: Make the platform boringly reliable
    key_results:
      - {id: uptime, title: Raise API availability from 99.5% to 99.95%, start: 99.5, target: 99.95, unit: "%"}
      - {id: p99, title: Cut p99 latency to 300 ms, start: 800, target: 300, unit: ms}
      - {id: runbooks, title: Every service has a runbook}
      - {id: docs, title: Docs are done}
      - {id: burn, title: Error budget burn, target: "<= 1.0"}
      - {id: fresh, title: Not measured yet, start: 10, target: 20}
      - {id: adoption, title: Teams ship on it, objective: adoption}
    ---
"""
ADOPTION = "---\ntitle: Teams adopt the platform\nkey_results: [{id: teams, title: Teams, start: 0, target: 10}]\n---\n"
MEASURED = "---\nupdates:\n  reliability#uptime: 99.81\n  reliability#p99: 540\n  reliability#runbooks: {progress: 40%}\n  reliability#docs: {done: true}\n---\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def front_matter(path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_init_builds_a_site_with_no_errors(tmp_path):
    target = tmp_path / "okrs"
    result = run("init", str(target), "--title", 'Bob\'s "OKRs": 2026 \\ beyond', "--today", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "next: cd" in result.stderr
    config = tomllib.loads((target / "site.toml").read_text(encoding="utf-8"))
    assert config["title"] == 'Bob\'s "OKRs": 2026 \\ beyond'
    checked = check_site(target, today=TODAY)
    assert checked.errors == [], [d.as_text() for d in checked.errors]
    assert checked.site.config.title == 'Bob\'s "OKRs": 2026 \\ beyond'
    assert set(checked.site.cycles) == {"2026-Q4"}
    assert len(checked.site.objectives) == 2 and len(checked.site.checkins) == 1
    assert run("init", str(target)).exit_code == 1  # never over an existing site


def test_new_objective(site):
    site.write({"content/org.yaml": "teams: {engineering: {name: Eng}, platform: {name: P, parent: engineering}}\n",
                f"{Q4}/engineering/ship.md": "---\ntitle: Ship\nkey_results: [{title: A, start: 0, target: 1}]\n---\n"})
    result = run("new", "objective", "2026-Q4/platform/reliability", "--site", str(site.root),
                 "--title", "Reliability: #1 priority", "--parent", "engineering/ship")
    assert result.exit_code == 0, result.output
    path = site.root / Q4 / "platform" / "reliability.md"
    assert result.stdout.strip() == f"wrote {path}"
    data = front_matter(path)
    assert data["title"] == "Reliability: #1 priority" and data["parent"] == "engineering/ship"
    assert [kr["id"] for kr in data["key_results"]] == ["kr1", "kr2"]
    checked = site.check()
    checked.assert_clean()
    assert checked.objective("2026-Q4/platform/reliability").parents[0].objective == "2026-Q4/engineering/ship"


def test_new_objective_title_from_slug_and_custom_cycle(site):
    site.write({"content/2026-H2/_cycle.md": "---\nstart: 2026-07-01\nend: 2026-12-31\n---\n"})
    assert run("new", "objective", "2026-H2/sales/grow-nordic-revenue", "--site", str(site.root)).exit_code == 0
    assert front_matter(site.root / "content/2026-H2/sales/grow-nordic-revenue.md")["title"] == "Grow nordic revenue"
    site.check().assert_clean()


@pytest.mark.parametrize("target, message", [
    ("2026-Q4/platform", "is not CYCLE/OWNER/SLUG"),
    ("2026-Q4/field ops/grow", "is not CYCLE/OWNER/SLUG"),
    ("sprint-9/platform/grow", "cycle 'sprint-9' does not exist and its name gives no dates"),
])
def test_new_objective_refuses_bad_targets(site, target, message):
    result = run("new", "objective", target, "--site", str(site.root))
    assert result.exit_code == 1 and message in result.stderr


def test_new_objective_never_overwrites(site):
    site.write({f"{Q4}/platform/reliability/index.md": RELIABILITY})
    result = run("new", "objective", "2026-Q4/platform/reliability", "--site", str(site.root))
    assert result.exit_code == 1 and "already exists" in result.stderr


def test_new_checkin_lists_every_kr_with_its_current_value(site):
    site.write({
        f"{Q4}/platform/reliability.md": RELIABILITY,
        f"{Q4}/platform/adoption.md": ADOPTION,
        f"{Q4}/platform/checkins/2026-11-10.md": MEASURED,
    })
    before = site.check()
    result = run("new", "checkin", "2026-Q4/platform/reliability", "--site", str(site.root),
                 "--author", "alice", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    path = site.root / Q4 / "platform" / "checkins" / "2026-11-20.md"
    text = path.read_text(encoding="utf-8")
    assert "# adoption: progress comes from 2026-Q4/platform/adoption" in text
    assert "# burn: VALUE" in text  # a threshold never measured has no neutral value
    data = front_matter(path)
    assert data["date"] == dt.date(2026, 11, 20) and data["author"] == "alice"
    assert data["objective"] == "reliability" and data["confidence"] == "medium"
    assert data["updates"] == {
        "uptime": 99.81, "p99": 540, "runbooks": {"progress": "40%"}, "docs": {"done": True}, "fresh": 10,
    }
    after = site.check()
    after.assert_clean()
    for kr in ("uptime", "p99", "runbooks", "docs", "burn", "fresh", "adoption"):  # nothing moved
        ref = f"2026-Q4/platform/reliability#{kr}"
        assert after.kr_score(ref).progress == before.kr_score(ref).progress
    assert after.score("2026-Q4/platform/reliability").last_checkin == dt.date(2026, 11, 20)


def test_new_checkin_in_a_bundle_and_twice_a_day(site):
    site.write({f"{Q4}/platform/reliability/index.md": RELIABILITY, f"{Q4}/platform/adoption.md": ADOPTION})
    for _ in range(3):
        assert run("new", "checkin", "platform/reliability", "--site", str(site.root),
                   "--date", "2026-11-20").exit_code == 0
    bundle = site.root / Q4 / "platform" / "reliability"
    names = sorted(p.name for p in bundle.glob("2026-*.md"))
    assert names == ["2026-11-20-reliability-2.md", "2026-11-20-reliability.md", "2026-11-20.md"]
    assert "objective" not in front_matter(bundle / "2026-11-20.md")
    checked = site.check()
    checked.assert_clean()
    assert [c.rsplit("/", 1)[1] for c in checked.objective("2026-Q4/platform/reliability").checkins] == [
        "2026-11-20.md", "2026-11-20-reliability.md", "2026-11-20-reliability-2.md"]  # as written


def test_new_checkin_for_an_objective_without_key_results(site):
    site.write({f"{Q4}/acme/grow.md": "---\ntitle: Grow\n---\n"})
    assert run("new", "checkin", "2026-Q4/acme/grow", "--site", str(site.root), "--date", "2026-11-20").exit_code == 0
    checked = site.check()
    checked.assert_clean()
    assert checked.objective("2026-Q4/acme/grow").checkins == (f"{Q4}/acme/checkins/2026-11-20.md",)


@pytest.mark.parametrize("reference, date, message", [
    ("2026-Q4/platform/reliabilty", "2026-11-20", "no objective '2026-Q4/platform/reliabilty'"),
    ("platform/reliability", "2026-11-20", "matches several objectives"),
    ("2026-Q4/platform/reliability", "2027-01-05", "2027-01-05 is outside cycle 2026-Q4"),
])
def test_new_checkin_refuses(site, reference, date, message):
    site.write({
        f"{Q4}/platform/reliability.md": RELIABILITY, f"{Q4}/platform/adoption.md": ADOPTION,
        "content/2026-Q3/platform/reliability.md": ADOPTION,
    })
    result = run("new", "checkin", reference, "--site", str(site.root), "--date", date)
    assert result.exit_code == 1 and message in result.stderr
