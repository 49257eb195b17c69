"""load_site(): read a site folder into the validated model, collecting every diagnostic.

Given the state the last load left (`previous`), a load reads every file (to know what
changed: by content, never by modification time) but parses and resolves only the units whose
files changed; the model it returns makes the other objectives and check-ins from their parsed
files when they are first asked for (content/units.py).

A dev server, told by its watcher which paths changed, gives what the last load found in the
folder (`seen`) and those paths (`touched`): when they are only edits of files already known,
the folder is neither walked nor read again, only the files touched.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from ..config import SiteConfig, load_config, option_location
from ..diagnostics import Diagnostic, Diagnostics, Location, suggestion_hint
from ..model import Site
from . import frontmatter
from .assets import svg_problem
from .documents import CheckInDoc, CycleDoc, ObjectiveDoc, OrgDoc, Parsed, parse_file
from .files import CONTENT_DIR, Discovery, FileKind, SourceFile, discover
from .resolve import Documents, UnitDocs, build_cycles, build_org, group_by_unit, unit_id
from .units import SiteState, Units, resolve_site, update_site


class ParseCache(Protocol):
    """Parsed documents by content hash, so unchanged files are not parsed again."""

    def get(self, key: str) -> Parsed | None: ...

    def put(self, key: str, parsed: Parsed) -> None: ...


T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
OnParsed = Callable[[SiteConfig, Documents], object]  # see load_site(parsed=...)

PARSE_APART = 2000  # files to parse; from there a forked process parses half of them
READ_APART = 2000  # files to read only for their digests; from there a forked process reads half


@dataclass(frozen=True)
class SourceText:
    file: SourceFile
    digest: str  # sha256 of the bytes


@dataclass(frozen=True)
class SeenFiles:
    """What a load found in the folder: its files, classified, the digests of those it read,
    and the problems walking and reading it found."""

    discovery: Discovery
    sources: tuple[SourceText, ...]
    problems: tuple[Diagnostic, ...]
    grouped: Grouped  # the same files, as a load uses them


@dataclass(frozen=True)
class Grouped:
    """The files read, as a load uses them: each unit's (in discovery order) and the others."""

    positions: dict[str, int]  # path → its place in the sources
    units: dict[str, list[SourceText]]  # unit → its objective and check-in files, in unit order
    site: list[SourceText]  # the org and cycle files
    unit_files: dict[str, tuple[tuple[str, str], ...]]  # unit → (path, sha256) of its files

    @classmethod
    def of(cls, sources: Sequence[SourceText]) -> Grouped:
        units: dict[str, list[SourceText]] = {}
        site = []
        for source in sources:
            if source.file.kind in (FileKind.OBJECTIVE, FileKind.CHECKIN):
                units.setdefault(unit_id(source.file), []).append(source)
            else:
                site.append(source)
        units = dict(sorted(units.items()))
        return cls({s.file.path: i for i, s in enumerate(sources)}, units, site,
                   {uid: _digests(found) for uid, found in units.items()})

    def replaced(self, edited: Iterable[SourceText]) -> Grouped:
        """The same files, these read again."""
        units, site, unit_files = dict(self.units), list(self.site), dict(self.unit_files)
        for source in edited:
            if source.file.kind in (FileKind.OBJECTIVE, FileKind.CHECKIN):
                uid = unit_id(source.file)
                units[uid] = [source if s.file.path == source.file.path else s for s in units[uid]]
                unit_files[uid] = _digests(units[uid])
            else:
                site = [source if s.file.path == source.file.path else s for s in site]
        return Grouped(self.positions, units, site, unit_files)


def _digests(sources: Iterable[SourceText]) -> tuple[tuple[str, str], ...]:
    return tuple((s.file.path, s.digest) for s in sources)


