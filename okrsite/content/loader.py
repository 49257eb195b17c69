"""load_site(): read a site folder into the validated model, collecting every diagnostic."""

from __future__ import annotations

import gc
import hashlib
import os
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
    site_dir: Path, *, config: SiteConfig | None = None, cache: ParseCache | None = None,
    keep: bool = False,
) -> Loaded:
    """Load and validate a site. Never raises for bad content: problems become diagnostics.
    `keep`: the caller keeps the model, as a check or a build does (see collector_paused).
    (Parsing stays in one process: measured, sending parsed documents back from worker
    processes costs more than the parsing they would save.)"""
    with collector_paused(freeze=keep):
        return _load(site_dir, config, cache)


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Loading makes millions of small objects that live on and form no reference cycles; the
    cycle collector would only scan them again and again (a third of the time of a large load).

    Once it runs again, its next collection still scans every one of them (half a second on a
    large site). With `freeze`, for objects the caller keeps, they are first moved where the
    collector never looks (gc.freeze: with every other object alive then); they are still
    freed as usual when no longer used. Without it, nothing is hidden from the collector, so
    a caller that lets the model go leaves no garbage behind."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
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
        return _first_bytes(os.path.join(site_dir, path), frontmatter.MAX_FILE_BYTES + 1)
    except OSError as exc:
        diagnostics.error(
            Location(path), "unreadable-file", f"file cannot be read: {exc.strerror or exc}",
            "check that the file exists and that you may read it (its permissions)",
        )
        return None


def _first_bytes(name: str, limit: int) -> bytes:
    """The first `limit` bytes of a file (all of it if shorter). Read straight from the file
    descriptor (a Python file object costs more than reading a small file does), asking for
    what the file's size says it holds: a buffer of the limit would be made for every file."""
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # (binary: on Windows too)
    try:
        chunks: list[bytes] = []
        left = limit
        wanted = min(os.fstat(fd).st_size + 1, limit)  # one byte more, to see the end
        while left > 0:
            chunk = os.read(fd, min(wanted, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


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
