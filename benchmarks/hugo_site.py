#!/usr/bin/env python3
"""Write the text of an okrsite site as a Hugo site, for a side-by-side build benchmark.

Reads the okrsite site (site.toml, content/org.yaml, objectives and check-ins, parsed with
PyYAML) and writes one Hugo page per objective at `content/CYCLE/OWNER/SLUG.md` holding the
objective's Markdown body unchanged, a Markdown table of its key results (title, start,
target, current after the check-ins) and the notes of the check-ins that update it, in date
order. List pages: one section per cycle, one nested section per owner and cycle, and the
`teams` taxonomy (one term page per owner across cycles). Layouts are minimal: baseof,
single, list. RSS, sitemap, robots.txt and 404 are turned off.

Usage:
  python benchmarks/hugo_site.py OKRSITE_SITE HUGO_SITE
  hugo --quiet -s HUGO_SITE -d OUT
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HUGO_CONFIG = """baseURL = "/"
languageCode = "en"
title = {title}
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
disablePathToLower = true  # okrsite's URLs keep the cycle id as written: /2025-Q1/
[taxonomies]
  team = "teams"
[markup.goldmark.renderer]
  unsafe = false
"""

BASEOF = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title | markdownify | plainify }} | {{ .Site.Title }}</title>
<link rel="icon" href="data:,">
</head>
<body>
<header><nav aria-label="Cycles"><ul>
{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul></nav></header>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

SINGLE = """{{ define "main" }}
<article>
<h1>{{ .Title | markdownify }}</h1>
<p class="meta">{{ with .Params.owner_name }}{{ . }}{{ end }} · {{ .CurrentSection.Parent.Title }}
{{ with .Params.parent }} · aligned to {{ . }}{{ end }}{{ with .Params.score }} · score {{ . }}{{ end }}</p>
{{ .Content }}
</article>
{{ end }}
"""

LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title | markdownify | plainify }}</a></li>
{{ end }}</ul>
{{ end }}
"""


@dataclass
class CheckIn:
    date: str
    name: str  # file name: several check-ins on one day apply in file-name order
    author: str
    confidence: str
    updates: dict[tuple[str, str], Any]  # (objective slug, KR id) -> update
    note: str


@dataclass
class Objective:
    cycle: str
    owner: str
    slug: str
    meta: dict[str, Any]
    body: str
    checkins: list[CheckIn] = field(default_factory=list)


@dataclass
class OkrText:
    """The parts of an okrsite site that the Hugo pages show."""

    title: str
    teams: dict[str, dict[str, Any]]
    people: dict[str, dict[str, Any]]
    cycles: dict[str, tuple[dict[str, Any], str]]  # id -> (_cycle.md front matter, body)
    objectives: list[Objective]


@dataclass
class HugoStats:
    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, Markdown body) of an okrsite .md file."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---\n", 3)
    return yaml.load(text[4:end], Loader=Loader) or {}, text[end + 5 :]


def update_key(key: str, owner: str) -> tuple[str, str, str]:
    """(owner, slug, KR id) of a check-in update key relative to its owner's cycle."""
    ref, _, kr = key.partition("#")
    parts = ref.split("/")
    if len(parts) == 1:
        return owner, parts[0], kr
    return parts[-2], parts[-1], kr


def read_checkin(path: Path, owner: str) -> tuple[CheckIn, dict[tuple[str, str, str], Any]]:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    date = meta.get("date", path.name[:10])
    updates = {update_key(str(k), owner): v for k, v in (meta.get("updates") or {}).items()}
    checkin = CheckIn(
        str(date),
        path.name,
        str(meta.get("author", "")),
        str(meta.get("confidence", "")),
        {},
        body.strip(),
    )
    return checkin, updates


def load_okr_text(site: Path) -> OkrText:
    """Read an okrsite site (as benchmarks/generate.py writes them) into `OkrText`."""
    config = tomllib.loads((site / "site.toml").read_text(encoding="utf-8"))
    org_path = site / "content" / "org.yaml"
    org = (
        yaml.load(org_path.read_text(encoding="utf-8"), Loader=Loader) if org_path.exists() else {}
    )
    text = OkrText(
        str(config.get("title", "OKRs")), org.get("teams") or {}, org.get("people") or {}, {}, []
    )
    for cycle_dir in sorted(p for p in (site / "content").iterdir() if p.is_dir()):
        if cycle_dir.name.startswith(("_", ".")):
            continue
        cycle_md = cycle_dir / "_cycle.md"
        text.cycles[cycle_dir.name] = (
            split_front_matter(cycle_md.read_text(encoding="utf-8"))
            if cycle_md.exists()
            else ({}, "")
        )
        for owner_dir in sorted(p for p in cycle_dir.iterdir() if p.is_dir()):
            owner = owner_dir.name
            objectives = {}
            for path in sorted(owner_dir.glob("*.md")):
                meta, body = split_front_matter(path.read_text(encoding="utf-8"))
                objectives[path.stem] = Objective(cycle_dir.name, owner, path.stem, meta, body)
            for path in sorted((owner_dir / "checkins").glob("*.md")):
                checkin, updates = read_checkin(path, owner)
                touched = set()
                for (kr_owner, slug, kr), value in updates.items():
                    if kr_owner == owner and slug in objectives:
                        checkin.updates[(slug, kr)] = value
                        touched.add(slug)
                for slug in sorted(touched):
                    objectives[slug].checkins.append(checkin)
            for obj in objectives.values():
                obj.checkins.sort(key=lambda c: (c.date, c.name))
            text.objectives += objectives.values()
    return text