@dataclass(frozen=True)
class Loaded:
    """The model (None if the site could not be read at all) and every diagnostic."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[SourceText, ...] = ()
    discovery: Discovery | None = None
    state: SiteState | None = None  # for the next load
    units: Units | None = None  # when loaded a unit at a time: what was read
    changed: frozenset[str] | None = None  # objectives that may differ from last time; None: any
    seen: SeenFiles | None = None  # for a next load told which paths changed

    @property
    def ok(self) -> bool:
        return self.site is not None and not any(d.is_error for d in self.diagnostics)


class FromBothEnds(Generic[K, V]):
    """Work on a list shared by this process and a forked one, begun now: the child takes CHUNK
    items at a time from the back and works them out (`work`), while this process does
    something else; this process then takes items from the front (`front`) until the two meet,
    under one lock, so the process with more time does more. Results are by item. If the child
    dies, the items it took give no result: callers work out what is missing as without it."""

    CHUNK = 256
    NICE = 0  # added to the child's niceness: more, and it takes only what this process leaves

    def __init__(self, items: Callable[[], Sequence[K]]):
        """`items`: the list, as the child makes it (the same list `front` is given)."""
        context = multiprocessing.get_context("fork")
        self.taken = context.Array("i", [0, -1])  # items taken from the front; from the back (-1: none yet)
        self.receive, send = context.Pipe(duplex=False)
        self.received = False
        self.process = context.Process(target=self._child, args=(items, send), daemon=True)
        self.process.start()
        send.close()

    def work(self, items: Sequence[K]) -> Iterable[V]:
        """The results of these items, in order (in either process)."""
        raise NotImplementedError

    def front(self, items: Sequence[K]) -> dict[K, V]:
        """The results of these items: those worked out here, from the front, and the child's."""
        found: dict[K, V] = {}
        while (taken := self._take_front(len(items))) is not None:
            self._work(items, taken, found)
        theirs = self.result()
        return {item: found[item] if item in found else theirs[item]
                for item in items if item in found or item in theirs}

    def _take_front(self, count: int) -> range | None:
        """The next items (indices) from the front, or None when the two have met."""
        with self.taken.get_lock():
            front, back = self.taken[0], self.taken[1]
            end = count if back < 0 else min(back, count)
            if front >= end:
                return None
            self.taken[0] = min(front + self.CHUNK, end)
            return range(front, self.taken[0])

    def _take_back(self, count: int) -> range | None:
        with self.taken.get_lock():
            front, back = self.taken[0], self.taken[1]
            back = count if back < 0 else back
            start = max(front, back - self.CHUNK)
            self.taken[1] = start
            return range(start, back) if start < back else None

    def _child(self, items: Callable[[], Sequence[K]], send: Connection) -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C ends it quietly: the parent drops its work
        if self.NICE:
            os.nice(self.NICE)
        with collector_paused():
            mine = items()
            found: dict[K, V] = {}
            while (taken := self._take_back(len(mine))) is not None:
                self._work(mine, taken, found)
        send.send_bytes(pickle.dumps(found, protocol=5))
        send.close()

    def _work(self, items: Sequence[K], taken: range, found: dict[K, V]) -> None:
        chosen = [items[i] for i in taken]
        found.update(zip(chosen, self.work(chosen), strict=True))

    def result(self) -> dict[K, V]:
        """What the child sent (empty if it died), once; the child is then reaped."""
        theirs: object = {}
        if not self.received:
            try:
                theirs = pickle.loads(self.receive.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                pass
            self.received = True
        self.close()
        return theirs if isinstance(theirs, dict) else {}

    def close(self) -> None:
        """Stop the child, if it runs still (its results are not wanted), and reap it."""
        if not self.received and self.process.is_alive():
            self.process.terminate()
        self.received = True
        self.receive.close()
        self.process.join()


class DigestsAhead(FromBothEnds[str, str | tuple[Diagnostic, ...]]):
    """The digests of a site's objective and check-in files, begun before the build opens its
    cache: a forked process walks the folder itself and works out the digests of its files from
    the last one back, while this process opens the cache and walks the folder; the load then
    takes files from the first one on (_walk) until the two meet. Its digests count for the
    paths this process finds; any path neither worked out is read here, as without it."""

    def __init__(self, site_dir: Path):
        self.site_dir = site_dir
        super().__init__(lambda: _unit_paths(discover(site_dir, Diagnostics())))

    def work(self, items: Sequence[str]) -> list[str | tuple[Diagnostic, ...]]:
        return _file_digests(self.site_dir, items)

    def digests(self, paths: list[str]) -> dict[str, str | tuple[Diagnostic, ...]]:
        """The digests of these files (the unit files this process found, in walk order): those
        it takes here, and those the child worked out."""
        return self.front(paths)


def _unit_paths(discovery: Discovery) -> list[str]:
    return [f.path for f in discovery.files if f.kind in (FileKind.OBJECTIVE, FileKind.CHECKIN)]


def run_apart(work: Callable[..., object], args: tuple[object, ...], here: Callable[[], T]) -> tuple[T, object | None]:
    """Run `here` in this process while a forked process runs `work(*args)` and sends back
    what it returns, pickled. Returns what `here` returned and what the child sent: None if it
    died or sent nothing whole (the caller then does its work)."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_send_result, args=(work, args, send))
    process.start()
    send.close()
    try:
        mine = here()
        try:
            theirs = pickle.loads(receive.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            theirs = None
    finally:
        receive.close()
        process.join()
    return mine, theirs


def _send_result(work: Callable[..., object], args: tuple[object, ...], send: Connection) -> None:
    """In a forked child (run_apart): what `work(*args)` returns, sent back pickled."""
    send.send_bytes(pickle.dumps(work(*args), protocol=5))
    send.close()


def load_site(
    site_dir: Path, *, config: SiteConfig | None = None, cache: ParseCache | None = None,
    keep: bool = False, previous: SiteState | None = None, seen: SeenFiles | None = None,
    touched: Collection[str] | None = None, jobs: int | None = None, ahead: DigestsAhead | None = None,
    parsed: OnParsed | None = None,
) -> Loaded:
    """Load and validate a site. Never raises for bad content: problems become diagnostics.
    `keep`: the caller keeps the model, as a check or a build does (see collector_paused).
    `previous`: the state of the last load, to read again only what changed since.
    `seen`, `touched`: what the last load found in the folder and every path (site-relative,
    with /) changed since, as a watcher reports them; the folder is walked again unless they
    are only edits of files it knew.
    `jobs`: processes that may parse (None: one per core); with two or more and at least
    PARSE_APART files to parse, a forked process parses half of them (_Parser.prefetch).
    `ahead`: the digests of the units' files, begun already (used when the folder is walked
    with a previous state; stopped otherwise).
    `parsed`: called with the settings and the documents of every objective and check-in when
    all of them were parsed (a load without a previous state, or whose state no longer fits),
    before they are resolved into the model: resolving takes one core a while, and a build
    renders the documents' Markdown on the other meanwhile."""
    try:
        with collector_paused(freeze=keep):
            return _load(site_dir, config, cache, previous, seen if previous is not None else None, touched,
                         jobs if jobs is not None else (os.cpu_count() or 1), ahead, parsed)
    finally:
        if ahead is not None:
            ahead.close()


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


