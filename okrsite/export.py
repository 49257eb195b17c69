"""The model and its scores as data: JSON (schema in okrsite/schema/okrs.schema.json) and CSV.

The same data is published on the site as okrs.json and okrs.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .model import CheckIn, Cycle, KeyResult, Objective, Site
from .scoring import Scores

FORMAT_VERSION = 1
SCHEMA_NAME = "okrs.schema.json"


def schema_text() -> str:
    """The JSON Schema of the export, as shipped in the package."""
    return resources.files("okrsite").joinpath("schema", SCHEMA_NAME).read_text(encoding="utf-8")


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def objective_url(objective_id: str) -> str:
    """The page of an objective, relative to the site root."""
    return objective_id + "/"


def export_data(site: Site, scores: Scores, cycles: Iterable[str] | None = None) -> dict[str, Any]:
    """Everything as plain data; `cycles` limits it to some cycles."""
    wanted = set(cycles) if cycles is not None else set(site.cycles)
    index = site.index
    return {
        **head_data(site, scores),
        "cycles": [cycle_data(c, scores) for c in site.cycles.values() if c.id in wanted],
        "org": org_data(site),
        "objectives": [
            objective_data(site, site.objectives[oid], scores) for oid, o in index.objectives.items()
            if o.cycle in wanted
        ],
        # grouped by cycle (in cycle order), then by date: the site's export joins its cycles'
        "checkins": [checkin_data(site.checkins[c]) for cycle in site.cycles if cycle in wanted
                     for c in index.checkins_by_cycle.get(cycle, ())],
    }


def head_data(site: Site, scores: Scores) -> dict[str, Any]:
    return {"format_version": FORMAT_VERSION,
            "site": {"title": site.config.title, "today": scores.today.isoformat()}}


def org_data(site: Site) -> dict[str, Any]:
    return {
        "teams": [{"id": t.id, "name": t.name, "parent": t.parent, "lead": t.lead} for t in site.org.teams.values()],
        "people": [{"id": p.id, "name": p.name, "team": p.team} for p in site.org.people.values()],
    }


def cycle_data(cycle: Cycle, scores: Scores) -> dict[str, Any]:
    score = scores.cycles[cycle.id]
    return {
        "id": cycle.id, "title": cycle.title, "start": _date(cycle.start), "end": _date(cycle.end),
        "scheme": cycle.scheme, "theme": cycle.theme, "closed": cycle.closed, "phase": score.phase,
        "expected": _num(score.expected), "progress": _num(score.progress),
        "objectives": score.objectives, "status_counts": dict(score.counts),
        "average_grade": _num(score.average_grade), "grade_bands": dict(score.bands),
    }


def objective_data(site: Site, objective: Objective, scores: Scores) -> dict[str, Any]:
    score = scores.objectives[objective.id]
    return {
        "id": objective.id, "cycle": objective.cycle, "owner": objective.owner,
        "owner_name": site.org.name(objective.owner), "title": objective.title,
        "url": objective_url(objective.id), "source": objective.path,
        "level": objective.level.value if objective.level else None,
        "kind": objective.kind.value, "lifecycle": objective.lifecycle.value,
        "visibility": objective.visibility.value, "tags": list(objective.tags),
        "parents": [{"objective": p.objective, "key_result": p.kr} for p in objective.parents],
        "score": _num(objective.score), "progress": _num(score.progress),
        "expected": _num(score.expected), "status": score.status.value, "stale": score.stale,
        "low_confidence": score.low_confidence, "confidence": _num(score.confidence),
        "last_checkin": _date(score.last_checkin), "grade": _num(score.grade),
        "band": score.band.value if score.band else None,
        "description": objective.body, "retrospective": objective.retrospective,
        "changes": [{"date": _date(c.date), "change": c.change, "why": c.why} for c in objective.changes],
        "key_results": [_kr(objective, kr, scores) for kr in objective.key_results],
        "checkins": list(objective.checkins),
    }


def _kr(objective: Objective, kr: KeyResult, scores: Scores) -> dict[str, Any]:
    score = scores.kr(objective.id, kr.id)
    return {
        "id": kr.id, "ref": f"{objective.id}#{kr.id}", "title": kr.title, "kind": kr.kind.value,
        "unit": kr.unit, "start": _num(kr.start), "target": _num(kr.target),
        "threshold": str(kr.threshold) if kr.threshold else None, "weight": _num(kr.weight),
        "owner": kr.owner, "linked_objective": kr.linked, "current": _num(score.current),
        "progress": _num(score.progress), "status": score.status.value,
        "confidence": _num(score.confidence), "updated": _date(score.updated),
        "done": score.done,
    }


def checkin_data(checkin: CheckIn) -> dict[str, Any]:
    return {
        "id": checkin.id, "cycle": checkin.cycle, "owner": checkin.owner_folder,
        "date": _date(checkin.date), "author": checkin.author, "objective": checkin.objective,
        "objectives": list(checkin.objectives), "confidence": _num(checkin.confidence),
        "updates": [
            {
                "objective": u.objective, "key_result": u.kr, "value": _num(u.reading.value),
                "done": u.reading.done, "progress": _num(u.reading.progress),
                "confidence": _num(u.reading.confidence), "note": u.reading.note,
            }
            for u in checkin.updates
        ],
        "notes": checkin.body,
    }


def for_cycle(data: dict[str, Any], cycle_id: str) -> dict[str, Any]:
    """The part of an export about one cycle (what `export_data(..., [cycle_id])` gives)."""
    return {
        **data,
        "cycles": [c for c in data["cycles"] if c["id"] == cycle_id],
        "objectives": [o for o in data["objectives"] if o["cycle"] == cycle_id],
        "checkins": [c for c in data["checkins"] if c["cycle"] == cycle_id],
    }


def to_json(data: dict[str, Any], *, indent: int | None = 2) -> str:
    """JSON text; `indent=None` is compact (and several times faster: the C encoder)."""
    separators = (",", ":") if indent is None else None
    return json.dumps(data, indent=indent, ensure_ascii=False, separators=separators) + "\n"


CSV_COLUMNS = (
    "type", "cycle", "objective", "key_result", "title", "owner", "level", "kind", "status",
    "start", "target", "unit", "current", "progress", "expected", "grade", "band", "date",
    "author", "confidence", "note",
)


def csv_rows(data: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """One row per cycle, objective, key result and check-in update (column `type`), cycle by
    cycle: the cycle's row, its objectives each followed by its key results, its updates.
    Each row holds the values of CSV_COLUMNS in order (None: empty)."""
    objectives: dict[str, list[dict[str, Any]]] = {}
    for o in data["objectives"]:
        objectives.setdefault(o["cycle"], []).append(o)
    checkins: dict[str, list[dict[str, Any]]] = {}
    for c in data["checkins"]:
        checkins.setdefault(c["cycle"], []).append(c)
    for cycle in data["cycles"]:
        yield cycle_row(cycle)
        for o in objectives.get(cycle["id"], ()):
            yield from objective_rows(o)
        for c in checkins.get(cycle["id"], ()):
            yield from update_rows(c)


# Rows hold their values as the CSV writes them: None is written empty, and text that a
# spreadsheet would run as a formula is quoted with `'` (_text). Only fields that can hold
# text are checked, each once: an export has millions of cells.

def cycle_row(cycle: dict[str, Any]) -> tuple[Any, ...]:
    return ("cycle", _text(cycle["id"]), None, None, _text(cycle["title"]), None, None, None, cycle["phase"],
            None, None, None, None, cycle["progress"], cycle["expected"], cycle["average_grade"],
            None, cycle["start"], None, None, None)


def objective_rows(o: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    cycle, oid, owner = _text(o["cycle"]), _text(o["id"]), _text(o["owner"])
    yield ("objective", cycle, oid, None, _text(o["title"]), owner, o["level"], o["kind"],
           o["status"], None, None, None, None, o["progress"], o["expected"], o["grade"], o["band"],
           o["last_checkin"], None, o["confidence"], None)
    for kr in o["key_results"]:
        yield ("key_result", cycle, oid, _text(kr["id"]), _text(kr["title"]),
               _text(kr["owner"]) if kr["owner"] else owner, None, kr["kind"], kr["status"], kr["start"],
               kr["target"] if kr["threshold"] is None else _text(kr["threshold"]), _text(kr["unit"]),
               kr["current"], kr["progress"], None, None, None, kr["updated"], None,
               kr["confidence"], None)


def update_rows(c: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    cycle, owner, author = _text(c["cycle"]), _text(c["owner"]), _text(c["author"])
    for u in c["updates"]:
        progress = u["progress"] if u["done"] is None else (1.0 if u["done"] else u["progress"])
        yield ("checkin_update", cycle, _text(u["objective"]), _text(u["key_result"]), None, owner, None,
               None, None, None, None, None, u["value"], progress, None, None, None, c["date"],
               author, u["confidence"], _text(u["note"]))


def _text(value: str | None) -> str | None:
    """A text field as a CSV cell: quoted with `'` when a spreadsheet would run it."""
    return "'" + value if value and value[0] in _FORMULA_START else value


def to_csv(data: dict[str, Any]) -> str:
    return csv_header() + csv_body(data)


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


def csv_body(data: dict[str, Any]) -> str:
    """The rows without the header (the rows of several exports can be joined)."""
    return csv_text(csv_rows(data))


def csv_text(rows: Iterable[tuple[Any, ...]]) -> str:
    """CSV lines of these rows (no header); the text of rows written apart can be joined."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)  # rows made safe as they were made
    return out.getvalue()


