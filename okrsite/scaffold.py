"""`okrsite init` and `okrsite new`: write files with valid front matter to start from."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from .content.cycles import dates_from_name
from .content.files import CHECKINS_DIR, CONTENT_DIR, NAME_RE
from .content.references import Resolver
from .model import KeyResult, KRKind, Objective, Site
from .scoring import Scores, latest_value, milestone_progress


class ScaffoldError(Exception):
    """A file could not be written; the message says why and what to do."""


@dataclass(frozen=True)
class Written:
    path: Path
    what: str


def _quote(text: str) -> str:
    """A YAML scalar for `text` (quoted when YAML would read it as something else)."""
    return yaml.safe_dump(text, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix("\n...").strip()


def _humanize(slug: str) -> str:
    words = slug.replace("_", "-").split("-")
    return " ".join(words).strip().capitalize() or slug


def new_objective(site_dir: Path, target: str, *, title: str | None = None,
                  parent: str | None = None) -> Written:
    """Write content/CYCLE/OWNER/SLUG.md with a title, an optional parent and two sample KRs."""
    parts = target.strip("/").removesuffix(".md").split("/")
    if len(parts) != 3 or not all(NAME_RE.match(p) for p in parts):
        raise ScaffoldError(
            f"{target!r} is not CYCLE/OWNER/SLUG; e.g. okrsite new objective 2026-Q4/platform/reliability "
            "(letters, digits, '.', '_' and '-' only)"
        )
    cycle, owner, slug = parts
    path = site_dir / CONTENT_DIR / cycle / owner / f"{slug}.md"
    if path.exists() or (path.parent / slug / "index.md").exists():
        raise ScaffoldError(f"{path.relative_to(site_dir)} already exists")
    if not (site_dir / CONTENT_DIR / cycle).is_dir() and dates_from_name(cycle) is None:
        raise ScaffoldError(
            f"cycle {cycle!r} does not exist and its name gives no dates; create "
            f"content/{cycle}/_cycle.md with start: and end:, or use a name like 2026-Q4"
        )
    lines = ["---", f"title: {_quote(title or _humanize(slug))}"]
    lines.append(f"parent: {_quote(parent)}" if parent else "# parent: OWNER/SLUG        # the objective (or OWNER/SLUG#KR) this supports")
    lines += [
        "kind: aspirational        # or committed (1.0 expected)",
        "tags: []",
        "key_results:",
        "  - id: kr1",
        "    title: Raise the metric that shows success from 0 to 100",
        "    start: 0",
        "    target: 100",
        '    unit: ""',
        "  - id: kr2",
        "    title: Ship the milestone that proves it   # no start/target: done or not",
        "---",
        "Why this objective matters, and what is out of scope.",
        "",
    ]
    _write(path, "\n".join(lines))
    return Written(path, "objective")


def new_checkin(site: Site, scores: Scores, site_dir: Path, reference: str, *, date: dt.date,
                author: str | None = None) -> Written:
    """Write a check-in for one objective listing each KR with its current value."""
    objective = _find_objective(site, reference)
    cycle = site.cycles[objective.cycle]
    if not cycle.start <= date <= cycle.end:
        raise ScaffoldError(
            f"{date} is outside cycle {cycle.id} ({cycle.start} to {cycle.end}); pass --date"
        )
    path = checkin_path(site_dir, objective, date)
    lines = ["---", f"date: {date.isoformat()}"]
    lines.append(f"author: {_quote(author)}" if author else "# author: your-id")
    if not objective.bundle:
        lines.append(f"objective: {objective.slug}")
    lines.append("confidence: medium          # low | medium | high, 0.0-1.0, or 1-10")
    if objective.key_results:
        lines.append("updates:")
        lines += [_update_line(kr, scores) for kr in objective.key_results]
    else:
        lines.append("updates: {}")
    lines += ["---", "## What moved", "", "## Blockers", "", "## Next", ""]
    _write(path, "\n".join(lines))
    return Written(path, "check-in")


def _update_line(kr: KeyResult, scores: Scores) -> str:
    label = kr.title if len(kr.title) <= 60 else kr.title[:57] + "..."
    label = label.replace("\n", " ")
    if kr.kind is KRKind.LINKED:
        return f"  # {kr.id}: progress comes from {kr.linked or 'its linked objective'} ({label})"
    if kr.kind is KRKind.MILESTONE:
        progress = milestone_progress(kr.readings)
        value = "{done: true}" if progress >= 1 else f"{{progress: {round(progress * 100)}%}}"
        return f"  {kr.id}: {value}    # {label}"
    current = latest_value(kr.readings)
    goal = str(kr.threshold) if kr.threshold else f"{kr.start:g} → {kr.target:g}"
    unit = f" {kr.unit}" if kr.unit else ""
    if current is None and kr.start is None:  # a threshold never measured: no neutral value
        return f"  # {kr.id}: VALUE    # {label} ({goal}{unit})"
    value = kr.start if current is None else current
    return f"  {kr.id}: {value:g}    # {label} ({goal}{unit})"


def _find_objective(site: Site, reference: str) -> Objective:
    text = reference.strip().strip("/")
    if text in site.objectives:
        return site.objectives[text]
    matches = [o for o in site.objectives.values() if o.id.endswith("/" + text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        listed = ", ".join(o.id for o in matches[:5])
        raise ScaffoldError(f"{reference!r} matches several objectives ({listed}); write CYCLE/OWNER/SLUG")
    resolver = Resolver({oid: () for oid in site.objectives}, tuple(site.cycles))
    hint = resolver.objective(text, next(reversed(site.cycles), ""), "").hint if site.cycles else ""
    raise ScaffoldError(f"no objective {reference!r}; write CYCLE/OWNER/SLUG. {hint}".strip())


def checkin_path(site_dir: Path, objective: Objective, date: dt.date) -> Path:
    """Where a new check-in of `objective` goes: its bundle, else OWNER/checkins/, by date."""
    source = site_dir / objective.path
    folder = source.parent if objective.bundle else source.parent / CHECKINS_DIR
    name = date.isoformat()
    path = folder / f"{name}.md"
    if path.exists():
        path = folder / f"{name}-{objective.slug}.md"
    counter = 2
    while path.exists():
        path = folder / f"{name}-{objective.slug}-{counter}.md"
        counter += 1
    return path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)


def current_quarter(today: dt.date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def init_site(target: Path, *, today: dt.date, title: str = "Our OKRs") -> list[Written]:
    """A new site that builds at once: site.toml, org.yaml, one cycle, an objective, a check-in."""
    if (target / "site.toml").exists() or (target / CONTENT_DIR).exists():
        raise ScaffoldError(f"{target} already holds a site (site.toml or content/); choose an empty folder")
    cycle = current_quarter(today)
    files = {
        "site.toml": _SITE_TOML.format(title=json.dumps(title, ensure_ascii=False)),
        f"{CONTENT_DIR}/org.yaml": _ORG_YAML,
        f"{CONTENT_DIR}/{cycle}/_cycle.md": _CYCLE_MD.format(cycle=cycle),
        f"{CONTENT_DIR}/{cycle}/company/delight-customers.md": _COMPANY_OBJECTIVE,
        f"{CONTENT_DIR}/{cycle}/product/onboarding.md": _TEAM_OBJECTIVE,
        f"{CONTENT_DIR}/{cycle}/product/checkins/{today.isoformat()}.md": _CHECKIN.format(date=today),
        ".gitignore": "public/\n.okrsite-cache/\n",
    }
    written = []
    for rel, text in files.items():
        path = target / rel
        if path.exists():
            continue
        _write(path, text)
        written.append(Written(path, rel))
    return written


_SITE_TOML = """\
title = {title}
base_url = "/"
language = "en"          # or "sv"

