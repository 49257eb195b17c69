"""One file → one document, with its references still as written.

Parsing a file depends on nothing but its bytes and where it stands, so documents can be cached
by content hash and parsed in any order. `resolve` then ties them together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic, Diagnostics, Location
from ..model import Change, KRKind, Reading, Threshold
from . import frontmatter
from .fields import Fields, describe, parse_date, parse_fraction, parse_number
from .files import NAME_RE, FileKind, SourceFile

OBJECTIVE_FIELDS = (
    "title", "owner", "parent", "parents", "kind", "status", "visibility", "level", "tags",
    "score", "retrospective", "changes", "key_results",
)
KR_FIELDS = (
    "id", "title", "start", "target", "unit", "owner", "weight", "objective", "current",
    "progress", "done",
)
CHECKIN_FIELDS = ("date", "author", "objective", "confidence", "updates")
UPDATE_FIELDS = ("value", "done", "progress", "confidence", "note")
CYCLE_FIELDS = ("title", "start", "end", "theme", "closed")
CHANGE_FIELDS = ("date", "change", "why")
TEAM_FIELDS = ("name", "parent", "lead")
PERSON_FIELDS = ("name", "team")

KIND_VALUES = ("aspirational", "committed")
STATUS_VALUES = ("active", "draft", "cancelled")
VISIBILITY_VALUES = ("internal", "private")
LEVEL_VALUES = ("company", "department", "team", "individual")
CONFIDENCE_WORDS = {"low": 0.3, "medium": 0.6, "high": 0.9}

_THRESHOLD_RE = re.compile(r"^\s*(>=|<=|>|<|≥|≤)\s*(\S+)\s*$")
_DATE_PREFIX_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Ref:
    """A reference as written in a file, with where it was written."""

    text: str
    at: Location


@dataclass(frozen=True)
class KRDoc:
    position: int  # 1-based
    id: str
    at: Location
    title: str
    kind: KRKind
    start: float | None = None
    target: float | None = None
    threshold: Threshold | None = None
    unit: str = ""
    owner: Ref | None = None
    weight: float = 1.0
    linked: Ref | None = None
    initial: Reading | None = None


@dataclass(frozen=True)
class ObjectiveDoc:
    file: SourceFile
    at: Location
    title: str
    owner: Ref | None
    parents: tuple[Ref, ...]
    kind: str
    status: str
    visibility: str
    level: str | None
    tags: tuple[str, ...]
    score: float | None
    retrospective: str
    changes: tuple[Change, ...]
    key_results: tuple[KRDoc, ...]
    body: str
    body_line: int


@dataclass(frozen=True)
class UpdateDoc:
    """One update of a check-in: the key result as written, where, and what it reports. (No
    Ref for the key: check-ins hold more updates than anything else, and one object fewer for
    each makes loading faster, from the files and from the cache.)"""

    key: str
    at: Location
    value: float | None = None
    done: bool | None = None
    progress: float | None = None
    confidence: float | None = None
    note: str = ""


@dataclass(frozen=True)
class CheckInDoc:
    file: SourceFile
    at: Location
    date: dt.date | None
    date_at: Location
    author: Ref | None
    objective: Ref | None
    confidence: float | None
    updates: tuple[UpdateDoc, ...]
    body: str
    body_line: int


@dataclass(frozen=True)
class CycleDoc:
    file: SourceFile
    title: str | None
    start: dt.date | None
    end: dt.date | None
    theme: str
    closed: bool
    body: str
    end_at: Location


@dataclass(frozen=True)
class TeamDoc:
    id: str
    name: str
    parent: Ref | None
    lead: Ref | None
    at: Location


@dataclass(frozen=True)
class PersonDoc:
    id: str
    name: str
    team: Ref | None
    at: Location


@dataclass(frozen=True)
class OrgDoc:
    file: SourceFile
    teams: tuple[TeamDoc, ...]
    people: tuple[PersonDoc, ...]


Document = ObjectiveDoc | CheckInDoc | CycleDoc | OrgDoc


@dataclass(frozen=True)
class Parsed:
    """A parsed file: its document (None if unusable) and what was wrong with it."""

    document: Document | None
    diagnostics: tuple[Diagnostic, ...]


def parse_file(file: SourceFile, raw: bytes) -> Parsed:
    """Parse one content file. Depends only on its bytes and its place."""
    diagnostics = Diagnostics()
    document: Document | None = None
    if file.kind is FileKind.ORG:
        document = _org(file, raw, diagnostics)
    else:
        fm = frontmatter.parse(file.path, raw, diagnostics)
        if fm is not None:
            fields = Fields(fm, fm.data, (), diagnostics)
            if file.kind is FileKind.OBJECTIVE:
                document = _objective(file, fields)
            elif file.kind is FileKind.CHECKIN:
                document = _checkin(file, fields)
            elif file.kind is FileKind.CYCLE:
                document = _cycle(file, fields)
    return Parsed(document, tuple(diagnostics.items))


def _ref(fields: Fields, key: str) -> Ref | None:
    text = fields.text(key)
    if text is None or not text.strip():
        return None
    return Ref(text.strip(), fields.where(key))


def _objective(file: SourceFile, f: Fields) -> ObjectiveDoc:
    f.check_known(OBJECTIVE_FIELDS, "an objective")
    title = f.required_text("title", "the objective", "Make onboarding effortless")
    parents = _parents(f)
    krs = tuple(_key_result(item, i + 1) for i, item in enumerate(f.mapping_list("key_results")))
    score = _share(f, "score", "a grade between 0.0 and 1.0, e.g. 0.7")
    return ObjectiveDoc(
        file=file,
        at=f.where(),
        title=(title or file.slug).strip(),
        owner=_ref(f, "owner"),
        parents=parents,
        kind=f.choice("kind", KIND_VALUES) or "aspirational",
        status=f.choice("status", STATUS_VALUES) or "active",
        visibility=f.choice("visibility", VISIBILITY_VALUES) or "internal",
        level=f.choice("level", LEVEL_VALUES),
        tags=tuple(dict.fromkeys(t.strip() for t in f.text_list("tags") if t.strip())),
        score=score,
        retrospective=f.text("retrospective") or "",
        changes=tuple(_change(item) for item in f.mapping_list("changes")),
        key_results=krs,
        body=f.fm.body,
        body_line=f.fm.body_line,
    )


def _parents(f: Fields) -> tuple[Ref, ...]:
    refs: list[Ref] = []
    if f.has("parent") and f.has("parents"):
        f.diagnostics.error(
            f.where("parents"), "parent-and-parents", "use either `parent:` or `parents:`, not both",
            "list every parent under `parents: [a, b]`",
        )
    single = _ref(f, "parent")
    if single:
        refs.append(single)
    if f.has("parents"):
        values = f.data["parents"]
        items = values if isinstance(values, list) else [values]
        for index, value in enumerate(items):
            where = f.fm.where(*f.at, "parents", index) if isinstance(values, list) else f.where("parents")
            if isinstance(value, str) and value.strip():
                refs.append(Ref(value.strip(), where))
            else:
                f.diagnostics.error(
                    where, "wrong-type", f"each of `parents` must be an objective reference, not {describe(value)}",
                    "e.g. parents: [engineering/ship-faster, acme/grow#arr]",
                )
    return tuple(refs)


def _share(f: Fields, key: str, expected: str) -> float | None:
    if not f.has(key):
        return None
    value = parse_fraction(f.data[key])
    if value is None:
        f.diagnostics.error(
            f.where(key), f"{key}-range", f"`{key}` must be {expected}, not {describe(f.data[key])}",
            "0.0 is no progress, 1.0 is fully achieved; 70% is read as 0.7",
        )
    return value


def _change(f: Fields) -> Change:
    f.check_known(CHANGE_FIELDS, "a change record")
    return Change(
        date=f.date("date"),
        change=f.required_text("change", "the change record", '"Lowered target from 200 to 150"') or "",
        why=f.text("why") or "",
    )


def _key_result(f: Fields, position: int) -> KRDoc:
    f.check_known(KR_FIELDS, "a key result")
    kr_id = f"kr{position}"
    if f.has("id"):
        written = f.text("id")
        if written is not None and NAME_RE.match(written):
            kr_id = written
        elif written is not None:
            f.diagnostics.error(
                f.where("id"), "invalid-name", f"key result id {written!r} cannot be used as an anchor",
                "use letters, digits, '.', '_' and '-', e.g. id: p99-latency",
            )
    title = f.required_text("title", f"key result {position}", "Cut p99 latency to 300 ms")
    weight = 1.0
    if f.has("weight"):
        given = f.number("weight")
        if given is not None and not 0 < given <= 100:
            f.diagnostics.error(
                f.where("weight"), "weight-range", f"weight {given:g} is out of range",
                "a weight is a number above 0 and at most 100; the default is 1",
            )
        elif given is not None:
            weight = given
    kind, start, target, threshold, linked = _kr_shape(f)
    return KRDoc(
        position=position, id=kr_id, at=f.where(), title=(title or kr_id).strip(),
        kind=kind, start=start, target=target, threshold=threshold, unit=f.text("unit") or "",
        owner=_ref(f, "owner"), weight=weight, linked=linked, initial=_initial_reading(f, kind),
    )


def _kr_shape(
    f: Fields,
) -> tuple[KRKind, float | None, float | None, Threshold | None, Ref | None]:
    linked = _ref(f, "objective")
    if linked is not None:
        for key in ("start", "target", "current", "done", "progress"):
            if f.has(key):
                f.diagnostics.error(
                    f.where(key), "linked-with-value",
                    f"a linked key result takes its progress from `{linked.text}`; `{key}` has no effect",
                    f"remove `{key}:` or remove `objective:`",
                )
        return KRKind.LINKED, None, None, None, linked
    threshold = _threshold(f)
    if threshold is None and isinstance(f.data.get("target"), str) and _THRESHOLD_RE.match(f.data["target"]):
        return KRKind.MILESTONE, None, None, None, None  # a threshold without a number: reported
    if threshold is not None:
        if f.has("start"):
            f.diagnostics.error(
                f.where("start"), "threshold-with-start",
                "a threshold key result holds a level; it has no start",
                "remove `start:`, or make the target a number to measure progress from start",
            )
        return KRKind.THRESHOLD, None, None, threshold, None
    target = f.number("target") if f.has("target") else None
    start = f.number("start") if f.has("start") else None
    if f.has("start") and not f.has("target"):
        f.diagnostics.error(
            f.where("start"), "start-without-target", "key result has a start but no target",
            "add `target:` (the value to reach), or remove `start:` for a done/not-done milestone",
        )
        return KRKind.MILESTONE, None, None, None, None
    if target is None:
        return KRKind.MILESTONE, None, None, None, None
    start = 0.0 if start is None and not f.has("start") else start
    if start is None:
        return KRKind.MILESTONE, None, None, None, None
    if start == target:
        f.diagnostics.error(
            f.where("target"), "start-equals-target",
            f"start and target are both {target:g}: progress cannot be measured",
            'to hold a level, write target: ">= VALUE" (a threshold); otherwise set the real start',
        )
        return KRKind.MILESTONE, None, None, None, None
    kind = KRKind.INCREASING if target > start else KRKind.DECREASING
    return kind, start, target, None, None


def _threshold(f: Fields) -> Threshold | None:
    value = f.data.get("target")
    if not isinstance(value, str):
        return None
    match = _THRESHOLD_RE.match(value)
    if not match:
        return None
    number = parse_number(match.group(2))
    if number is None:
        f.diagnostics.error(
            f.where("target"), "not-a-number", f"threshold {value!r} must compare with a number",
            'e.g. target: ">= 99.9" or target: "<= 1.0"',
        )
        return None
    op = {"≥": ">=", "≤": "<="}.get(match.group(1), match.group(1))
    return Threshold(op, number)


def _initial_reading(f: Fields, kind: KRKind) -> Reading | None:
    present = [k for k in ("current", "progress", "done") if f.has(k)]
    if not present or kind is KRKind.LINKED:
        return None
    if kind is KRKind.MILESTONE:
        if f.has("current"):
            f.diagnostics.error(
                f.where("current"), "milestone-value",
                "a milestone key result (no start/target) has no current value",
                "write `done: true`, or `progress: 40%`, or give the KR a start and target",
            )
        return Reading(None, None, done=f.boolean("done"), progress=f.fraction("progress"))
    for key in ("done", "progress"):
        if f.has(key):
            f.diagnostics.error(
                f.where(key), "numeric-progress",
                f"`{key}` applies to milestones; this key result is measured by its value",
                "write `current: VALUE`; progress is computed from start, target and current",
            )
    value = f.number("current")
    return Reading(None, None, value=value) if value is not None else None


def parse_confidence(value: Any) -> float | None:
    """low | medium | high, a fraction 0.0-1.0 (or 70%), or a number on a 1-10 scale."""
    if isinstance(value, str) and value.strip().lower() in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[value.strip().lower()]
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_fraction(value)
    number = parse_number(value)
    if number is None:
        return None
    if isinstance(value, int) and 1 <= number <= 10:
        return number / 10
    if 0 <= number <= 1:
        return number
    if 1 < number <= 10:
        return number / 10
    return None


def _confidence(f: Fields) -> float | None:
    if not f.has("confidence"):
        return None
    value = parse_confidence(f.data["confidence"])
    if value is None:
        f.diagnostics.error(
            f.where("confidence"), "confidence-range",
            f"confidence {describe(f.data['confidence'])} is not on a known scale",
            "write low, medium or high; a fraction 0.0-1.0; or a whole number 1-10",
        )
    return value


def _checkin(file: SourceFile, f: Fields) -> CheckInDoc:
    f.check_known(CHECKIN_FIELDS, "a check-in")
    date = f.date("date")
    date_at = f.where("date")
    if f.data.get("date") is None and not f.reported("date"):  # absent or empty: from the name
        date, date_at = _date_from_name(file, f.diagnostics)
    updates: tuple[UpdateDoc, ...] = ()
    if f.has("updates"):
        raw = f.data["updates"]
        if isinstance(raw, dict):  # (as YAML mappings are read: faster to test than Mapping)
            updates = tuple(_update(f, str(key), value) for key, value in raw.items())
        else:
            f.diagnostics.error(
                f.where("updates"), "wrong-type",
                f"`updates` must be a mapping of key results to values, not {describe(raw)}",
                "e.g.\n    updates:\n      reliability#uptime: 99.8",
            )
    author = _ref(f, "author")
    return CheckInDoc(
        file=file, at=f.where(), date=date, date_at=date_at, author=author,
        objective=_ref(f, "objective"), confidence=_confidence(f),
        updates=updates, body=f.fm.body, body_line=f.fm.body_line,
    )


def _date_from_name(file: SourceFile, diagnostics: Diagnostics) -> tuple[dt.date | None, Location]:
    name = file.path.rsplit("/", 1)[-1]
    where = Location(file.path)
    match = _DATE_PREFIX_RE.match(name)
    if match is None:
        diagnostics.error(
            where, "checkin-no-date", "check-in has no `date:` and its file name does not start with one",
            "add `date: YYYY-MM-DD`, or name the file YYYY-MM-DD.md",
        )
        return None, where
    date = parse_date(match.group(1))
    if date is None:
        diagnostics.error(
            where, "impossible-date", f"file name date {match.group(1)} is not a real date",
            "check the day and month of the file name",
        )
    return date, where


def _update(f: Fields, key: str, value: Any) -> UpdateDoc:
    """The update of key result `key` (as written) to `value`, one of the check-in's updates."""
    written, at = key.strip(), f.fm.where_key(*f.at, "updates", key)
    if isinstance(value, dict):
        item = Fields(f.fm, value, f.at + ("updates", key), f.diagnostics)
        item.check_known(UPDATE_FIELDS, f"the update of `{key}`")
        return UpdateDoc(
            written, at, item.number("value"), item.boolean("done"), item.fraction("progress"),
            _confidence(item), item.text("note") or "",
        )
    if isinstance(value, bool):
        return UpdateDoc(written, at, done=value)
    if isinstance(value, str) and value.strip().endswith("%"):
        progress = parse_fraction(value)
        if progress is None:
            f.diagnostics.error(
                f.fm.where(*f.at, "updates", key), "not-a-fraction", f"`{key}: {value}` is not a percentage",
                "write a share from 0% to 100%, e.g. 40%",
            )
        return UpdateDoc(written, at, progress=progress)
    number = parse_number(value)
    if number is None:
        f.diagnostics.error(
            f.fm.where(*f.at, "updates", key), "not-a-number",
            f"update of `{key}` must be a number, not {describe(value)}",
            "write the new value (99.8), `{done: true}`, `{progress: 40%}` or `{value: 99.8, note: ...}`",
        )
    return UpdateDoc(written, at, number)  # the value


