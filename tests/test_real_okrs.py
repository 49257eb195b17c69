"""Real published OKR sets load without errors.

Each JSON of ../shared/real-okrs/extracted/ (third parties' text: read at test time, never copied
into the repository) is turned into an okrsite site in tmp_path, as a user would write it: titles
as published (links, inline HTML, 600 characters), owners as written ("VP, Field Ops"), parents
as references, KRs with or without numbers, no org.yaml, the cycle named from the quarter label.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from okrsite.check import check_site
from okrsite.content.cycles import dates_from_name
from okrsite.model import KRKind

from .conftest import SHARED

EXTRACTED = SHARED / "real-okrs" / "extracted"
SETS = sorted(EXTRACTED.glob("*.json")) if EXTRACTED.is_dir() else []
LEVELS = {"company", "department", "team", "individual"}
FISCAL_START = {"Sourcegraph": 2}  # its fiscal year begins in February


def slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.ASCII).strip("-._").lower() or "x"


def cycle_id(label: str) -> str:
    """FY22-Q1 and 2019-Q4 stay as they are; "FY22 (annual)" becomes FY22-annual."""
    return re.sub(r"[^\w.-]+", "-", label).strip("-")


def dump(data: dict[str, Any], body: str = "") -> str:
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000) + "---\n" + body


def key_result(kr: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"title": kr["title"]}
    if kr.get("owner"):
        out["owner"] = kr["owner"]
    if kr.get("target") is not None and kr.get("target_operator"):
        out["target"] = f"{kr['target_operator']} {kr['target']}"
        if kr.get("current") is not None:
            out["current"] = kr["current"]
    elif kr.get("target") is not None:
        if kr.get("start") is not None:
            out["start"] = kr["start"]
        out["target"] = kr["target"]
        if kr.get("unit"):
            out["unit"] = kr["unit"]
        if kr.get("current") is not None:
            out["current"] = kr["current"]
    elif kr.get("done") is not None:
        out["done"] = kr["done"]
    elif kr.get("achieved_percent") is not None:
        out["progress"] = f"{kr['achieved_percent']}%"
    return out


def write_site(root: Path, okrs: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The site of one published set; returns its cycle id and each objective's global id."""
    cycle = cycle_id(okrs["quarter_label"])
    folder = root / "content" / cycle
    folder.mkdir(parents=True)
    fiscal = FISCAL_START.get(okrs["organisation"], 1)
    (root / "site.toml").write_text(
        f'title = "{okrs["organisation"]} OKRs"\n[cycles]\nfiscal_year_start_month = {fiscal}\n', encoding="utf-8"
    )
    if dates_from_name(cycle, fiscal) is None:
        start = okrs["start"] or f"{cycle[:4]}-01-01"  # a label with a year and no dates
        end = okrs["end"] or f"{cycle[:4]}-12-31"
        (folder / "_cycle.md").write_text(
            dump({"title": okrs["quarter_label"], "start": dt.date.fromisoformat(start),
                  "end": dt.date.fromisoformat(end)}), encoding="utf-8")
    owners = {o["key"]: slug(o["owner"] or o.get("group") or okrs["organisation"]) for o in okrs["objectives"]}
    ids = {}
    for objective in okrs["objectives"]:
        key = objective["key"]
        data: dict[str, Any] = {"title": objective["title"]}
        if objective["owner"]:
            data["owner"] = objective["owner"]
        if objective["parent"]:
            data["parent"] = f"{owners[objective['parent']]}/{objective['parent']}"
        if objective["level"] in LEVELS:
            data["level"] = objective["level"]
        if objective["key_results"]:
            data["key_results"] = [key_result(kr) for kr in objective["key_results"]]
        path = folder / owners[key] / f"{key}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(dump(data, objective.get("description") or ""), encoding="utf-8")
        ids[key] = f"{cycle}/{owners[key]}/{key}"
    return cycle, ids


def test_the_real_sets_are_there(shared_dir):
    assert len(SETS) >= 10


@pytest.mark.parametrize("source", SETS, ids=[p.stem for p in SETS])
def test_real_okr_set_loads_without_errors(tmp_path, source):
    okrs = json.loads(source.read_text(encoding="utf-8"))
    cycle, ids = write_site(tmp_path, okrs)
    result = check_site(tmp_path, today=dt.date(2030, 1, 1))
    assert result.errors == [], "\n".join(d.as_text() for d in result.errors)
    site = result.site
    assert list(site.cycles) == [cycle]
    if okrs["start"]:  # calendar and fiscal quarters get the published dates from their names
        assert (site.cycles[cycle].start.isoformat(), site.cycles[cycle].end.isoformat()) == (
            okrs["start"], okrs["end"])
    assert len(site.objectives) == len(okrs["objectives"])
    assert sum(len(o.key_results) for o in site.objectives.values()) == sum(
        len(o["key_results"]) for o in okrs["objectives"])
    for written in okrs["objectives"]:
        objective = site.objectives[ids[written["key"]]]
        assert objective.title == written["title"].strip()
        assert objective.owner == (written["owner"] or objective.owner_folder)
        assert [p.objective for p in objective.parents] == ([ids[written["parent"]]] if written["parent"] else [])
        for kr, published in zip(objective.key_results, written["key_results"]):
            assert kr.title == published["title"].strip()
            has_number = published.get("target") is not None
            assert (kr.kind is KRKind.MILESTONE) != has_number
    scores = result.scores.objectives
    assert all(s.phase == "ended" for s in scores.values())
    assert all(s.progress is None or 0 <= s.progress <= 1 for s in scores.values())


def test_real_sets_hold_what_the_format_promises_to_cope_with(shared_dir):
    """The material really has what these tests claim to cover."""
    everything = [json.loads(p.read_text(encoding="utf-8")) for p in SETS]
    objectives = [o for okrs in everything for o in okrs["objectives"]]
    krs = [kr for o in objectives for kr in o["key_results"]]
    titles = [o["title"] for o in objectives] + [kr["title"] for kr in krs]
    assert max(map(len, titles)) > 500
    assert any("](" in t for t in titles) and any("<" in t and ">" in t for t in titles)
    assert any(o["owner"] and "," in o["owner"] for o in objectives)
    assert any(not o["key_results"] for o in objectives)
    assert any(kr.get("target") is None for kr in krs) and any(o["parent"] for o in objectives)
