"""Loading a site: files and bundles, fields, key result kinds, cycles, org, references,
check-ins, drafts and cancelled objectives. Every bad input names its file and line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from okrsite.content.cycles import dates_from_name, fiscal_quarter_start
from okrsite.content.documents import parse_confidence
from okrsite.model import KRKind, Level, Lifecycle, ObjectiveKind, Threshold, Visibility

from .conftest import ADOPTION, PLATFORM, RELIABILITY

Q4 = "content/2026-Q4"
GROW = f"{Q4}/acme/grow.md"

GROW_MD = """
    ---
    title: Grow revenue
    key_results:
      - id: arr
        title: Reach 10 M ARR
        start: 4
        target: 10
    ---
"""


def kr_site(site, key_results: str, extra: dict[str, str] | None = None):
    """A site with one objective whose `key_results:` block is `key_results` (YAML, indented 2)."""
    text = "---\ntitle: Grow revenue\nkey_results:\n" + key_results.strip("\n") + "\n---\n"
    return site({GROW: text.replace("\n        ", "\n"), **(extra or {})})


# Files, bundles and ids ------------------------------------------------------------------


def test_objective_file_and_bundle(site):
    result = site({
        GROW: """
            ---
            title: Grow revenue
            ---
            Why it matters.
        """,
        f"{Q4}/platform/reliability/index.md": """
            ---
            title: Make the platform boringly reliable
            key_results: [{id: uptime, title: Raise availability, start: 99.5, target: 99.95}]
            ---
        """,
        f"{Q4}/platform/reliability/diagram.svg": "<svg/>",
        f"{Q4}/platform/reliability/2026-11-20.md": "---\nupdates: {uptime: 99.8}\n---\n",
    })
    result.assert_clean()
    grow = result.objective("2026-Q4/acme/grow")
    assert (grow.cycle, grow.owner_folder, grow.slug, grow.owner) == ("2026-Q4", "acme", "grow", "acme")
    assert grow.local_id == "acme/grow" and not grow.bundle
    assert grow.path == GROW and grow.line == 2
    assert grow.body == "Why it matters.\n" and grow.body_line == 4
    bundle = result.objective("2026-Q4/platform/reliability")
    assert bundle.bundle and bundle.path == f"{Q4}/platform/reliability/index.md"
    assert bundle.checkins == (f"{Q4}/platform/reliability/2026-11-20.md",)
    assert result.kr("2026-Q4/platform/reliability#uptime").readings[-1].value == 99.8
    assert list(result.site.objectives) == ["2026-Q4/acme/grow", "2026-Q4/platform/reliability"]


def test_hidden_and_underscore_files_are_not_objectives(site):
    result = site({
        GROW: GROW_MD,
        f"{Q4}/acme/_draft-ideas.md": "not front matter at all",
        f"{Q4}/acme/.notes.md": "nor this",
        f"{Q4}/_archive/old.md": "nor this",
        f"{Q4}/acme/readme.txt": "not Markdown",
    })
    result.assert_clean()
    assert list(result.site.objectives) == ["2026-Q4/acme/grow"]


def test_file_and_bundle_with_the_same_id(site):
    result = site({
        GROW: GROW_MD,
        f"{Q4}/acme/grow/index.md": GROW_MD,
    })
    found = result.expect("duplicate-id", f"{Q4}/acme/grow/index.md", 2,
                          f"objective `2026-Q4/acme/grow` is defined twice: here and in {GROW}")
    assert "SLUG.md file or a SLUG/index.md bundle" in found.hint


def test_ids_differing_only_in_case(site):
    result = site({GROW: GROW_MD, f"{Q4}/acme/Grow.md": GROW_MD})
    found = result.expect("case-clash", GROW, 1, "'grow.md' differs from 'Grow.md' only in letter case")
    assert "macOS and Windows" in found.hint
    assert list(result.site.objectives) == ["2026-Q4/acme/Grow"]


def test_file_and_bundle_differing_only_in_case(site):
    result = site({GROW: GROW_MD, f"{Q4}/acme/Grow/index.md": GROW_MD})
    result.expect("duplicate-id", GROW, 2, "differs only in letter case from `2026-Q4/acme/Grow`")


def test_no_content_folder(site):
    result = site({"site.toml": 'title = "x"\n'})
    found = result.expect("no-content", "content", 1, "the site has no content/ folder")
    assert "okrsite init" in found.hint


def test_misplaced_files(site):
    result = site({
        GROW: GROW_MD,
        "content/grow.md": GROW_MD,
        f"{Q4}/grow.md": GROW_MD,
    })
    result.expect("misplaced-file", "content/grow.md", 1, "belong in a cycle folder")
    found = result.expect("misplaced-file", f"{Q4}/grow.md", 1, "inside an owner folder")
    assert "2026-Q4/OWNER/grow.md" in found.hint


def test_names_that_cannot_be_ids(site):
    result = site({
        GROW: GROW_MD,
        f"{Q4}/field ops/grow.md": GROW_MD,
        f"{Q4}/acme/grow more.md": GROW_MD,
    })
    found = result.expect("invalid-name", f"{Q4}/field ops", 1, "owner folder name 'field ops'")
    assert "'field-ops'" in found.hint
    result.expect("invalid-name", f"{Q4}/acme/grow more.md", 1, "objective file name 'grow more'")
    assert len(result.site.objectives) == 1


def test_folder_without_index_is_not_a_bundle(site):
    result = site({GROW: GROW_MD, f"{Q4}/acme/notes/2026-11-20.md": "---\n---\n"})
    found = result.expect("not-a-bundle", f"{Q4}/acme/notes", 1, "has no index.md")
    assert found.severity.value == "warning"


def test_symlinks(site, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(dedent_grow := GROW_MD.replace("\n    ", "\n").lstrip("\n"))
    site.write({GROW: GROW_MD, f"{Q4}/shared/folder/index.md": dedent_grow})
    os.symlink(outside, site.root / Q4 / "acme" / "linked.md")
    os.symlink(site.root / Q4 / "shared" / "folder", site.root / Q4 / "acme" / "folder")
    os.symlink(site.root / GROW, site.root / Q4 / "acme" / "inside.md")
    result = site.check()
    result.expect("symlink-outside", f"{Q4}/acme/linked.md", 1, "points outside the site")
    result.expect("symlink-folder", f"{Q4}/acme/folder", 1, "not followed")
    assert "2026-Q4/acme/inside" in result.site.objectives  # a link to a file inside is read


# Objective fields ------------------------------------------------------------------------


def test_every_objective_field(site):
    result = site({
        f"{Q4}/engineering/ship.md": "---\ntitle: Ship faster\n---\n",
        f"{Q4}/platform/reliability.md": """
            ---
            title: Make the platform *boringly* reliable
            owner: "VP, Field Ops"
            parent: engineering/ship
            kind: committed
            status: active
            visibility: private
            level: team
            tags: [reliability, q4-theme, reliability]
            score: 65%
            retrospective: |
              Caching fixed p99.
            changes:
              - {date: 2026-11-10, change: "Lowered p99 target from 200 to 300 ms", why: "vendor SLA"}
              - change: Dropped the runbook KR
            key_results:
              - Every service has a runbook
            ---
        """,
    })
    result.assert_clean()
    o = result.objective("2026-Q4/platform/reliability")
    assert o.title == "Make the platform *boringly* reliable"
    assert o.owner == "VP, Field Ops" and o.owner_folder == "platform"
    assert [str(p) for p in o.parents] == ["2026-Q4/engineering/ship"]
    assert o.kind is ObjectiveKind.COMMITTED and o.lifecycle is Lifecycle.ACTIVE
    assert o.visibility is Visibility.PRIVATE and o.level is Level.TEAM
    assert o.tags == ("reliability", "q4-theme")
    assert o.score == 0.65
    assert o.retrospective == "Caching fixed p99.\n"
    assert o.changes[0].date == dt.date(2026, 11, 10) and o.changes[0].why == "vendor SLA"
    assert o.changes[1].date is None and o.changes[1].change == "Dropped the runbook KR"
    assert o.key_results[0].id == "kr1" and o.key_results[0].title == "Every service has a runbook"
    defaults = result.objective("2026-Q4/engineering/ship")
    assert (defaults.kind, defaults.lifecycle, defaults.visibility) == (
        ObjectiveKind.ASPIRATIONAL, Lifecycle.ACTIVE, Visibility.INTERNAL)
    assert defaults.level is None and defaults.key_results == () and defaults.score is None


def test_messy_real_world_objective_loads(site):
    link = "[epic #1234](https://github.com/acme/app/issues/1234)"
    title = ("Make **search** fast for <abbr title='enterprise'>ENT</abbr> customers " + link + " ") * 6
    assert len(title) > 600
    result = site({
        f"{Q4}/field-ops/grow.md": f"""
            ---
            title: "{title}"
            owner: VP, Field Ops
            key_results:
              - title: "{title}"
              - title: Reach [_N<sub>0</sub>_][n0] MAU (see latest)
              - title: Land 3 enterprise customers
                target: 3
            ---
        """,
        f"{Q4}/field-ops/no-krs.md": "---\ntitle: Be the best place to work\n---\n",
    })
    result.assert_clean()
    o = result.objective("2026-Q4/field-ops/grow")
    assert o.title == title.strip() and o.owner == "VP, Field Ops"
    assert [kr.kind for kr in o.key_results] == [KRKind.MILESTONE, KRKind.MILESTONE, KRKind.INCREASING]
    assert o.key_results[2].start == 0 and o.key_results[2].target == 3


def test_missing_title(site):
    result = site({GROW: "---\nkind: committed\n---\n"})
    found = result.expect("missing-field", GROW, 2, "the objective has no `title`")
    assert found.hint.startswith("add a line `title:")
    assert result.objective("2026-Q4/acme/grow").title == "grow"  # still loads, titled by its slug


@pytest.mark.parametrize("value", ['""', "", "'   '"])
def test_empty_title(site, value):
    result = site({GROW: f"---\nkind: committed\ntitle: {value}\n---\n"})
    result.expect("empty-field", GROW, 3, "`title` of the objective is empty")


def test_title_of_the_wrong_type(site):
    result = site({GROW: "---\ntitle: [a, b]\n---\n"})
    result.expect("wrong-type", GROW, 2, "`title` must be text, not a list", column=8)


def test_unknown_field_suggests_the_nearest(site):
    result = site({GROW: "---\ntitle: Grow\nkey_result:\n  - title: x\nparnet: acme/x\n---\n"})
    assert result.expect("unknown-field", GROW, 3, "unknown field `key_result` in an objective",
                         column=1).hint == "did you mean `key_results`?"
    assert result.expect("unknown-field", GROW, 5, "`parnet`").hint == "did you mean `parent`?"


@pytest.mark.parametrize("field, value, suggestion", [
    ("kind", "commited", "committed"),
    ("status", "cancelled!", "cancelled"),
    ("visibility", "public", None),
    ("level", "departement", "department"),
])
def test_values_outside_their_choices(site, field, value, suggestion):
    result = site({GROW: f"---\ntitle: Grow\n{field}: {value}\n---\n"})
    found = result.expect("invalid-value", GROW, 3, f"`{field}: {value}` is not one of")
    if suggestion:
        assert found.hint == f"did you mean `{suggestion}`?"


@pytest.mark.parametrize("score", ["1.5", "-0.1", "high", "170%"])
def test_score_out_of_range(site, score):
    result = site({GROW: f"---\ntitle: Grow\nscore: {score}\n---\n"})
    result.expect("score-range", GROW, 3, "`score` must be a grade between 0.0 and 1.0")


def test_parent_and_parents(site):
    result = site({
        GROW: "---\ntitle: Grow\nparent: x\nparents: [y]\n---\n",
        f"{Q4}/acme/x.md": "---\ntitle: X\n---\n", f"{Q4}/acme/y.md": "---\ntitle: Y\n---\n",
    })
    result.expect("parent-and-parents", GROW, 4, "either `parent:` or `parents:`")
    assert [str(p) for p in result.objective("2026-Q4/acme/grow").parents] == [
        "2026-Q4/acme/x", "2026-Q4/acme/y"]


def test_parents_must_be_references(site):
    result = site({
        GROW: "---\ntitle: Grow\nparents:\n  - x\n  - {objective: y}\n---\n",
        f"{Q4}/acme/x.md": "---\ntitle: X\n---\n",
    })
    result.expect("wrong-type", GROW, 5, "each of `parents` must be an objective reference, not a mapping")


def test_change_record_needs_a_change(site):
    result = site({GROW: "---\ntitle: Grow\nchanges:\n  - {date: 2026-11-10, why: x}\n  - 12\n---\n"})
    result.expect("missing-field", GROW, 4, "the change record has no `change`")
    result.expect("wrong-type", GROW, 5, "item 2 of `changes` must be a mapping of fields")


def test_key_results_must_be_a_list(site):
    result = site({GROW: "---\ntitle: Grow\nkey_results: {title: x}\n---\n"})
    result.expect("wrong-type", GROW, 3, "`key_results` must be a list")


# Key results -----------------------------------------------------------------------------


def test_every_kind_of_key_result(site):
    result = site({
        f"{Q4}/platform/adoption.md": "---\ntitle: Teams adopt the platform\n---\n",
        f"{Q4}/platform/reliability.md": """
            ---
            title: Make the platform boringly reliable
            key_results:
              - id: uptime
                title: Raise API availability from 99.5% to 99.95%
                start: 99.5
                target: 99.95
                unit: "%"
                owner: bob
                weight: 2
              - id: p99
                title: Cut p99 latency to 300 ms
                start: 800
                target: 300
                unit: ms
                current: 650
              - id: runbooks
                title: Every service has a runbook
                progress: 40%
              - id: adoption
                title: Teams ship on the new platform
                objective: adoption
              - title: Keep error budget burn under 1.0
                target: "<= 1.0"
                current: 0.8
              - title: Deploys
                target: "≥ 20"
              - title: Customers
                start: "1,200"
                target: 1 500
              - title: Done thing
                done: true
            ---
        """,
    })
    result.assert_clean()
    krs = result.objective("2026-Q4/platform/reliability").key_results
    assert [kr.id for kr in krs] == ["uptime", "p99", "runbooks", "adoption", "kr5", "kr6", "kr7", "kr8"]
    assert [kr.kind for kr in krs] == [
        KRKind.INCREASING, KRKind.DECREASING, KRKind.MILESTONE, KRKind.LINKED,
        KRKind.THRESHOLD, KRKind.THRESHOLD, KRKind.INCREASING, KRKind.MILESTONE,
    ]
    uptime, p99, runbooks, adoption, burn, deploys, customers, done = krs
    assert (uptime.start, uptime.target, uptime.unit, uptime.owner, uptime.weight) == (
        99.5, 99.95, "%", "bob", 2.0)
    assert uptime.line == 4 and uptime.readings == ()
    assert p99.readings[0].value == 650 and p99.readings[0].date is None
    assert runbooks.readings[0].progress == 0.4
    assert adoption.linked == "2026-Q4/platform/adoption"
    assert burn.threshold == Threshold("<=", 1.0) and burn.readings[0].value == 0.8
    assert deploys.threshold == Threshold(">=", 20)
    assert (customers.start, customers.target) == (1200, 1500)
    assert done.readings[0].done is True


def test_explicit_id_may_clash_with_a_positional_one(site):
    result = kr_site(site, """
        - {title: A, target: 1}
        - {id: kr1, title: B, target: 2}
    """)
    result.expect("duplicate-id", GROW, 5, "key result id `kr1` is used twice in this objective")


def test_key_result_id_that_cannot_be_an_anchor(site):
    result = kr_site(site, "  - {id: p99 latency, title: A, target: 1}")
    found = result.expect("invalid-name", GROW, 4, "key result id 'p99 latency' cannot be used")
    assert "p99-latency" in found.hint


def test_key_result_without_title(site):
    result = kr_site(site, "  - {id: a, target: 1}\n  - {id: b, title: '', target: 1}")
    result.expect("missing-field", GROW, 4, "key result 1 has no `title`")
    result.expect("empty-field", GROW, 5, "`title` of key result 2 is empty")


def test_unknown_key_result_field(site):
    result = kr_site(site, "  - title: A\n    targte: 10\n")
    assert result.expect("unknown-field", GROW, 5, "`targte` in a key result").hint == \
        "did you mean `target`?"


def test_start_equal_to_target(site):
    result = kr_site(site, "  - title: Hold NPS\n    start: 40\n    target: 40\n")
    found = result.expect("start-equals-target", GROW, 6, "start and target are both 40")
    assert 'target: ">= VALUE"' in found.hint


@pytest.mark.parametrize("block, code, line, message", [
    ("  - title: A\n    start: 40\n", "start-without-target", 5, "has a start but no target"),
    ("  - title: A\n    start: 40\n    target: '>= 50'\n", "threshold-with-start", 5,
     "holds a level; it has no start"),
    ("  - title: A\n    target: '>= lots'\n", "not-a-number", 5,
     "threshold '>= lots' must compare with a number"),
    ("  - title: A\n    current: 3\n", "milestone-value", 5,
     "a milestone key result (no start/target) has no current value"),
    ("  - title: A\n    target: 10\n    done: true\n", "numeric-progress", 6, "`done` applies to milestones"),
    ("  - title: A\n    target: 10\n    progress: 40%\n", "numeric-progress", 6,
     "`progress` applies to milestones"),
    ("  - title: A\n    progress: 2\n", "not-a-fraction", 5, "`progress` must be a share like 40% or 0.4"),
    ("  - title: A\n    progress: -10%\n", "not-a-fraction", 5, "`progress` must be a share"),
    ("  - title: A\n    progress: lots\n", "not-a-fraction", 5, "`progress` must be a share"),
    ("  - title: A\n    weight: 0\n", "weight-range", 5, "weight 0 is out of range"),
    ("  - title: A\n    weight: -1\n", "weight-range", 5, "weight -1 is out of range"),
    ("  - title: A\n    weight: 101\n", "weight-range", 5, "weight 101 is out of range"),
    ("  - title: A\n    weight: heavy\n", "not-a-number", 5, "`weight` must be a number"),
    ("  - [a, b]\n", "wrong-type", 4, "item 1 of `key_results` must be a mapping of fields, not a list"),
    ("  - {title: A, objective: nowhere}\n", "unknown-reference", 4, "`nowhere` does not name an objective"),
])
def test_bad_key_result(site, block, code, line, message):
    kr_site(site, block).expect(code, GROW, line, message)


@pytest.mark.parametrize("field, line", [("start", 5), ("target", 6), ("current", 7)])
def test_non_numeric_values(site, field, line):
    values = {"start": 1, "target": 10, "current": 5}
    values[field] = "about ten"  # type: ignore[assignment]
    block = "  - title: A\n" + "".join(f"    {k}: {v}\n" for k, v in values.items())
    result = kr_site(site, block)
    found = result.expect("not-a-number", GROW, line, f"`{field}` must be a number, not the text \"about ten\"")
    assert "unit:" in found.hint


def test_linked_key_result_with_values(site):
    result = kr_site(site, "  - title: A\n    objective: other\n    target: 10\n",
                     {f"{Q4}/acme/other.md": "---\ntitle: Other\n---\n"})
    result.expect("linked-with-value", GROW, 6, "takes its progress from `other`; `target` has no effect")


# Cycles ----------------------------------------------------------------------------------


def test_calendar_quarters():
    q1, q4 = dates_from_name("2026-Q1"), dates_from_name("2026-Q4")
    assert (q1.start, q1.end, q1.scheme) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "calendar")
    assert (q4.start, q4.end, q4.label) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "Q4 2026")
    assert dates_from_name("2026-Q5") is None and dates_from_name("2026-H2") is None


@pytest.mark.parametrize("name, month, start, end", [
    ("FY2027-Q1", 2, (2026, 2, 1), (2026, 4, 30)),
    ("FY27-Q1", 2, (2026, 2, 1), (2026, 4, 30)),
    ("FY2027-Q4", 2, (2026, 11, 1), (2027, 1, 31)),
    ("FY2026-Q1", 1, (2026, 1, 1), (2026, 3, 31)),
    ("FY2027-Q1", 7, (2026, 7, 1), (2026, 9, 30)),
    ("FY2027-Q3", 10, (2027, 4, 1), (2027, 6, 30)),
    ("FY2027-Q4", 12, (2027, 9, 1), (2027, 11, 30)),
])
def test_fiscal_quarters(name, month, start, end):
    dates = dates_from_name(name, month)
    assert (dates.start, dates.end, dates.scheme) == (dt.date(*start), dt.date(*end), "fiscal")


@pytest.mark.parametrize("month", range(1, 13))
def test_fiscal_year_is_four_contiguous_quarters_ending_in_its_year(month):
    starts = [fiscal_quarter_start(2027, q, month) for q in range(1, 5)]
    ends = [dates_from_name(f"FY2027-Q{q}", month).end for q in range(1, 5)]
    assert all(ends[i] + dt.timedelta(days=1) == starts[i + 1] for i in range(3))
    assert ends[3].year == 2027 and (ends[3] + dt.timedelta(days=1)).month == month


def test_fiscal_cycle_follows_site_toml(site):
    result = site({
        "site.toml": "[cycles]\nfiscal_year_start_month = 2\n",
        "content/FY2027-Q1/acme/grow.md": GROW_MD,
    })
    cycle = result.site.cycles["FY2027-Q1"]
    assert (cycle.start, cycle.end, cycle.scheme, cycle.title) == (
        dt.date(2026, 2, 1), dt.date(2026, 4, 30), "fiscal", "FY2027 Q1")


def test_custom_cycle_and_cycle_meta(site):
    result = site({
        "content/2026-H2/_cycle.md": """
            ---
            title: "H2 2026: company bets"
            start: 2026-07-01
            end: 2026-12-31
            theme: Two bets that take longer than a quarter
            closed: true
            ---
            What we learned.
        """,
        "content/2026-H2/acme/grow.md": GROW_MD,
        "content/2026-Q3/acme/grow.md": GROW_MD,
        "content/sprint-42/_cycle.md": "---\nstart: 2026-06-01\nend: 2026-06-14\n---\n",
    })
    result.assert_clean()
    h2 = result.site.cycles["2026-H2"]
    assert (h2.title, h2.start, h2.end, h2.scheme, h2.closed) == (
        "H2 2026: company bets", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "custom", True)
    assert h2.theme == "Two bets that take longer than a quarter" and h2.notes == "What we learned.\n"
    assert h2.path == "content/2026-H2/_cycle.md" and h2.phase(dt.date(2026, 8, 1)) == "ended"
    assert list(result.site.cycles) == ["sprint-42", "2026-Q3", "2026-H2"]  # by start, then end
    assert result.site.cycles["sprint-42"].title == "sprint-42"


def test_cycle_meta_may_override_quarter_dates(site):
    result = site({
        f"{Q4}/_cycle.md": "---\nend: 2027-01-15\n---\n",
        GROW: GROW_MD,
    })
    q4 = result.site.cycles["2026-Q4"]
    assert (q4.start, q4.end, q4.title) == (dt.date(2026, 10, 1), dt.date(2027, 1, 15), "Q4 2026")


def test_custom_cycle_without_dates(site):
    result = site({
        "content/2026-H2/acme/grow.md": GROW_MD,
        "content/2026-T1/_cycle.md": "---\ntitle: T1\nstart: 2026-01-01\n---\n",
        "content/2026-T1/acme/grow.md": GROW_MD,
    })
    found = result.expect("cycle-no-dates", "content/2026-H2", 1, "cycle `2026-H2` has no start and end")
    assert "create content/2026-H2/_cycle.md" in found.hint
    found = result.expect("cycle-no-dates", "content/2026-T1/_cycle.md", 1, "has no end")
    assert "add `end: YYYY-MM-DD`" in found.hint
    assert result.site.cycles == {}
    assert "2026-H2/acme/grow" in result.site.objectives  # the objectives still load


def test_unreadable_cycle_meta_is_reported_once(site):
    result = site({
        "content/2026-H2/_cycle.md": "---\ntheme: Bets: two of them\nstart: 2026-07-01\n---\n",
        "content/2026-H2/acme/grow.md": GROW_MD,
    })
    result.expect("yaml-syntax", "content/2026-H2/_cycle.md", 2, "mapping values are not allowed")
    assert result.with_code("cycle-no-dates") == []


def test_cycle_that_ends_before_it_starts(site):
    result = site({
        "content/2026-H2/_cycle.md": "---\nstart: 2026-12-31\nend: 2026-07-01\n---\n",
        "content/2026-H2/acme/grow.md": GROW_MD,
    })
    result.expect("impossible-dates", "content/2026-H2/_cycle.md", 3,
                  "cycle `2026-H2` ends (2026-07-01) before it starts (2026-12-31)")


def test_cycle_meta_fields_are_checked(site):
    result = site({
        f"{Q4}/_cycle.md": "---\ntitel: Q4\nclosed: yes please\nstart: 2026-02-30\n---\n",
        GROW: GROW_MD,
    })
    assert result.expect("unknown-field", f"{Q4}/_cycle.md", 2, "`titel` in _cycle.md").hint == \
        "did you mean `title`?"
    result.expect("wrong-type", f"{Q4}/_cycle.md", 3, "`closed` must be true or false")
    result.expect("impossible-date", f"{Q4}/_cycle.md", 4, "`2026-02-30` is not a real date")


# org.yaml --------------------------------------------------------------------------------

ORG = """
    teams:
      acme:        {name: Acme Inc.}
      engineering: {name: Engineering, parent: acme, lead: grace}
      platform:    {name: Platform team, parent: engineering}
    people:
      grace: {name: Grace Hopper, team: engineering}
      alice: Alice Andersson
