"""`okrsite remind`: who owes a check-in, grouped by owner, ready to post to chat or mail."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from .model import Site
from .scaffold import checkin_path
from .scoring import Scores


@dataclass(frozen=True)
class Reminder:
    objective: str  # CYCLE/OWNER/SLUG
    title: str
    days: int  # since the last check-in, or since the cycle began
    last_checkin: str | None  # YYYY-MM-DD
    file: str  # where the check-in goes, relative to the site
    command: str  # the `okrsite new checkin` command that writes it prefilled


@dataclass(frozen=True)
class OwnerReminders:
    owner: str
    name: str
    reminders: tuple[Reminder, ...]


def find_reminders(site: Site, scores: Scores, site_dir: Path, days: int) -> list[OwnerReminders]:
    """Objectives of running cycles with no check-in for `days` days, by owner (org order)."""
    owed: dict[str, list[Reminder]] = defaultdict(list)
    for objective in site.objectives.values():
        score = scores.objectives[objective.id]
        quiet = score.days_since_checkin
        if objective.cancelled or score.phase != "running" or quiet is None or quiet < days:
            continue
        path = checkin_path(site_dir, objective, scores.today)
        owed[objective.owner].append(Reminder(
            objective=objective.id, title=objective.title, days=quiet,
            last_checkin=score.last_checkin.isoformat() if score.last_checkin else None,
            file=path.relative_to(site_dir).as_posix(),
            command=f"okrsite new checkin {objective.id}",
        ))
    return [
        OwnerReminders(owner, site.org.name(owner),
                       tuple(sorted(owed[owner], key=lambda r: (-r.days, r.objective))))
        for owner in sorted(owed, key=site.owner_order)
    ]


def _since(r: Reminder) -> str:
    return f"last check-in {r.last_checkin}" if r.last_checkin else "no check-in yet"


def to_text(groups: list[OwnerReminders], days: int, today: dt.date) -> str:
    if not groups:
        return f"Every running objective has a check-in from the last {days} days ({today}).\n"
    lines = [f"Check-ins owed on {today} (no check-in for {days}+ days):", ""]
    for group in groups:
        lines.append(f"{group.name} ({group.owner})")
        for r in group.reminders:
            lines.append(f"  - {r.title} [{r.objective}]: {r.days} days, {_since(r)}")
            lines.append(f"    write {r.file}  or run: {r.command}")
        lines.append("")
    return "\n".join(lines)


def to_markdown(groups: list[OwnerReminders], days: int, today: dt.date) -> str:
    if not groups:
        return f"Every running objective has a check-in from the last {days} days ({today}).\n"
    lines = [f"## Check-ins owed on {today}", "", f"No check-in for {days} days or more:", ""]
    for group in groups:
        lines.append(f"### {_md(group.name)}")
        lines.append("")
        for r in group.reminders:
            lines.append(f"- **{_md(r.title)}** (`{r.objective}`): {r.days} days, {_since(r)}  ")
            lines.append(f"  write `{r.file}` or run `{r.command}`")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text for a Markdown message: one line, with Markdown and HTML characters escaped."""
    escaped = "".join("\\" + c if c in "\\`*_[]<>#|!" else c for c in " ".join(text.split()))
    return escaped


def to_json(groups: list[OwnerReminders], days: int, today: dt.date) -> str:
    payload = {"today": today.isoformat(), "days": days, "owners": [asdict(g) for g in groups]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
