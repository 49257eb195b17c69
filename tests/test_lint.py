"""Warnings from OKR practice: each at its file and line, configurable, never an error."""

from __future__ import annotations

import datetime as dt

from okrsite.diagnostics import Severity

Q4 = "content/2026-Q4"
TWO_KRS = "key_results: [{title: A, start: 0, target: 10}, {title: B, start: 5, target: 0}]"
ORG = """
    teams:
      acme: {name: Acme Inc.}
      engineering: {name: Engineering, parent: acme}
      platform: {name: Platform team, parent: engineering}
    people:
      alice: {name: Alice, team: platform}
"""


def objective(title: str, *lines: str) -> str:
    return "\n".join(["---", f"title: {title}", *lines, "---", ""])


def test_warnings_do_not_fail_unless_strict(site):
    result = site({f"{Q4}/acme/grow.md": objective("Grow")})
    assert result.errors == [] and result.warnings
    assert all(d.severity is Severity.WARNING for d in result.warnings)
    assert not result.result.failed() and result.result.failed(strict=True)


def test_too_many_objectives_per_owner(site):
    files = {f"{Q4}/platform/o{i}.md": objective(f"O{i}", TWO_KRS) for i in range(1, 7)}
    files["content/2026-Q3/platform/older.md"] = objective("Older", TWO_KRS, "score: 0.5")
    files["content/org.yaml"] = ORG
    files[f"{Q4}/engineering/lead.md"] = objective("Lead", TWO_KRS, "parent: acme/x")
    result = site(files)
    found = result.expect("too-many-objectives", f"{Q4}/platform/o6.md", 2,
                          "Platform team has 6 objectives in 2026-Q4; the limit is 5")
    assert "max_objectives_per_owner" in found.hint
    assert len(result.with_code("too-many-objectives")) == 1  # per owner and cycle
    relaxed = site({"site.toml": "[lint]\nmax_objectives_per_owner = 6\n"})
    assert relaxed.with_code("too-many-objectives") == []


def test_cancelled_objectives_do_not_count_toward_the_limit(site):
    files = {f"{Q4}/acme/o{i}.md": objective(f"O{i}", TWO_KRS) for i in range(1, 6)}
    files[f"{Q4}/acme/o6.md"] = objective("Dropped", TWO_KRS, "status: cancelled")
    result = site(files)
    assert result.with_code("too-many-objectives") == []


def test_too_many_key_results(site):
    krs = "\n".join(f"  - {{title: KR {i}, start: 0, target: {i}}}" for i in range(1, 8))
    result = site({f"{Q4}/acme/grow.md": objective("Grow", "key_results:", krs)})
    found = result.expect("too-many-key-results", f"{Q4}/acme/grow.md", 9,
                          "objective has 7 key results; the limit is 5")
    assert "max_key_results" in found.hint
    assert site({"site.toml": "[lint]\nmax_key_results = 7\n"}).with_code("too-many-key-results") == []


def test_objective_without_key_results(site):
    result = site({
        f"{Q4}/acme/grow.md": objective("Grow"),
        f"{Q4}/acme/parent.md": objective("Parent"),
        f"{Q4}/sales/child.md": objective("Child", "parent: acme/parent", TWO_KRS),
    })
    found = result.expect("no-key-results", f"{Q4}/acme/grow.md", 2, "objective has no key results and no progress")
    assert "key_results:" in found.hint
    result.expect("no-key-results", f"{Q4}/acme/parent.md", 2, "its progress comes from aligned objectives")


def test_key_result_without_a_measurable_target(site):
    result = site({f"{Q4}/acme/grow.md": objective(
        "Grow", "key_results:", "  - {id: a, title: A, start: 0, target: 10}", "  - id: launch",
        "    title: Launch the new site")})
    found = result.expect("kr-not-measurable", f"{Q4}/acme/grow.md", 5,
                          "key result `launch` has no measurable target")
    assert "start: 0, target: 12" in found.hint


def test_objective_below_company_level_aligned_to_nothing(site):
    result = site({
        "content/org.yaml": ORG,
        f"{Q4}/acme/grow.md": objective("Grow", TWO_KRS),
        f"{Q4}/engineering/ship.md": objective("Ship", TWO_KRS),
        f"{Q4}/platform/aligned.md": objective("Aligned", TWO_KRS, "parent: engineering/ship"),
        f"{Q4}/alice/learn.md": objective("Learn", TWO_KRS),
        f"{Q4}/platform/dropped.md": objective("Dropped", TWO_KRS, "status: cancelled"),
        f"{Q4}/platform/top.md": objective("Top", TWO_KRS, "level: company"),
    })
    found = result.expect("unaligned", f"{Q4}/engineering/ship.md", 2, "department objective is aligned to nothing")
    assert "parent: OWNER/SLUG" in found.hint
    result.expect("unaligned", f"{Q4}/alice/learn.md", 2, "individual objective is aligned to nothing")
    assert {d.path for d in result.with_code("unaligned")} == {
        f"{Q4}/engineering/ship.md", f"{Q4}/alice/learn.md"}


def test_no_alignment_warnings_without_org(site):
    result = site({f"{Q4}/platform/reliable.md": objective("Reliable", TWO_KRS)})
    assert result.with_code("unaligned") == []


def test_stale_running_objective(site):
    result = site({
        f"{Q4}/acme/grow.md": objective("Grow", TWO_KRS),
        f"{Q4}/acme/ship.md": objective("Ship", TWO_KRS),
        f"{Q4}/acme/checkins/2026-11-01.md": "---\nobjective: ship\n---\n",
        "content/2027-Q1/acme/later.md": objective("Later", TWO_KRS),
    }, today=dt.date(2026, 11, 20))
    found = result.expect("stale", f"{Q4}/acme/grow.md", 2,
                          "no check-in since the cycle began (50 days; stale after 14)")
    assert found.hint == "write one: okrsite new checkin 2026-Q4/acme/grow"
    result.expect("stale", f"{Q4}/acme/ship.md", 2, "no check-in since 2026-11-01 (19 days; stale after 14)")
    assert len(result.with_code("stale")) == 2  # not the upcoming cycle's


def test_ended_cycle_with_ungraded_objectives(site):
    result = site({
        "content/2026-Q3/acme/grow.md": objective("Grow", TWO_KRS),
        "content/2026-Q3/acme/graded.md": objective("Graded", TWO_KRS, "score: 0.7"),
        "content/2026-Q3/acme/dropped.md": objective("Dropped", TWO_KRS, "status: cancelled"),
    })
    found = result.expect("ungraded", "content/2026-Q3/acme/grow.md", 2,
                          "cycle 2026-Q3 has ended but this objective has no `score:`")
    assert "score: 0.0-1.0" in found.hint
    assert len(result.with_code("ungraded")) == 1


def test_warnings_can_be_disabled(site):
    result = site({
        "site.toml": '[lint]\ndisable = ["no-key-results", "stale"]\n',
        f"{Q4}/acme/grow.md": objective("Grow"),
    })
    assert result.diagnostics == ()


def test_drafts_are_linted_only_when_asked(site):
    site.write({
        f"{Q4}/acme/grow.md": objective("Grow", TWO_KRS),
        f"{Q4}/acme/checkins/2026-11-19.md": "---\nobjective: grow\n---\n",
        f"{Q4}/acme/idea.md": objective("Idea", "status: draft"),
    })
    assert site.check().with_code("no-key-results") == []
    site.check(drafts=True).expect("no-key-results", f"{Q4}/acme/idea.md", 2, "no key results")
