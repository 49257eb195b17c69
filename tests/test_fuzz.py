"""Fuzzing: front matter parsing, reference resolution, file parsing and whole builds of small
random sites, with plausible and garbage values. Nothing may raise; every problem is a
diagnostic with a place, a code, a message and a hint; every built page parses and holds no
live markup.

The number of examples follows the Hypothesis profile (tests/conftest.py): a few dozen by
default, derandomized under CI, many more with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from okrsite.build import BuildError, BuildOptions, build_site
from okrsite.content import frontmatter
from okrsite.content.documents import CheckInDoc, CycleDoc, ObjectiveDoc, OrgDoc, parse_file
from okrsite.content.files import FileKind, SourceFile
from okrsite.content.references import Resolver
from okrsite.diagnostics import Diagnostic, Diagnostics

from .hostile import PAYLOADS, page, site_problems, toml_string, tree

TODAY = dt.date(2026, 11, 20)


def fuzz(examples: int) -> Any:
    """Settings for `examples` examples at the default profile's 100, scaled by the profile's."""
    return settings(
        max_examples=max(1, examples * settings.default.max_examples // 100), deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def assert_reported(diagnostics: Iterable[Diagnostic], path: str | None = None) -> None:
    """Every diagnostic has a place in the file, a code, a message and a hint."""
    for d in diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.code and d.message and d.hint, d.as_text()
        assert path is None or d.path == path, d.as_text()


# Values ------------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
WORD = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | TEXT
           | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)) | st.sampled_from(PAYLOADS))
GARBAGE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(TEXT | WORD, inner, max_size=3), max_leaves=8)
NUMBER = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from(["1,200", "40%", "1e3"])
PERCENT = st.integers(0, 100).map(lambda n: f"{n}%")
DATE = st.dates(dt.date(2026, 9, 1), dt.date(2027, 1, 31))


def plausible(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `strategy`, sometimes garbage of any type."""
    return st.one_of(strategy, strategy, strategy, GARBAGE)


# Front matter ------------------------------------------------------------------------------

PATH = "content/2026-Q4/team/grow.md"
YAML_BITS = st.sampled_from([
    "title", "key_results", "updates", ":", ": ", "- ", "-", "[", "]", "{", "}", ",", "'", '"', "&a ",
    "*a", "!!python/object:os.system ", "!x ", "? ", "#", "|", ">", "---", "...", "\n", "\n  ",
    "\n    ", "\t", "%YAML 1.1", "<<: ", "\\", "\\x0b", "\x85", "\ufeff", "\r\n", "0x1F", "2026-02-30",
    "1e400", ".inf", "~", "null", "yes", "<script>", "ö", "🚀", "שלום",
])
YAMLISH = st.lists(YAML_BITS | TEXT, max_size=40).map("".join)


@fuzz(100)
@given(st.binary(max_size=600) | YAMLISH.map(str.encode) | YAMLISH.map(lambda t: f"---\n{t}\n---\nbody".encode()))
def test_front_matter_of_any_bytes_is_parsed_or_reported(raw: bytes) -> None:
    found = Diagnostics()
    fm = frontmatter.parse(PATH, raw, found)
    assert fm is None or isinstance(fm.data, dict)
    if fm is None:
        assert any(d.is_error for d in found.items)
    assert_reported(found.items, PATH)


# References --------------------------------------------------------------------------------

IDS = st.lists(st.tuples(st.sampled_from(["2026-Q4", "2026-Q3"]), st.sampled_from(["acme", "team", "2026-Q3"]),
                         st.sampled_from(["grow", "ship", "a"])), min_size=1, max_size=6, unique=True)
REF_BITS = st.sampled_from(["2026-Q4", "2026-Q3", "acme", "team", "grow", "ship", "a", "kr1", "/", "#",
                            "..", ".", " ", "//", "##"])
REFERENCE = st.lists(REF_BITS | TEXT, max_size=8).map("".join)


@fuzz(100)
@given(IDS, st.lists(st.sampled_from(["a", "kr1", "uptime", "#"]), max_size=3), REFERENCE,
       st.sampled_from(["2026-Q4", "2026-Q3", "x"]), st.sampled_from(["acme", "team", "nobody"]), st.data())