def show_number(value: Any, unit: str = "") -> str:
    if value is None or value == "":
        return ""
    return f"{value}{unit if unit in ('%', 'k€', '') else ' ' + unit}"


def show_update(update: Any, unit: str) -> str:
    """A check-in update as the 'current' cell shows it."""
    if isinstance(update, dict):
        if update.get("done") is True:
            return "done"
        if "progress" in update:
            return f"{update['progress']}"
        return show_number(update.get("value"), unit)
    return show_number(update, unit)


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def kr_table(obj: Objective) -> list[str]:
    rows = ["| Key result | Start | Target | Current |", "| --- | ---: | ---: | ---: |"]
    for i, kr in enumerate(obj.meta.get("key_results") or [], 1):
        kr_id, unit = str(kr.get("id", f"kr{i}")), str(kr.get("unit", ""))
        current = show_update(kr.get("current"), unit)
        for checkin in obj.checkins:
            if (obj.slug, kr_id) in checkin.updates:
                current = show_update(checkin.updates[(obj.slug, kr_id)], unit)
        if "objective" in kr:
            current = f"from {kr['objective']}"
        start = show_number(kr.get("start"), unit)
        target = kr.get("target", "")
        target = show_number(target, unit) if not isinstance(target, str) else target
        rows.append(
            f"| {cell(kr.get('title', ''))} | {cell(start)} | {cell(target)} | {cell(current)} |"
        )
    return rows


def checkin_section(obj: Objective, people: dict[str, dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for checkin in obj.checkins:
        author = people.get(checkin.author, {}).get("name", checkin.author)
        lines += ["", f"### {checkin.date} · {author} · confidence {checkin.confidence}", ""]
        lines.append(checkin.note)
        notes = [
            f"- `{kr}`: {show_update(update, '')} ({update['note']})"
            for (slug, kr), update in checkin.updates.items()
            if slug == obj.slug and isinstance(update, dict) and "note" in update
        ]
        if notes:
            lines += ["", *notes]
    return lines


def cycle_start(cycle: str, meta: dict[str, Any]) -> str | None:
    """The first day of a cycle: `start:` of its _cycle.md, else from a `YYYY-QN` name."""
    if "start" in meta:
        return str(meta["start"])
    match = re.fullmatch(r"(\d{4})-Q([1-4])", cycle)
    return dt.date(int(match[1]), 3 * int(match[2]) - 2, 1).isoformat() if match else None


def page_text(obj: Objective, text: OkrText) -> str:
    team = text.teams.get(obj.owner, {}) or text.people.get(obj.owner, {})
    front = {
        "title": obj.meta.get("title", obj.slug),
        "date": cycle_start(obj.cycle, text.cycles.get(obj.cycle, ({}, ""))[0]),
        "teams": [obj.owner],
        "owner_name": team.get("name", obj.owner),
    }
    for key in ("parent", "score", "kind", "tags"):  # `kind` is Hugo's own word: renamed
        if key in obj.meta:
            front["okr_kind" if key == "kind" else key] = obj.meta[key]
    lines = ["---"]
    lines += [
        f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}"
        for k, v in front.items()
        if v is not None
    ]
    lines += ["---", obj.body.rstrip("\n"), "", "## Key results", "", *kr_table(obj)]
    if obj.checkins:
        lines += ["", "## Check-ins", *checkin_section(obj, text.people)]
    return "\n".join(lines) + "\n"


def section_text(title: str, body: str = "") -> str:
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n{body}"


def write_hugo_site(site: Path, out: Path) -> HugoStats:
    """Write the Hugo version of the okrsite site `site` to `out` (emptied first)."""
    t0 = time.perf_counter()
    site, out = Path(site), Path(out)
    text = load_okr_text(site)
    if out.exists():
        if any(out.iterdir()) and not (out / "config.toml").exists():
            raise ValueError(f"{out} is not empty and holds no config.toml; not deleting it")
        shutil.rmtree(out)
    stats = HugoStats()
    files: dict[str, str] = {
        "config.toml": HUGO_CONFIG.format(title=json.dumps(text.title, ensure_ascii=False)),
        "layouts/_default/baseof.html": BASEOF,
        "layouts/_default/single.html": SINGLE,
        "layouts/_default/list.html": LIST,
        "content/_index.md": section_text(text.title),
    }
    for cycle, (meta, body) in text.cycles.items():
        files[f"content/{cycle}/_index.md"] = section_text(str(meta.get("title", cycle)), body)
    owners: dict[str, set[str]] = defaultdict(set)
    for obj in text.objectives:
        owners[obj.cycle].add(obj.owner)
        files[f"content/{obj.cycle}/{obj.owner}/{obj.slug}.md"] = page_text(obj, text)
        stats.pages += 1
    for cycle, names in owners.items():
        for owner in sorted(names):
            team = text.teams.get(owner) or text.people.get(owner) or {}
            files[f"content/{cycle}/{owner}/_index.md"] = section_text(str(team.get("name", owner)))
    made: set[Path] = set()
    for rel, content in files.items():
        path = out / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = content.encode("utf-8")
        path.write_bytes(data)
        stats.files += 1
        stats.bytes += len(data)
    stats.seconds = time.perf_counter() - t0
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("site", type=Path, help="okrsite site to read")
    ap.add_argument("out", type=Path, help="folder to write the Hugo site to (emptied first)")
    a = ap.parse_args(argv)
    try:
        stats = write_hugo_site(a.site, a.out)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"{stats.pages} objective pages, {stats.files} files, {stats.bytes / 1e6:.1f} MB "
        f"in {stats.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
