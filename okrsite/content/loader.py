"""load_site(): read a site folder into the validated model, collecting every diagnostic."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..config import SiteConfig, load_config, option_location
from ..diagnostics import Diagnostic, Diagnostics, Location, suggestion_hint
from ..model import Site
from . import frontmatter
from .assets import svg_problem
from .documents import CheckInDoc, CycleDoc, ObjectiveDoc, OrgDoc, Parsed, parse_file
from .files import Discovery, FileKind, SourceFile, discover
from .resolve import Documents, build_site


class ParseCache(Protocol):
    """Parsed documents by content hash, so unchanged files are not parsed again."""

    def get(self, key: str) -> Parsed | None: ...

    def put(self, key: str, parsed: Parsed) -> None: ...


@dataclass(frozen=True)
class SourceText:
    file: SourceFile
    digest: str  # sha256 of the bytes


@dataclass(frozen=True)
class Loaded:
    """The model (None if the site could not be read at all) and every diagnostic."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[SourceText, ...] = ()
    discovery: Discovery | None = None

    @property
    def ok(self) -> bool:
        return self.site is not None and not any(d.is_error for d in self.diagnostics)


def load_site(
    site_dir: Path, *, config: SiteConfig | None = None, cache: ParseCache | None = None
) -> Loaded:
    """Load and validate a site. Never raises for bad content: problems become diagnostics.
    (Parsing stays in one process: measured, sending parsed documents back from worker
    processes costs more than the parsing they would save.)"""
    with collector_paused():
        return _load(site_dir, config, cache)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading makes millions of small objects that live on and form no reference cycles; the
    cycle collector would only scan them again and again (a third of the time of a large load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(site_dir: Path, config: SiteConfig | None, cache: ParseCache | None) -> Loaded:
    diagnostics = Diagnostics()
    if config is None:
        config = load_config(site_dir, diagnostics)
    discovery = discover(site_dir, diagnostics)
    found: list[Parsed | None] = []
    sources: list[SourceText] = []
    missing: list[tuple[int, SourceFile, bytes]] = []
    for file in discovery.files:
        if file.kind is FileKind.ASSET:
            _check_svg(site_dir, file, diagnostics)
            continue
        raw = _read(site_dir, file.path, diagnostics)
        if raw is None:
            continue
        digest = hashlib.sha256(raw).hexdigest()
        sources.append(SourceText(file, digest))
        hit = cache.get(_key(file, digest)) if cache is not None else None
        if hit is None:
            missing.append((len(found), file, raw))
        found.append(hit)
    for index, file, raw in missing:
        parsed_file = found[index] = parse_file(file, raw)
        if cache is not None:
            cache.put(_key(file, sources[index].digest), parsed_file)
    parsed = [item for item in found if item is not None]
    for item in parsed:
        diagnostics.extend(item.diagnostics)
    documents = collect_documents(discovery, parsed)
    site = build_site(config, documents, diagnostics)
    _check_current_cycle(site_dir, site, diagnostics)
    return Loaded(site, tuple(diagnostics.sorted()), tuple(sources), discovery)


def _read(site_dir: Path, path: str, diagnostics: Diagnostics) -> bytes | None:
    """The bytes of a content file, at most one byte over the size limit (so a huge file is
    reported without being read whole); None, reported, if it cannot be read."""
    try:
        with open(site_dir / path, "rb") as file:
            return file.read(frontmatter.MAX_FILE_BYTES + 1)
    except OSError as exc:
        diagnostics.error(
            Location(path), "unreadable-file", f"file cannot be read: {exc.strerror or exc}",
            "check that the file exists and that you may read it (its permissions)",
        )
        return None


def _check_svg(site_dir: Path, file: SourceFile, diagnostics: Diagnostics) -> None:
    """An SVG image beside an objective is published as it is: it must hold no script."""
    if not file.path.lower().endswith(".svg"):
        return
    raw = _read(site_dir, file.path, diagnostics)
    if raw is None:
        return
    problem = svg_problem(raw) if len(raw) <= frontmatter.MAX_FILE_BYTES else "more than can be checked"
    if problem:
        diagnostics.error(
            Location(file.path), "unsafe-asset",
            f"SVG image holds {problem}; a script in it would run in the site when the image is opened",
            "export the drawing again as plain SVG (no scripts, event handlers or script links) or as PNG",
        )


def _check_current_cycle(site_dir: Path, site: Site, diagnostics: Diagnostics) -> None:
    wanted = site.config.current_cycle
    if wanted is not None and wanted not in site.cycles:
        diagnostics.error(
            option_location(site_dir, "", "current_cycle"), "config-value",
            f"current_cycle = {wanted!r} names no cycle of the site",
            suggestion_hint(wanted, site.cycles, "cycles")
            or "name a cycle folder of content/, or remove current_cycle to use the running one",
        )


def _key(file: SourceFile, digest: str) -> str:
    return f"{file.kind.value}:{file.path}:{digest}"


def collect_documents(discovery: Discovery, parsed: Iterable[Parsed]) -> Documents:
    cycles: list[CycleDoc] = []
    objectives: list[ObjectiveDoc] = []
    checkins: list[CheckInDoc] = []
    org: OrgDoc | None = None
    for item in parsed:
        doc = item.document
        if isinstance(doc, ObjectiveDoc):
            objectives.append(doc)
        elif isinstance(doc, CheckInDoc):
            checkins.append(doc)
        elif isinstance(doc, CycleDoc):
            cycles.append(doc)
        elif isinstance(doc, OrgDoc):
            org = doc
    with_meta = {file.cycle for file in discovery.files if file.kind is FileKind.CYCLE}
    unreadable = frozenset(with_meta - {doc.file.cycle for doc in cycles})
    return Documents(
        discovery.cycle_dirs, tuple(cycles), org, tuple(objectives), tuple(checkins), unreadable
    )