def digest_of(parts: Iterable[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def compact(value: Any) -> str:
    """Compact JSON, as the exports are written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def compact_json_parts(data: dict[str, Any]) -> dict[str, str]:
    """Each top-level field of an export as compact JSON; the three lists without their
    brackets, so the parts of several cycles can be joined into one export."""
    return {key: compact(value)[1:-1] if key in JSON_LISTS else compact(value) for key, value in data.items()}


JSON_LISTS = ("cycles", "objectives", "checkins")  # the fields joined across cycles


@dataclass(frozen=True)
class Part:
    """A large part of an export, encoded: its UTF-8 bytes, in the chunks it was joined from
    (written one after another, never copied into one: a running cycle's part is tens of
    megabytes), and a digest naming them, worked out once, when the part was made from what
    it was made of (a page written from parts is fingerprinted from their digests, so a part
    kept from the last build is not hashed again)."""

    chunks: tuple[bytes, ...]
    digest: str

    @property
    def size(self) -> int:
        return sum(map(len, self.chunks))

    def __bool__(self) -> bool:
        return any(self.chunks)


@dataclass(frozen=True)
class StoredPart:
    """A Part kept in a file (the build cache's): `size` bytes at `offset` of `path`, with
    their digest. A page written from it has them copied from file to file by the kernel:
    they are never read into this process (an ended cycle's part is tens of megabytes)."""

    path: str
    offset: int
    size: int
    digest: str

    def __bool__(self) -> bool:
        return self.size > 0


Piece = str | Part | StoredPart  # what a page written in pieces is made of


def json_pieces(head: dict[str, str], lists: Callable[[str], Iterable[Piece]]) -> Iterator[Piece]:
    """One compact export, in pieces to write one after another: the fixed fields of `head`
    (compact_json_parts of an export) and, for each list field, the encoded items `lists(key)`
    gives (the cycles' parts, without brackets: text or Parts). Joined, the pieces are what
    `to_json(..., indent=None)` of the merged data gives."""
    yield "{"
    for index, (key, own) in enumerate(head.items()):
        yield ("," if index else "") + json.dumps(key) + ":"
        if key not in JSON_LISTS:
            yield own
            continue
        yield "["
        first = True
        for part in lists(key):
            if part:
                if not first:
                    yield ","
                yield part
                first = False
        yield "]"
    yield "}\n"


_FORMULA_START = frozenset("=+-@\t\r")