BUILD_COLLECTION_THRESHOLDS = (50_000, 50, 1000)


@contextmanager
def young_collections_only() -> Iterator[None]:
    """While a build runs, the cycle collector looks at young objects only, and less often.

    A build makes views, digests and pages that live until it ends (a large site's plan alone
    is hundreds of thousands of objects): at the default thresholds the collector scans them
    all again every few hundred thousand allocations, a tenth of a large CI rebuild and 6% of
    a large cold build, and finds nothing. Short-lived cycles (a page's) are still collected by
    the young collections; full ones wait for the build to end, when the thresholds are back."""
    before = gc.get_threshold()
    gc.set_threshold(*BUILD_COLLECTION_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _load(site_dir: Path, config: SiteConfig | None, cache: ParseCache | None, previous: SiteState | None,
          seen: SeenFiles | None, touched: Collection[str] | None, jobs: int,
          ahead: DigestsAhead | None = None, parsed: OnParsed | None = None) -> Loaded:
    diagnostics = Diagnostics()
    if config is None:
        config = load_config(site_dir, diagnostics)
    raws: dict[str, bytes] = {}
    found = _edited(site_dir, seen, touched, raws) if seen is not None and touched is not None else None
    if found is None:
        found = _walk(site_dir, raws, parse_all=previous is None, jobs=jobs, ahead=ahead)
    discovery, sources = found.discovery, list(found.sources)
    diagnostics.extend(found.problems)
    parser = _Parser(site_dir, cache, raws, diagnostics)
    grouped = found.grouped
    unit_files = grouped.unit_files
    parser.by_unit = grouped.units
    site_sources = grouped.site
    site_files = collect_documents(discovery, parser.parsed(site_sources))
    for source in site_sources:
        diagnostics.extend(parser.problems(source.file.path))
    cycles = build_cycles(discovery.cycle_dirs, site_files.cycles, config, diagnostics,
                          site_files.unreadable_cycle_files)
    org = build_org(site_files.org, diagnostics)
    key = _state_key(config, discovery, site_sources)
    resolved = None
    if previous is not None and previous.key == key:
        resolved = update_site(config, cycles, org, previous, unit_files, parser.unit)
    if resolved is None:
        in_units = [s for s in sources if s.file.kind in (FileKind.OBJECTIVE, FileKind.CHECKIN)]
        if jobs > 1:
            parser.prefetch(in_units)
        docs = collect_documents(discovery, parser.parsed(in_units))
        if parsed is not None:
            parsed(config, docs)
        units = group_by_unit(docs.objectives, docs.checkins)
        problems = {uid: tuple(d for path, _ in unit_files.get(uid, ()) for d in parser.problems(path))
                    for uid in set(unit_files) | set(units)}
        for uid in set(unit_files) - set(units):  # units whose files could not be used at all
            units[uid] = UnitDocs(uid, (), ())
        resolved = resolve_site(config, cycles, org, key, dict(sorted(units.items())), unit_files, problems)
    diagnostics.extend(resolved.diagnostics)
    _check_current_cycle(site_dir, resolved.site, diagnostics)
    return Loaded(resolved.site, tuple(diagnostics.sorted()), tuple(sources), discovery, resolved.state,
                  resolved.units, resolved.changed, found)


def _walk(site_dir: Path, raws: dict[str, bytes], *, parse_all: bool, jobs: int = 1,
          ahead: DigestsAhead | None = None) -> SeenFiles:
    """Walk the folder and read every content file; keep in `raws` the bytes of those to be
    parsed now (all with `parse_all`; else only the org and cycle files: of the units, only
    those whose files changed are parsed)."""
    problems = Diagnostics()
    discovery = discover(site_dir, problems)
    # without parse_all, only the digests of the units' files are wanted: part of them are
    # worked out in a forked process (reading tens of thousands of small files is system calls),
    # begun before the cache was opened (`ahead`), else half of them now
    if parse_all or (jobs < 2 and ahead is None):
        apart = {}
    elif ahead is not None:
        apart = ahead.digests(_unit_paths(discovery))
    else:
        apart = _digests_apart(site_dir, _unit_paths(discovery))
    sources: list[SourceText] = []
    for file in discovery.files:
        if file.kind is FileKind.ASSET:
            _check_svg(site_dir, file, problems)
            continue
        if (found := apart.get(file.path)) is not None:
            if isinstance(found, str):
                sources.append(SourceText(file, found))
            else:
                problems.extend(found)
            continue
        raw = _read(site_dir, file.path, problems)
        if raw is None:
            continue
        sources.append(SourceText(file, hashlib.sha256(raw).hexdigest()))
        if parse_all or file.kind in (FileKind.ORG, FileKind.CYCLE):
            raws[file.path] = raw
    return SeenFiles(discovery, tuple(sources), tuple(problems.items), Grouped.of(sources))


def _digests_apart(site_dir: Path, paths: list[str]) -> dict[str, str | tuple[Diagnostic, ...]]:
    """The sha256 of each of these files (or the problems reading it), when there are at
    least READ_APART: the second half worked out by a forked process while this one works out
    the first. Empty otherwise, or if the child fails: the files are then read as usual."""
    if len(paths) < READ_APART or "fork" not in multiprocessing.get_all_start_methods():
        return {}
    mine, theirs = paths[:len(paths) // 2], paths[len(paths) // 2:]
    here, there = run_apart(_file_digests, (site_dir, theirs), lambda: _file_digests(site_dir, mine))
    found = dict(zip(mine, here, strict=True))
    if isinstance(there, list):  # else the child died: its files are read by the caller
        found.update(zip(theirs, there, strict=True))
    return found


def _file_digests(site_dir: Path, paths: Sequence[str]) -> list[str | tuple[Diagnostic, ...]]:
    found: list[str | tuple[Diagnostic, ...]] = []
    for path in paths:
        problems = Diagnostics()
        raw = _read(site_dir, path, problems)
        found.append(hashlib.sha256(raw).hexdigest() if raw is not None else tuple(problems.items))
    return found


def _edited(site_dir: Path, seen: SeenFiles, touched: Collection[str], raws: dict[str, bytes]) -> SeenFiles | None:
    """What the folder holds now, if the paths touched since it was `seen` are only edits of
    content files read then (paths that came and went, as an editor's temporary files do, are
    no change); None if anything else changed (a file added, removed, or unreadable; an image):
    then the folder is walked again. The bytes read go to `raws`, to be parsed."""
    known = seen.grouped.positions
    sources = list(seen.sources)
    edited = []
    for path in touched:
        if path != CONTENT_DIR and not path.startswith(CONTENT_DIR + "/"):
            continue  # settings, themes, static files: not what a walk finds
        index = known.get(path)
        full = os.path.join(site_dir, path)
        if index is None:
            if os.path.lexists(full):
                return None
            continue
        if os.path.islink(full) or not os.path.isfile(full):
            return None
        problems = Diagnostics()
        raw = _read(site_dir, path, problems)
        if raw is None:
            return None
        sources[index] = SourceText(sources[index].file, hashlib.sha256(raw).hexdigest())
        edited.append(sources[index])
        raws[path] = raw
    return SeenFiles(seen.discovery, tuple(sources), seen.problems, seen.grouped.replaced(edited))


class _Parser:
    """Parsed documents of a load: from the parse cache, else parsed from the bytes read (the
    file is read again if they were not kept). Parse problems are kept per file."""

    def __init__(self, site_dir: Path, cache: ParseCache | None, raws: dict[str, bytes],
                 diagnostics: Diagnostics):
        self.site_dir, self.cache, self.raws, self.diagnostics = site_dir, cache, raws, diagnostics
        self.by_unit: dict[str, list[SourceText]] = {}  # the files of each unit
        self._parsed: dict[str, Parsed] = {}

    def parse(self, source: SourceText) -> Parsed | None:
        found = self._parsed.get(source.file.path)
        if found is not None:
            return found
        key = _key(source.file, source.digest)
        found = self.cache.get(key) if self.cache is not None else None
        if found is None:
            raw = self.raws.pop(source.file.path, None)
            if raw is None:
                raw = _read(self.site_dir, source.file.path, self.diagnostics)
                if raw is None or hashlib.sha256(raw).hexdigest() != source.digest:
                    return None  # changed while being read: the next load sees it
            found = parse_file(source.file, raw)
            if self.cache is not None:
                self.cache.put(key, found)
        self._parsed[source.file.path] = found
        return found

    def prefetch(self, sources: Sequence[SourceText]) -> None:
        """Parse ahead, in two processes, the files among `sources` that were read and are
        not cached, when there are at least PARSE_APART: a forked child parses the second half
        (by bytes) and sends the documents back pickled while this process parses the first.
        Unpickling a document costs a twentieth of parsing it (YAML with the line of every
        value), so the load's longest step takes a little over half as long. If the child
        fails, its files are parsed here, as without it."""
        todo = [s for s in sources if s.file.path in self.raws and s.file.path not in self._parsed
                and (self.cache is None or self.cache.get(_key(s.file, s.digest)) is None)]
        if len(todo) < PARSE_APART or "fork" not in multiprocessing.get_all_start_methods():
            return
        half = sum(len(self.raws[s.file.path]) for s in todo) / 2
        split, seen = 0, 0
        while seen < half:
            seen += len(self.raws[todo[split].file.path])
            split += 1
        mine, theirs = todo[:split], todo[split:]
        _, found = run_apart(_parse_files, ([(s.file, self.raws[s.file.path]) for s in theirs],),
                             lambda: [self.parse(source) for source in mine])
        if not isinstance(found, list):
            return  # the child died: parse() parses its files when they are asked for
        for source, parsed in zip(theirs, found, strict=True):
            del self.raws[source.file.path]
            self._parsed[source.file.path] = parsed
            if self.cache is not None:
                self.cache.put(_key(source.file, source.digest), parsed)

    def parsed(self, sources: Iterable[SourceText]) -> list[Parsed]:
        return [p for p in (self.parse(s) for s in sources) if p is not None]

    def problems(self, path: str) -> tuple[Diagnostic, ...]:
        found = self._parsed.get(path)
        return found.diagnostics if found is not None else ()

    def unit(self, uid: str) -> tuple[UnitDocs, tuple[Diagnostic, ...]]:
        """A unit's documents (in discovery order) and the problems parsing them found."""
        sources = self.by_unit.get(uid, [])
        docs = collect_documents(Discovery((), ()), self.parsed(sources))
        problems = tuple(d for s in sources for d in self.problems(s.file.path))
        return UnitDocs(uid, docs.objectives, docs.checkins), problems


def _parse_files(files: list[tuple[SourceFile, bytes]]) -> list[Parsed]:
    """Parse these files (in a forked child: see _Parser.prefetch)."""
    with collector_paused():
        return [parse_file(file, raw) for file, raw in files]


def _state_key(config: SiteConfig, discovery: Discovery, site_files: list[SourceText]) -> str:
    """What resolving a unit depends on besides its own files: settings, cycles, org."""
    h = hashlib.sha256(config.digest().encode())
    h.update(repr(discovery.cycle_dirs).encode())
    h.update(repr(sorted(f.path for f in discovery.cycle_files)).encode())
    for source in site_files:
        h.update(f"{source.file.path}\0{source.digest}\n".encode())
    return h.hexdigest()[:24]


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
    descriptor (a Python file object costs more than reading a small file does): first up to
    FIRST_READ bytes, which holds all of a content file but a large one, so that most files
    take one read (a read of a regular file that returns less than asked for is at its end);
    a larger one is read on, a megabyte at a time, up to the limit."""
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # (binary: on Windows too)
    try:
        asked = min(limit, FIRST_READ)
        first = os.read(fd, asked)
        if len(first) < asked:
            return first
        chunks, left = [first], limit - len(first)
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


FIRST_READ = 1 << 16  # bytes; a larger first read costs more in making its buffer than it saves


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
    with_meta = {file.cycle for file in discovery.cycle_files}
    unreadable = frozenset(with_meta - {doc.file.cycle for doc in cycles})
    return Documents(
        discovery.cycle_dirs, tuple(cycles), org, tuple(objectives), tuple(checkins), unreadable
    )