def test_references_resolve_to_existing_ids_or_say_why(
        ids: list[tuple[str, str, str]], krs: list[str], text: str, cycle: str, owner: str,
        data: st.DataObject) -> None:
    objectives = {"/".join(parts): tuple(dict.fromkeys(krs)) for parts in ids}
    resolver = Resolver(objectives, ("2026-Q4", "2026-Q3"))
    context = data.draw(st.sampled_from([None, *objectives]))
    for found in (resolver.objective(text, cycle, owner), resolver.key_result(text, cycle, owner, context)):
        if found.ok:
            assert found.objective in objectives
            assert found.kr is None or found.kr in objectives[found.objective]
        else:
            assert found.problem and found.hint and found.code, found


# Files -------------------------------------------------------------------------------------

FIELDS = ("title", "owner", "parent", "parents", "kind", "status", "visibility", "level", "tags", "score",
          "retrospective", "changes", "key_results", "date", "author", "objective", "confidence", "updates",
          "start", "end", "theme", "closed", "teams", "people", "id", "target", "current", "progress")
FRONT = st.dictionaries(st.sampled_from(FIELDS) | WORD, GARBAGE, max_size=8)
KINDS = [SourceFile(PATH, FileKind.OBJECTIVE, "2026-Q4", "team", "grow"),
         SourceFile("content/2026-Q4/team/checkins/2026-11-10.md", FileKind.CHECKIN, "2026-Q4", "team"),
         SourceFile("content/2026-Q4/_cycle.md", FileKind.CYCLE, "2026-Q4"),
         SourceFile("content/org.yaml", FileKind.ORG)]
DOCUMENTS = {FileKind.OBJECTIVE: ObjectiveDoc, FileKind.CHECKIN: CheckInDoc, FileKind.CYCLE: CycleDoc,
             FileKind.ORG: OrgDoc}


def dump(front: Any) -> str:
    return yaml.safe_dump(front, allow_unicode=True, sort_keys=False)


@fuzz(100)
@given(st.sampled_from(KINDS), FRONT.map(lambda f: f"---\n{dump(f)}---\nbody\n".encode())
       | FRONT.map(lambda f: dump(f).encode()) | st.binary(max_size=300) | YAMLISH.map(str.encode))
def test_any_file_parses_to_its_document_or_says_why(file: SourceFile, raw: bytes) -> None:
    parsed = parse_file(file, raw)
    assert parsed.document is None or isinstance(parsed.document, DOCUMENTS[file.kind])
    if parsed.document is None:
        assert any(d.is_error for d in parsed.diagnostics)
    assert_reported(parsed.diagnostics, file.path)


# Whole sites -------------------------------------------------------------------------------
# Half the sites are clean: plausible values, and references only to what exists (parents to
# objectives made before, linked key results to objectives made after, so nothing loops), so
# most of them build and their pages are checked. The other half is noisy: any field may hold
# garbage, references may name nothing, a file may be binary.

CYCLES = {"2026-Q4": "2026-11", "2026-Q3": "2026-08", "sprint-1": "2026-10"}  # cycle → month of its check-ins
OWNERS = ["acme", "team"]
SLUGS = ["grow", "ship", "learn"]
BAD_REFS = st.sampled_from(["../x", "nowhere", "a", "grow#zz", "2026-Q1/acme/grow"]) | TEXT
NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=30).filter(str.strip)
CLEAN_NUMBER = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False) | st.just("1,200")


@dataclass(frozen=True)
class Planned:
    """An objective of a random site: where it is, and its key results' ids and kinds."""

    cycle: str
    owner: str
    slug: str
    krs: tuple[tuple[str, str], ...]

    def ref(self, cycle: str) -> str:
        return f"{self.owner}/{self.slug}" if cycle == self.cycle else f"{self.cycle}/{self.owner}/{self.slug}"


