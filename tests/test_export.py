"""`okrsite export`: JSON valid against the shipped JSON Schema, and CSV."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from click.testing import CliRunner

from okrsite.cli import main
from okrsite.export import (
    CSV_COLUMNS,
    Part,
    compact_json_parts,
    export_data,
    json_pieces,
    schema_text,
    to_csv,
    to_json,
)

Q3, Q4 = "content/2026-Q3", "content/2026-Q4"
SITE = {
    "site.toml": 'title = "Acme OKRs"\ntoday = 2026-11-20\n',
    "content/org.yaml": """
        teams:
          acme: {name: Acme Inc.}
          platform: {name: Platform team, parent: acme, lead: alice}
        people:
          alice: {name: Alice Andersson, team: platform}
    """,
    f"{Q3}/acme/grow.md": "---\ntitle: Grow\nscore: 0.7\nkind: committed\n---\n",
    f"{Q4}/acme/grow.md": """
        ---
        title: "=Grow revenue, [fast](https://example.com)"
        tags: [revenue]
        changes:
          - {date: 2026-11-10, change: Lowered the target, why: market}
        key_results:
          - {id: arr, title: Reach 10 M ARR, start: 4, target: 10, unit: M€}
          - {id: platform, title: Platform is reliable, objective: platform/reliability}
        ---
        Why it matters.
    """,
    f"{Q4}/platform/reliability/index.md": """
        ---
        title: Make the platform boringly reliable
        parent: acme/grow#platform
        visibility: private
        key_results:
          - {id: uptime, title: Availability, start: 99.5, target: 99.95, unit: "%", owner: alice, weight: 2}
          - {id: p99, title: p99 latency, start: 800, target: 300, unit: ms}
          - {id: runbooks, title: Runbooks}
          - {id: burn, title: Error budget, target: "<= 1.0"}
        ---
    """,
    f"{Q4}/platform/reliability/2026-11-18.md": """
        ---
        author: alice
        confidence: 7
        updates:
          uptime: 99.8
          p99: {value: 540, note: "-cache storm", confidence: low}
          runbooks: {progress: 40%}
          burn: 0.8
          acme/grow#arr: 6
        ---
        Good week.
    """,
    f"{Q4}/acme/dropped.md": "---\ntitle: Dropped\nstatus: cancelled\n---\n",
}


@pytest.fixture
def exported(site):
    result = site(SITE, today=None)
    result.assert_clean()
    return result, export_data(result.site, result.scores)


def test_json_is_valid_against_the_schema(exported):
    _, data = exported
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)


def test_json_holds_every_cycle_objective_kr_and_checkin_with_scores(exported):
    _, data = exported
    assert data["format_version"] == 1
    assert data["site"] == {"title": "Acme OKRs", "today": "2026-11-20"}
    assert [c["id"] for c in data["cycles"]] == ["2026-Q3", "2026-Q4"]
    q3, q4 = data["cycles"]
    assert (q3["phase"], q3["average_grade"], q3["grade_bands"]) == ("ended", 0.7, {"green": 0, "yellow": 1, "red": 0})
    assert (q4["start"], q4["end"], q4["scheme"], q4["objectives"]) == ("2026-10-01", "2026-12-31", "calendar", 2)
    assert data["org"]["teams"][1] == {"id": "platform", "name": "Platform team", "parent": "acme", "lead": "alice"}
    objectives = {o["id"]: o for o in data["objectives"]}
    assert set(objectives) == {"2026-Q3/acme/grow", "2026-Q4/acme/grow", "2026-Q4/acme/dropped",
                               "2026-Q4/platform/reliability"}
    reliability = objectives["2026-Q4/platform/reliability"]
    assert reliability["parents"] == [{"objective": "2026-Q4/acme/grow", "key_result": "platform"}]
    assert reliability["url"] == "2026-Q4/platform/reliability/"
    assert reliability["source"] == f"{Q4}/platform/reliability/index.md"
    assert reliability["level"] == "department" and reliability["owner_name"] == "Platform team"
    assert reliability["confidence"] == 0.7 and reliability["last_checkin"] == "2026-11-18"
    krs = {kr["id"]: kr for kr in reliability["key_results"]}
    assert krs["uptime"]["ref"] == "2026-Q4/platform/reliability#uptime"
    assert (krs["uptime"]["current"], krs["uptime"]["progress"]) == (99.8, round(0.3 / 0.45, 4))
    assert krs["p99"]["kind"] == "decreasing" and krs["p99"]["progress"] == 0.52
    assert krs["runbooks"]["progress"] == 0.4 and krs["runbooks"]["current"] is None
    assert krs["burn"]["threshold"] == "<= 1" and krs["burn"]["done"] is True
    expected = round((2 * 0.3 / 0.45 + 0.52 + 0.4 + 1) / 5, 4)
    assert reliability["progress"] == expected
    grow = objectives["2026-Q4/acme/grow"]
    assert grow["key_results"][1]["linked_objective"] == "2026-Q4/platform/reliability"
    assert grow["key_results"][1]["progress"] == expected
    assert grow["changes"] == [{"date": "2026-11-10", "change": "Lowered the target", "why": "market"}]
    assert grow["description"] == "Why it matters.\n" and grow["status"] in {"on-track", "at-risk", "off-track"}
    assert objectives["2026-Q3/acme/grow"]["band"] == "yellow"  # committed: green only at 1.0
    assert objectives["2026-Q4/acme/dropped"]["status"] == "cancelled"
    [checkin] = data["checkins"]
    assert checkin["objectives"] == ["2026-Q4/platform/reliability", "2026-Q4/acme/grow"]
    assert checkin["confidence"] == 0.7 and checkin["notes"] == "Good week.\n"
    assert checkin["updates"][1] == {
        "objective": "2026-Q4/platform/reliability", "key_result": "p99", "value": 540.0,
        "done": None, "progress": None, "confidence": 0.3, "note": "-cache storm"}


def test_cycles_filter(exported):
    result, _ = exported
    data = export_data(result.site, result.scores, ["2026-Q3"])
    assert [c["id"] for c in data["cycles"]] == ["2026-Q3"]
    assert [o["id"] for o in data["objectives"]] == ["2026-Q3/acme/grow"] and data["checkins"] == []


def test_csv_has_a_row_per_cycle_objective_kr_and_update(exported):
    _, data = exported
    rows = list(csv.DictReader(io.StringIO(to_csv(data))))
    assert tuple(rows[0]) == CSV_COLUMNS
    kinds = [row["type"] for row in rows]
    assert kinds.count("cycle") == 2 and kinds.count("objective") == 4
    assert kinds.count("key_result") == 6 and kinds.count("checkin_update") == 5
    grow = next(r for r in rows if r["type"] == "objective" and r["objective"] == "2026-Q4/acme/grow")
    assert grow["title"] == "'=Grow revenue, [fast](https://example.com)"  # not run as a formula
    burn = next(r for r in rows if r["key_result"] == "burn" and r["type"] == "key_result")
    assert (burn["target"], burn["current"], burn["progress"], burn["start"]) == ("<= 1", "0.8", "1.0", "")
    note = next(r for r in rows if r["type"] == "checkin_update" and r["key_result"] == "p99")
    assert note["note"] == "'-cache storm" and note["author"] == "alice" and note["date"] == "2026-11-18"
    runbooks = next(r for r in rows if r["type"] == "checkin_update" and r["key_result"] == "runbooks")
    assert runbooks["progress"] == "0.4"


def test_export_command_writes_json_and_csv(site, tmp_path):
    site.write(SITE)
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(site.root)])
    assert result.exit_code == 0, result.output
    jsonschema.validate(json.loads(result.stdout), json.loads(schema_text()))
    out = tmp_path / "okrs.csv"
    result = runner.invoke(main, ["export", str(site.root), "--format", "csv", "--out", str(out), "--cycle", "2026-Q4"])
    assert result.exit_code == 0 and f"wrote {out}" in result.stderr
    assert out.read_text(encoding="utf-8").startswith(",".join(CSV_COLUMNS) + "\n")
    assert "2026-Q3" not in out.read_text(encoding="utf-8")


def test_export_public_leaves_out_private_objectives(site):
    site.write(SITE)
    data = json.loads(CliRunner().invoke(main, ["export", str(site.root), "--public"]).stdout)
    ids = {o["id"] for o in data["objectives"]}
    assert "2026-Q4/platform/reliability" not in ids
    grow = next(o for o in data["objectives"] if o["id"] == "2026-Q4/acme/grow")
    assert grow["key_results"][1]["linked_objective"] is None
    assert [u["key_result"] for u in data["checkins"][0]["updates"]] == ["arr"]


def test_export_refuses_a_site_with_errors(site):
    site.write({**SITE, f"{Q4}/acme/bad.md": "---\ntitle: [\n---\n"})
    result = CliRunner().invoke(main, ["export", str(site.root)])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"{Q4}/acme/bad.md:3:1: error: YAML syntax error" in result.stderr
    assert "nothing exported" in result.stderr


def test_export_unknown_cycle_and_schema_option(site):
    site.write(SITE)
    result = CliRunner().invoke(main, ["export", str(site.root), "--cycle", "2026-Q1"])
    assert result.exit_code == 2 and "no cycle 2026-Q1" in result.stderr
    result = CliRunner().invoke(main, ["export", "--schema"])
    assert json.loads(result.stdout)["title"] == "okrsite export"


def test_a_site_export_joined_from_cycle_pieces_equals_the_whole_encoded_at_once(exported):
    checked, data = exported
    site, scores = checked.site, checked.scores
    head = compact_json_parts(export_data(site, scores, []))
    per_cycle = {c: compact_json_parts(export_data(site, scores, [c])) for c in site.cycles}
    pieces = list(json_pieces(head, lambda key: (per_cycle[c][key] for c in site.cycles)))
    assert len(pieces) > 10
    assert "".join(pieces) == to_json(data, indent=None)
    one = list(json_pieces(head, lambda key: [per_cycle["2026-Q3"][key]]))
    assert json.loads("".join(one)) == export_data(site, scores, ["2026-Q3"])
    empty = export_data(site, scores, [])
    assert json.loads("".join(json_pieces(head, lambda key: []))) == empty
    # the cycles' parts encoded (as the build keeps them): the same bytes
    parts = {c: {k: Part(tuple(v.encode()[i:i + 100] for i in range(0, len(v.encode()), 100)), k)
                 for k, v in per_cycle[c].items()} for c in site.cycles}
    encoded = b"".join(b"".join(p.chunks) if isinstance(p, Part) else p.encode()
                       for p in json_pieces(head, lambda key: (parts[c][key] for c in site.cycles)))
    assert encoded == to_json(data, indent=None).encode()