def _cycle(file: SourceFile, f: Fields) -> CycleDoc:
    f.check_known(CYCLE_FIELDS, "_cycle.md")
    return CycleDoc(
        file=file, title=f.text("title"), start=f.date("start"), end=f.date("end"),
        theme=(f.text("theme") or "").strip(), closed=bool(f.boolean("closed")),
        body=f.fm.body, end_at=f.where("end"),
    )


def _org(file: SourceFile, raw: bytes, diagnostics: Diagnostics) -> OrgDoc | None:
    text = frontmatter.decode(file.path, raw, diagnostics)
    if text is None:
        return None
    data, positions, key_positions = frontmatter.read_yaml(
        file.path, text, 1, diagnostics, what="org.yaml", example="teams:\n      acme: {name: Acme Inc.}")
    if data is None:
        return None
    fm = frontmatter.FrontMatter(file.path, data, "", 1, positions, key_positions, 1)
    top = Fields(fm, data, (), diagnostics)
    top.check_known(("teams", "people"), "org.yaml")
    teams = tuple(
        TeamDoc(entry_id, _name(i, entry_id), _ref(i, "parent"), _ref(i, "lead"), i.where())
        for entry_id, i in _entries(top, "teams", TEAM_FIELDS)
    )
    people = tuple(
        PersonDoc(entry_id, _name(i, entry_id), _ref(i, "team"), i.where())
        for entry_id, i in _entries(top, "people", PERSON_FIELDS)
    )
    return OrgDoc(file, teams, people)


