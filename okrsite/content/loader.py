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
from ..diagnostics import Diagnostic, Diagnostics, suggestion_hint
from ..model import Site
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
    """Load and validate a site. Never raises for bad content: problems become diagnostics."""
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
    parsed: list[Parsed] = []
    sources: list[SourceText] = []
    for file in discovery.files:
        if file.kind is FileKind.ASSET:
            continue
        raw = (site_dir / file.path).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        sources.append(SourceText(file, digest))
        parsed.append(_parse(file, raw, digest, cache))
    for item in parsed:
        diagnostics.extend(item.diagnostics)
    documents = collect_documents(discovery, parsed)
    site = build_site(config, documents, diagnostics)
    _check_current_cycle(site_dir, site, diagnostics)
    return Loaded(site, tuple(diagnostics.sorted()), tuple(sources), discovery)


def _check_current_cycle(site_dir: Path, site: Site, diagnostics: Diagnostics) -> None:
    wanted = site.config.current_cycle
    if wanted is not None and wanted not in site.cycles:
        diagnostics.error(
            option_location(site_dir, "", "current_cycle"), "config-value",
            f"current_cycle = {wanted!r} names no cycle of the site",
            suggestion_hint(wanted, site.cycles, "cycles")
            or "name a cycle folder of content/, or remove current_cycle to use the running one",
        )


def _parse(file: SourceFile, raw: bytes, digest: str, cache: ParseCache | None) -> Parsed:
    if cache is None:
        return parse_file(file, raw)
    key = f"{file.kind.value}:{file.path}:{digest}"
    found = cache.get(key)
    if found is None:
        found = parse_file(file, raw)
        cache.put(key, found)
    return found


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