[checkins]
stale_after_days = 14

[scoring]
on_track = 0.9
at_risk = 0.6
"""

_ORG_YAML = """\
teams:
  company: {name: Our Company}
  product: {name: Product, parent: company, lead: alex}
people:
  alex: {name: Alex Doe, team: product}
"""

_CYCLE_MD = """\
---
title: {cycle}
theme: Delight customers from the first minute
---
Notes about this cycle go here; after it ends, its retrospective.
"""

_COMPANY_OBJECTIVE = """\
---
title: Delight customers from the first minute
kind: aspirational
key_results:
  - id: nps
    title: Raise NPS from 20 to 40
    start: 20
    target: 40
  - id: onboarding
    title: New customers are onboarded in a day
    objective: product/onboarding     # progress comes from the product team's objective
---
Customers judge us in their first hour. This quarter we make that hour great.
"""

_TEAM_OBJECTIVE = """\
---
title: Make onboarding effortless
parent: company/delight-customers#onboarding
key_results:
  - id: time-to-value
    title: Cut median time to first report from 3 days to 4 hours
    start: 72
    target: 4
    unit: h
  - id: guide
    title: Publish the interactive setup guide
---
See the onboarding research for the pains we heard.
"""

_CHECKIN = """\
---
date: {date}
author: alex
objective: onboarding
confidence: medium
updates:
  time-to-value: 60
  guide: {{progress: 30%}}
---
First interviews done; the guide outline is ready for review.
"""