def _name(f: Fields, fallback: str) -> str:
    return (f.text("name") or fallback).strip() or fallback


def _entries(top: Fields, key: str, allowed: tuple[str, ...]) -> list[tuple[str, Fields]]:
    if not top.has(key):
        return []
    table = top.data[key]
    if not isinstance(table, Mapping):
        top.diagnostics.error(
            top.where(key), "wrong-type", f"`{key}` must be a mapping of ids to entries",
            f"e.g.\n{key}:\n  platform: {{name: Platform team}}",
        )
        return []
    entries: list[tuple[str, Fields]] = []
    for entry_id, value in table.items():
        where = top.fm.where_key(key, entry_id)
        if not NAME_RE.match(str(entry_id)):
            top.diagnostics.error(
                where, "invalid-name", f"{key[:-1] if key == 'teams' else 'person'} id {entry_id!r} cannot be used in a URL",
                "use letters, digits, '.', '_' and '-', e.g. field-ops",
            )
            continue
        if isinstance(value, str):
            value = {"name": value}
        elif value is None:
            value = {}
        if not isinstance(value, Mapping):
            top.diagnostics.error(
                where, "wrong-type", f"entry `{entry_id}` must be a mapping like {{name: ...}}",
                f"write {entry_id}: {{name: ...}}, or just {entry_id}: its name",
            )
            continue
        item = Fields(top.fm, value, (key, str(entry_id)), top.diagnostics)
        item.check_known(allowed, f"the {key} entry `{entry_id}`")
        entries.append((str(entry_id), item))
    return entries