def _identity(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy


@st.composite
def key_result(draw: st.DrawFn, value: Any, kr_id: str, shape: str, later: list[str]) -> dict[str, Any]:
    kr: dict[str, Any] = {"id": kr_id, "title": draw(value(NAME | st.sampled_from(PAYLOADS)))}
    if shape == "numeric":
        start = draw(CLEAN_NUMBER)
        kr.update(start=draw(value(st.just(start))), target=draw(value(st.just(_number(start) + 10))),
                  unit=draw(value(st.sampled_from(["%", "ms", "MEUR", *PAYLOADS]))))
        if draw(st.booleans()):
            kr["current"] = draw(value(CLEAN_NUMBER))
    elif shape == "milestone" and draw(st.booleans()):
        key = draw(st.sampled_from(["done", "progress"]))
        kr[key] = draw(value(st.booleans() if key == "done" else PERCENT))
    elif shape == "threshold":
        kr.update(target=draw(value(st.sampled_from([">= 99.9", "<= 1.0", "≥ 5"]))), current=draw(value(CLEAN_NUMBER)))
    elif shape == "linked":
        kr["objective"] = draw(value(st.sampled_from(later)))
    if draw(st.booleans()):
        kr.update(owner=draw(value(st.sampled_from(["ann", "team"]))), weight=draw(value(st.integers(1, 100))))
    return kr


def _number(text: float | str) -> float:
    return float(str(text).replace(",", ""))


@st.composite
def objective(draw: st.DrawFn, value: Any, me: Planned, earlier: list[str], later: list[str],
              owners: list[str]) -> dict[str, Any]:
    front: dict[str, Any] = {"title": draw(value(NAME | st.sampled_from(PAYLOADS)))}
    optional = {
        "owner": value(st.sampled_from([me.owner, *owners])),
        "kind": value(st.sampled_from(["aspirational", "committed"])),
        "status": value(st.sampled_from(["active", "draft", "cancelled"])),
        "tags": value(st.lists(TEXT | st.sampled_from(PAYLOADS), max_size=3)),
        "score": value(st.floats(0, 1) | PERCENT), "retrospective": value(st.sampled_from(PAYLOADS)),
        "changes": value(st.lists(st.fixed_dictionaries({"change": NAME, "date": DATE}), max_size=2)),
    }
    if earlier:
        optional["parent"] = value(st.sampled_from(earlier))
    for key, strategy in optional.items():
        if draw(st.booleans()):
            front[key] = draw(strategy)
    if me.krs:
        shapes = [(kid, shape if shape != "linked" or later else "milestone") for kid, shape in me.krs]
        front["key_results"] = [draw(key_result(value, kid, shape, later)) for kid, shape in shapes]
    return front


@st.composite
def checkin(draw: st.DrawFn, value: Any, cycle: str, targets: list[Planned]) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    for target in draw(st.lists(st.sampled_from(targets), max_size=2)) if targets else ():
        for kid, shape in target.krs:
            written = {"numeric": CLEAN_NUMBER, "threshold": CLEAN_NUMBER, "milestone": st.booleans() | PERCENT}.get(shape)
            if written is not None and draw(st.booleans()):
                note = st.fixed_dictionaries({"value": written}, optional={
                    "note": TEXT | st.sampled_from(PAYLOADS), "confidence": st.sampled_from(["low", 7, 0.5])})
                updates[f"{target.ref(cycle)}#{kid}"] = draw(value(note if shape != "milestone" else written))
    front: dict[str, Any] = {"updates": draw(value(st.just(updates)))}
    if value is plausible and isinstance(front["updates"], dict) and draw(st.booleans()):
        front["updates"][draw(BAD_REFS)] = draw(GARBAGE)
    for key, strategy in {"author": value(st.sampled_from(["ann", *PAYLOADS])),
                          "confidence": value(st.sampled_from(["high", 3, 0.2]))}.items():
        if draw(st.booleans()):
            front[key] = draw(strategy)
    return front


@st.composite
def sites(draw: st.DrawFn, noisy: bool | None = None) -> dict[str, bytes]:
    noisy = draw(st.booleans()) if noisy is None else noisy
    value = plausible if noisy else _identity
    plan: list[Planned] = []
    for cycle in draw(st.lists(st.sampled_from(list(CYCLES)), min_size=1, max_size=2, unique=True)):
        for owner in draw(st.lists(st.sampled_from(OWNERS), min_size=1, max_size=2, unique=True)):
            for slug in draw(st.lists(st.sampled_from(SLUGS), min_size=1, max_size=2, unique=True)):
                shapes = draw(st.lists(st.sampled_from(["numeric", "milestone", "threshold", "linked"]), max_size=3))
                plan.append(Planned(cycle, owner, slug, tuple((f"k{i}", shape) for i, shape in enumerate(shapes))))
    title = draw((TEXT if noisy else NAME) | st.sampled_from(PAYLOADS))  # Pagefind is left out: it only costs time
    language = draw(st.sampled_from(["en", "sv"]))
    toml = f"title = {toml_string(title)}\nlanguage = \"{language}\"\n[search]\nenabled = false\n"
    files: dict[str, bytes] = {"site.toml": toml.encode()}
    if draw(st.booleans()):  # an org chart; without one, any text is an owner
        org = {"teams": {"acme": {"name": draw(NAME)}, "team": {"name": draw(value(NAME)), "parent": "acme"}},
               "people": {"ann": draw(value(NAME))}}
        files["content/org.yaml"] = dump(draw(value(st.just(org)))).encode()
    owners = ["ann"] if "content/org.yaml" in files else list(PAYLOADS)
    for index, me in enumerate(plan):
        earlier = [o.ref(me.cycle) for o in plan[:index]] + ([draw(BAD_REFS)] if noisy else [])
        later = [o.ref(me.cycle) for o in plan[index + 1:]]
        files[f"content/{me.cycle}/{me.owner}/{me.slug}.md"] = page(
            draw(objective(value, me, earlier, later, owners)), draw(st.sampled_from(PAYLOADS)))
    for cycle, month in CYCLES.items():
        owners = sorted({o.owner for o in plan if o.cycle == cycle})
        if cycle == "sprint-1" and owners or owners and draw(st.booleans()):
            meta = {"title": draw(value(TEXT | st.sampled_from(PAYLOADS))), "closed": draw(value(st.booleans()))}
            if cycle == "sprint-1":
                meta.update(start=draw(value(st.just(dt.date(2026, 10, 1)))), end=draw(value(st.just(dt.date(2026, 12, 31)))))
            files[f"content/{cycle}/_cycle.md"] = page(meta, draw(st.sampled_from(PAYLOADS)))
        for owner in owners:
            for day in draw(st.lists(st.integers(1, 28), max_size=2, unique=True)):
                files[f"content/{cycle}/{owner}/checkins/{month}-{day:02d}.md"] = page(
                    draw(checkin(value, cycle, [o for o in plan if o.cycle == cycle])), draw(TEXT if noisy else NAME))
    if noisy and draw(st.booleans()):
        files["content/2026-Q4/team/broken.md"] = draw(st.binary(max_size=200) | YAMLISH.map(str.encode))
    return files


@fuzz(20)
@given(sites(noisy=False))
def test_random_clean_sites_build_and_every_page_is_safe(files: dict[str, bytes]) -> None:
    assert build_and_check(files), "a clean site must build"


@fuzz(20)
@given(sites(noisy=True))
def test_random_noisy_sites_build_or_report_and_every_page_is_safe(files: dict[str, bytes]) -> None:
    event("built" if build_and_check(files) else "reported")


def build_and_check(files: dict[str, bytes]) -> bool:
    """Build the site `files` in a temporary folder: either it fails with diagnostics and writes
    nothing, or every page parses, holds no live markup, and nothing is written outside."""
    with tempfile.TemporaryDirectory() as temp:
        top = Path(temp)
        root, out = top / "site", top / "public"
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        before = tree(top)
        try:
            result = build_site(root, BuildOptions(out_dir=out, today=TODAY, use_cache=False))
        except BuildError as exc:
            assert any(d.is_error for d in exc.diagnostics)
            assert_reported(exc.diagnostics)
            assert not out.exists()
            built = False
        else:
            assert_reported(result.diagnostics)
            assert site_problems(out) == []
            built = True
        after = tree(top)
        assert {p for p in set(before) ^ set(after) if not p.startswith("public")} == set()
        return built