"""


def test_org_levels_follow_the_tree(site):
    result = site({
        "content/org.yaml": ORG,
        f"{Q4}/acme/grow.md": "---\ntitle: Grow\n---\n",
        f"{Q4}/engineering/ship.md": "---\ntitle: Ship\nparent: acme/grow\n---\n",
        f"{Q4}/platform/reliable.md": "---\ntitle: Reliable\nparent: engineering/ship\n---\n",
        f"{Q4}/grace/learn.md": "---\ntitle: Learn\nparent: engineering/ship\n---\n",
        f"{Q4}/platform/hire.md": "---\ntitle: Hire\nowner: alice\nlevel: department\nparent: acme/grow\n---\n",
    })
    result.assert_clean()
    levels = {oid: o.level for oid, o in result.site.objectives.items()}
    assert levels == {
        "2026-Q4/acme/grow": Level.COMPANY, "2026-Q4/engineering/ship": Level.DEPARTMENT,
        "2026-Q4/platform/reliable": Level.TEAM, "2026-Q4/grace/learn": Level.INDIVIDUAL,
        "2026-Q4/platform/hire": Level.DEPARTMENT,
    }
    org = result.site.org
    assert org.defined and org.name("engineering") == "Engineering" and org.name("alice") == "Alice Andersson"
    assert org.teams["engineering"].lead == "grace" and org.people["grace"].team == "engineering"
    assert org.ancestors("platform") == ["engineering", "acme"]
    assert result.objective("2026-Q4/platform/hire").owner == "alice"


def test_without_org_owners_are_any_text_and_have_no_level(site):
    result = site({f"{Q4}/field-ops/grow.md": "---\ntitle: Grow\nowner: VP, Field Ops\n---\n"})
    result.assert_clean()
    o = result.objective("2026-Q4/field-ops/grow")
    assert o.owner == "VP, Field Ops" and o.level is None
    assert not result.site.org.defined and result.site.org.name("VP, Field Ops") == "VP, Field Ops"


def test_unknown_owners(site):
    result = site({
        "content/org.yaml": ORG,
        f"{Q4}/platfrom/grow.md": "---\ntitle: Grow\n---\n",
        f"{Q4}/platform/ship.md": "---\ntitle: Ship\nowner: bob\nkey_results:\n  - {title: A, owner: alise}\n---\n",
    })
    found = result.expect("unknown-owner", f"{Q4}/platfrom/grow.md", 2,
                          "owner `platfrom` is neither a team nor a person in org.yaml")
    assert found.hint == "did you mean `platform`?"
    found = result.expect("unknown-owner", f"{Q4}/platform/ship.md", 3, "owner `bob`", column=8)
    assert found.hint == "valid owners: `acme`, `alice`, `engineering`, `grace`, `platform`"
    found = result.expect("unknown-owner", f"{Q4}/platform/ship.md", 5, "key result owner `alise`")
    assert found.hint == "did you mean `alice`?"


def test_org_references_are_checked(site):
    result = site({
        "content/org.yaml": """
            teams:
              acme: {name: Acme}
              sales: {name: Sales, parent: acm, lead: nobody}
              loop-a: {parent: loop-b}
              loop-b: {parent: loop-a}
              field ops: {name: Field Ops}
              odd: [1, 2]
            people:
              sales: {name: Sam}
              ann: {name: Ann, team: sale, role: x}
            groups: {}
        """,
        GROW: GROW_MD,
    })
    org = "content/org.yaml"
    assert result.expect("unknown-owner", org, 3, "`acm` is not a team in org.yaml").hint == \
        "did you mean `acme`?"
    result.expect("unknown-owner", org, 3, "`nobody` is not a person in org.yaml")
    result.expect("org-cycle", org, 4, "team `loop-a` is its own ancestor: loop-a → loop-b → loop-a")
    result.expect("org-cycle", org, 5, "team `loop-b` is its own ancestor")
    result.expect("invalid-name", org, 6, "team id 'field ops' cannot be used in a URL")
    result.expect("wrong-type", org, 7, "entry `odd` must be a mapping")
    result.expect("duplicate-id", org, 9, "`sales` is both a team and a person")
    result.expect("unknown-owner", org, 10, "`sale` is not a team in org.yaml")
    result.expect("unknown-field", org, 10, "unknown field `role` in the people entry `ann`")
    assert result.expect("unknown-field", org, 11, "`groups` in org.yaml").hint == \
        "valid fields: `people`, `teams`"


def test_org_yaml_syntax_error(site):
    result = site({"content/org.yaml": "teams:\n  acme: {name: Acme\npeople: {}\n", GROW: GROW_MD})
    result.expect("yaml-syntax", "content/org.yaml", 3, "YAML syntax error")


def test_org_team_table_of_the_wrong_type(site):
    result = site({"content/org.yaml": "teams: [acme, sales]\n", GROW: GROW_MD})
    result.expect("wrong-type", "content/org.yaml", 1, "`teams` must be a mapping of ids to entries")


# References ------------------------------------------------------------------------------


def refs_site(site, parent: str, extra: dict[str, str] | None = None):
    return site({
        "content/2026-Q3/platform/reliability.md": GROW_MD,
        f"{Q4}/platform/reliability.md": GROW_MD,
        f"{Q4}/engineering/ship-faster.md": """
            ---
            title: Ship faster
            key_results: [{id: deploys, title: Deploy daily, target: 20}]
            ---
        """,
        f"{Q4}/platform/child.md": f"---\ntitle: Child\nparent: {parent}\n---\n",
        **(extra or {}),
    })


@pytest.mark.parametrize("written, resolved", [
    ("reliability", "2026-Q4/platform/reliability"),
    ("engineering/ship-faster", "2026-Q4/engineering/ship-faster"),
    ("engineering/ship-faster#deploys", "2026-Q4/engineering/ship-faster#deploys"),
    ("2026-Q3/platform/reliability", "2026-Q3/platform/reliability"),
    ("2026-Q3/reliability", "2026-Q3/platform/reliability"),
    ("2026-Q3/platform/reliability#arr", "2026-Q3/platform/reliability#arr"),
    ("/engineering/ship-faster/", "2026-Q4/engineering/ship-faster"),
])
def test_references_resolve_relative_to_the_file(site, written, resolved):
    result = refs_site(site, written)
    result.assert_clean()
    assert [str(p) for p in result.objective("2026-Q4/platform/child").parents] == [resolved]


def test_several_parents(site):
    result = refs_site(site, "x", {
        f"{Q4}/platform/child.md": "---\ntitle: Child\nparents: [reliability, engineering/ship-faster#deploys]\n---\n",
    })
    result.assert_clean()
    child = result.objective("2026-Q4/platform/child")
    assert [(p.objective, p.kr) for p in child.parents] == [
        ("2026-Q4/platform/reliability", None), ("2026-Q4/engineering/ship-faster", "deploys")]
    assert result.site.children["2026-Q4/engineering/ship-faster"] == ("2026-Q4/platform/child",)
    assert result.site.ancestors("2026-Q4/platform/child") == ["2026-Q4/platform/reliability"]


@pytest.mark.parametrize("written, message, hint", [
    ("reliabilty", "`reliabilty` does not name an objective", "did you mean `reliability`?"),
    ("ship-faster", "`ship-faster` does not name an objective", "did you mean `engineering/ship-faster`?"),
    ("sales/ship-faster", "`sales/ship-faster` does not name an objective", "did you mean `engineering/ship-faster`?"),
    ("nothing-like-it", "`nothing-like-it` does not name an objective", "a bare name means an objective of `platform`"),
])
def test_unknown_reference(site, written, message, hint):
    result = refs_site(site, written)
    found = result.expect("unknown-reference", f"{Q4}/platform/child.md", 3, message, column=9)
    assert hint in found.hint


def test_unknown_key_result_in_a_reference(site):
    result = refs_site(site, "engineering/ship-faster#deploy")
    found = result.expect("unknown-key-result", f"{Q4}/platform/child.md", 3,
                          "objective `2026-Q4/engineering/ship-faster` has no key result `deploy`")
    assert found.hint == "did you mean `deploys`?"


@pytest.mark.parametrize("written, code, message", [
    ("../reliability", "invalid-reference", "reference '../reliability' is not a valid objective reference"),
    ("platform//reliability", "invalid-reference", "is not a valid objective reference"),
    ("a/b/c/d", "unknown-reference", "`a/b/c/d` does not name an objective"),
    ("'#deploys'", "unknown-reference", "`#KR` needs an objective"),
])
def test_invalid_reference(site, written, code, message):
    result = refs_site(site, written)
    result.expect(code, f"{Q4}/platform/child.md", 3, message)
    assert len(result.errors) == 1


def test_ambiguous_reference(site):
    # An owner folder named like a cycle makes `2026-Q3/reliability` mean two things.
    result = refs_site(site, "2026-Q3/reliability", {
        f"{Q4}/2026-Q3/reliability.md": GROW_MD,
    })
    found = result.expect("ambiguous-reference", f"{Q4}/platform/child.md", 3,
                          "could mean `2026-Q4/2026-Q3/reliability` or `2026-Q3/platform/reliability`")
    assert found.hint == "write the full CYCLE/OWNER/SLUG"


def test_alignment_cycle(site):
    result = site({
        f"{Q4}/acme/b.md": "---\ntitle: B\nparent: c\n---\n",
        f"{Q4}/acme/c.md": "---\ntitle: C\nparent: a#kr1\n---\n",
        f"{Q4}/acme/a.md": "---\ntitle: A\nparent: b\nkey_results: [x]\n---\n",
        f"{Q4}/acme/self.md": "---\ntitle: Self\nparent: self\n---\n",
    })
    loop = "alignment cycle: 2026-Q4/acme/a → 2026-Q4/acme/b → 2026-Q4/acme/c → 2026-Q4/acme/a"
    for name in "abc":
        result.expect("alignment-cycle", f"{Q4}/acme/{name}.md", 2, loop)
    result.expect("alignment-cycle", f"{Q4}/acme/self.md", 3, "cannot align to itself")
    # the loop is cut, so walking up ends
    assert len(result.site.ancestors("2026-Q4/acme/c")) <= 2


def test_progress_cycle_through_linked_key_results(site):
    result = site({
        f"{Q4}/acme/a.md": "---\ntitle: A\nkey_results: [{title: B done, objective: b}]\n---\n",
        f"{Q4}/acme/b.md": "---\ntitle: B\nkey_results: [{title: A done, objective: a}]\n---\n",
        f"{Q4}/acme/c.md": "---\ntitle: C\nkey_results: [{title: Me, objective: c}]\n---\n",
    })
    result.expect("progress-cycle", f"{Q4}/acme/a.md", 2, "progress depends on itself")
    result.expect("progress-cycle", f"{Q4}/acme/b.md", 2, "progress depends on itself")
    result.expect("progress-cycle", f"{Q4}/acme/c.md", 3, "cannot link to its own objective")
    # each loop is cut at one linked KR, which then has no progress; scoring terminates
    cut = [kr for oid in ("2026-Q4/acme/a", "2026-Q4/acme/b") for kr in result.objective(oid).key_results]
    assert sorted(kr.linked is None for kr in cut) == [False, True]
    assert all(kr.kind is KRKind.LINKED for kr in cut)
    assert result.score("2026-Q4/acme/c").progress is None


# Check-ins -------------------------------------------------------------------------------

CHECKIN = f"{Q4}/platform/checkins/2026-11-20.md"


def test_checkin_updating_several_objectives(site):
    result = site({**PLATFORM, CHECKIN: """
        ---
        author: alice
        confidence: medium
        updates:
          reliability#uptime: 99.81
          reliability#p99: {value: 540, confidence: low, note: "cache miss storm on the 14th"}
          reliability#runbooks: {done: true}
          adoption#guide: {progress: 40%}
          adoption#teams: "4"
        ---
        Notes.
    """})
    result.assert_clean()
    checkin = result.site.checkins[CHECKIN]
    assert checkin.date == dt.date(2026, 11, 20) and checkin.author == "alice"
    assert checkin.confidence == 0.6 and checkin.objective is None
    assert checkin.body == "Notes.\n" and checkin.body_line == 11
    assert checkin.objectives == ("2026-Q4/platform/reliability", "2026-Q4/platform/adoption")
    assert [(u.objective.rsplit("/", 1)[1], u.kr) for u in checkin.updates] == [
        ("reliability", "uptime"), ("reliability", "p99"), ("reliability", "runbooks"),
        ("adoption", "guide"), ("adoption", "teams")]
    p99 = result.kr("2026-Q4/platform/reliability#p99").readings[-1]
    assert (p99.value, p99.confidence, p99.note, p99.date, p99.checkin) == (
        540, 0.3, "cache miss storm on the 14th", dt.date(2026, 11, 20), CHECKIN)
    uptime = result.kr("2026-Q4/platform/reliability#uptime").readings[-1]
    assert uptime.value == 99.81 and uptime.confidence == 0.6  # the check-in's confidence
    assert result.kr("2026-Q4/platform/reliability#runbooks").readings[-1].done is True
    assert result.kr("2026-Q4/platform/adoption#guide").readings[-1].progress == 0.4
    assert result.kr("2026-Q4/platform/adoption#teams").readings[-1].value == 4
    for oid in checkin.objectives:
        assert result.objective(oid).checkins == (CHECKIN,)


def test_checkin_with_objective_resolves_bare_ids(site):
    result = site({**PLATFORM, f"{Q4}/platform/checkins/2026/week-47.md": """
        ---
        date: 2026-11-18
        objective: reliability
        updates:
          uptime: 99.7
          adoption#teams: 3
          2026-Q4/platform/adoption#guide: true
        ---
    """})
    result.assert_clean()
    checkin = result.site.checkins[f"{Q4}/platform/checkins/2026/week-47.md"]
    assert checkin.date == dt.date(2026, 11, 18) and checkin.objective == "2026-Q4/platform/reliability"
    assert [u.kr for u in checkin.updates] == ["uptime", "teams", "guide"]


def test_checkin_in_a_bundle(site):
    result = site({
        f"{Q4}/platform/reliability/index.md": RELIABILITY,
        f"{Q4}/platform/adoption.md": ADOPTION,
        f"{Q4}/platform/reliability/2026-11-20.md": "---\nupdates:\n  uptime: 99.9\n  adoption#teams: 2\n---\n",
        f"{Q4}/platform/reliability/notes/2026-11-21-retro.md": "---\n---\nJust notes.\n",
    })
    result.assert_clean()
    assert result.objective("2026-Q4/platform/reliability").checkins == (
        f"{Q4}/platform/reliability/2026-11-20.md", f"{Q4}/platform/reliability/notes/2026-11-21-retro.md")
    notes = result.site.checkins[f"{Q4}/platform/reliability/notes/2026-11-21-retro.md"]
    assert notes.objective == "2026-Q4/platform/reliability" and notes.updates == ()
    assert result.objective("2026-Q4/platform/adoption").checkins == (f"{Q4}/platform/reliability/2026-11-20.md",)


def test_same_day_checkins_apply_in_file_name_order(site):
    result = site({
        **PLATFORM,
        f"{Q4}/platform/checkins/2026-11-20-b.md": "---\nupdates: {reliability#uptime: 99.9}\n---\n",
        f"{Q4}/platform/checkins/2026-11-20-a.md": "---\nupdates: {reliability#uptime: 99.6}\n---\n",
        f"{Q4}/platform/checkins/2026-11-19-z.md": "---\nupdates: {reliability#uptime: 99.7}\n---\n",
        f"{Q4}/platform/checkins/2026-11-20.md": "---\nupdates: {reliability#uptime: 99.5}\n---\n",
    })
    readings = result.kr("2026-Q4/platform/reliability#uptime").readings
    assert [r.value for r in readings] == [99.7, 99.5, 99.6, 99.9]
    assert list(result.site.checkins) == [
        f"{Q4}/platform/checkins/2026-11-19-z.md", f"{Q4}/platform/checkins/2026-11-20.md",
        f"{Q4}/platform/checkins/2026-11-20-a.md", f"{Q4}/platform/checkins/2026-11-20-b.md"]


def test_checkin_overrides_the_value_in_the_objective(site):
    result = site({
        f"{Q4}/platform/reliability.md": RELIABILITY.replace("target: 99.95}", "target: 99.95, current: 99.6}"),
        f"{Q4}/platform/adoption.md": ADOPTION,
        CHECKIN: "---\nupdates: {reliability#uptime: 99.8}\n---\n",
    })
    readings = result.kr("2026-Q4/platform/reliability#uptime").readings
    assert [(r.date, r.value) for r in readings] == [(None, 99.6), (dt.date(2026, 11, 20), 99.8)]


@pytest.mark.parametrize("written, scale", [
    ("low", 0.3), ("Medium", 0.6), ("high", 0.9),
    ("0.75", 0.75), ("1.0", 1.0), ("0", 0.0), ("70%", 0.7),
    ("7", 0.7), ("10", 1.0), ("1", 0.1), ("5.5", 0.55),
])
def test_every_confidence_scale(site, written, scale):
    result = site({**PLATFORM, CHECKIN: f"---\nobjective: reliability\nconfidence: {written}\n---\n"})
    result.assert_clean()
    assert result.site.checkins[CHECKIN].confidence == pytest.approx(scale)


@pytest.mark.parametrize("written", ["11", "-1", "very", "150%", "true"])
def test_confidence_off_every_scale(site, written):
    result = site({**PLATFORM, CHECKIN: f"---\nobjective: reliability\nconfidence: {written}\n---\n"})
    found = result.expect("confidence-range", CHECKIN, 3, "is not on a known scale")
    assert "low, medium or high" in found.hint


def test_confidence_scales_as_a_function():
    assert parse_confidence(1) == 0.1 and parse_confidence(1.0) == 1.0 and parse_confidence(0.4) == 0.4
    assert parse_confidence(None) is None and parse_confidence([1]) is None


def test_update_confidence_off_scale(site):
    result = site({**PLATFORM, CHECKIN: "---\nupdates:\n  reliability#uptime: {value: 99.8, confidence: 12}\n---\n"})
    result.expect("confidence-range", CHECKIN, 3, "confidence `12` is not on a known scale")


def test_checkin_date_from_field_or_name(site):
    result = site({
        **PLATFORM,
        f"{Q4}/platform/checkins/weekly.md": "---\nobjective: reliability\n---\n",
        f"{Q4}/platform/checkins/2026-02-30.md": "---\nobjective: reliability\n---\n",
        f"{Q4}/platform/checkins/2026-11-05-sync.md": "---\nobjective: reliability\ndate: 2026-11-06\n---\n",
    })
    found = result.expect("checkin-no-date", f"{Q4}/platform/checkins/weekly.md", 1,
                          "has no `date:` and its file name does not start with one")
    assert "YYYY-MM-DD.md" in found.hint
    result.expect("impossible-date", f"{Q4}/platform/checkins/2026-02-30.md", 1,
                  "file name date 2026-02-30 is not a real date")
    assert result.site.checkins[f"{Q4}/platform/checkins/2026-11-05-sync.md"].date == dt.date(2026, 11, 6)


def test_impossible_date_field_is_reported_once(site):
    result = site({**PLATFORM, f"{Q4}/platform/checkins/sync.md": "---\nobjective: reliability\ndate: 2026-11-31\n---\n"})
    result.expect("impossible-date", f"{Q4}/platform/checkins/sync.md", 3, "`2026-11-31` is not a real date")
    assert result.with_code("checkin-no-date") == []


def test_checkin_date_of_the_wrong_type(site):
    result = site({**PLATFORM, CHECKIN: "---\nobjective: reliability\ndate: last friday\n---\n"})
    result.expect("wrong-type", CHECKIN, 3, "`date` must be a date like 2026-11-20")


def test_checkin_outside_its_cycle(site):
    result = site({
        **PLATFORM,
        f"{Q4}/platform/checkins/2027-01-08.md": "---\nobjective: reliability\n---\n",
        f"{Q4}/platform/checkins/late.md": "---\nobjective: reliability\ndate: 2026-09-30\n---\n",
    })
    found = result.expect("checkin-outside-cycle", f"{Q4}/platform/checkins/2027-01-08.md", 1,
                          "check-in dated 2027-01-08 is outside its cycle 2026-Q4 (2026-10-01 to 2026-12-31)")
    assert "move the file" in found.hint
    result.expect("checkin-outside-cycle", f"{Q4}/platform/checkins/late.md", 3, "dated 2026-09-30")


def test_checkin_for_unknown_objective_or_key_result(site):
    result = site({**PLATFORM, CHECKIN: """
        ---
        updates:
          reliabilty#uptime: 99.8
          reliability#uptim: 99.8
          uptime: 99.8
        ---
    """})
    assert result.expect("unknown-reference", CHECKIN, 3, "`reliabilty` does not name an objective",
                         column=3).hint == "did you mean `reliability`?"
    assert result.expect("unknown-key-result", CHECKIN, 4,
                         "objective `2026-Q4/platform/reliability` has no key result `uptim`").hint == \
        "did you mean `uptime`?"
    found = result.expect("unknown-reference", CHECKIN, 5, "`uptime` does not say which objective")
    assert "reliability#uptime" in found.hint
    result.expect("checkin-updates-nothing", CHECKIN, 2, "updates no key result")


def test_checkin_naming_an_unknown_objective(site):
    result = site({**PLATFORM, CHECKIN: "---\nobjective: reliabilty\n---\n"})
    result.expect("unknown-reference", CHECKIN, 2, "`reliabilty` does not name an objective", column=12)


@pytest.mark.parametrize("update, code, message", [
    ("reliability#adoption: 3", "linked-update", "key result `adoption` is linked to `2026-Q4/platform/adoption`"),
    ("reliability#runbooks: 3", "milestone-value", "key result `runbooks` is a milestone"),
    ("reliability#uptime: {done: true}", "numeric-progress", "key result `uptime` is measured by its value"),
    ("reliability#uptime: 40%", "numeric-progress", "measured by its value"),
    ("reliability#uptime: ninety-nine", "not-a-number", "update of `reliability#uptime` must be a number"),
    ("reliability#uptime:", "not-a-number", "not an empty value"),
    ("reliability#runbooks: lots%", "not-a-fraction", "`reliability#runbooks: lots%` is not a percentage"),
    ("reliability#runbooks: {progress: 2}", "not-a-fraction", "`progress` must be a share"),
    ("reliability#uptime: {valeu: 99.9}", "unknown-field", "unknown field `valeu` in the update of `reliability#uptime`"),
    ("reliability#runbooks: {done: maybe}", "wrong-type", "`done` must be true or false"),
])
def test_bad_updates(site, update, code, message):
    result = site({**PLATFORM, CHECKIN: f"---\nupdates:\n  {update}\n---\n"})
    result.expect(code, CHECKIN, 3, message)


def test_updates_must_be_a_mapping(site):
    result = site({**PLATFORM, CHECKIN: "---\nupdates:\n  - reliability#uptime: 99\n---\n"})
    result.expect("wrong-type", CHECKIN, 3, "`updates` must be a mapping of key results to values")


def test_unknown_checkin_field(site):
    result = site({**PLATFORM, CHECKIN: "---\nobjectve: reliability\n---\n"})
    assert result.expect("unknown-field", CHECKIN, 2, "`objectve` in a check-in").hint == \
        "did you mean `objective`?"


def test_unknown_author_with_org(site):
    result = site({
        "content/org.yaml": "teams: {platform: {name: Platform}}\npeople: {alice: Alice}\n",
        **PLATFORM,
        CHECKIN: "---\nobjective: reliability\nauthor: alise\n---\n",
    })
    found = result.expect("unknown-author", CHECKIN, 3, "author `alise` is not a person in org.yaml")
    assert found.severity.value == "warning" and found.hint == "did you mean `alice`?"


# Drafts, private, cancelled --------------------------------------------------------------


def test_drafts_and_private_objectives_in_views(site):
    result = site({
        f"{Q4}/platform/reliability.md": RELIABILITY,
        f"{Q4}/platform/adoption.md": ADOPTION.replace("title: Teams", "status: draft\n    title: Teams", 1),
        f"{Q4}/platform/secret.md": "---\ntitle: Secret\nvisibility: private\nparent: adoption\n---\n",
        f"{Q4}/platform/checkins/2026-11-18.md": "---\nupdates: {adoption#teams: 2}\n---\n",
        f"{Q4}/platform/checkins/2026-11-19.md": "---\nupdates: {adoption#teams: 3, reliability#uptime: 99.6}\n---\n",
    })
    result.assert_clean()
    full = result.result.loaded.site
    assert full is not None and len(full.objectives) == 3
    published = result.site
    assert "2026-Q4/platform/adoption" not in published.objectives
    assert f"{Q4}/platform/checkins/2026-11-18.md" not in published.checkins  # only about the draft
    kept = published.checkins[f"{Q4}/platform/checkins/2026-11-19.md"]
    assert [u.kr for u in kept.updates] == ["uptime"]
    secret = published.objectives["2026-Q4/platform/secret"]
    assert secret.parents == ()  # its parent is a draft, left out of this view
    adoption_kr = published.objectives["2026-Q4/platform/reliability"].kr("adoption")
    assert adoption_kr.kind is KRKind.LINKED and adoption_kr.linked is None

    with_drafts = full.view(drafts=True, public=False)
    assert with_drafts is full
    public = full.view(drafts=True, public=True)
    assert set(public.objectives) == {"2026-Q4/platform/reliability", "2026-Q4/platform/adoption"}
    assert site.check(drafts=True).site.objectives.keys() == full.objectives.keys()


def test_cancelled_objective_loads_and_counts_in_no_average(site):
    result = site({
        f"{Q4}/platform/reliability.md": RELIABILITY.replace("title: Make", "status: cancelled\n    title: Make"),
        f"{Q4}/platform/adoption.md": ADOPTION,
    })
    result.assert_clean()
    assert result.objective("2026-Q4/platform/reliability").cancelled
    score = result.score("2026-Q4/platform/reliability")
    assert score.progress is None and score.status.value == "cancelled" and score.grade is None
    assert result.scores.cycles["2026-Q4"].objectives == 1


def test_a_file_is_read_whole_up_to_the_limit_whatever_its_size(tmp_path: Path) -> None:
    """Most content files take one read; a larger one is read on, and one over the limit is
    read up to it (one byte over the size limit is how a huge file is told apart)."""
    from okrsite.content import loader

    first, limit = loader.FIRST_READ, 3 * loader.FIRST_READ + 5
    for size in (0, 1, first - 1, first, first + 1, 2 * first + 7, limit, limit + 1, limit + 100_000):
        data = bytes(i % 251 for i in range(size))
        path = tmp_path / f"{size}.md"
        path.write_bytes(data)
        assert loader._first_bytes(str(path), limit) == data[:limit], size
