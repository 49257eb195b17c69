"""The build cache (`.okrsite-cache/` by default): parsed files, what the last build found
(the loaded site's state, scores, object digests and summaries), page fingerprints, and parts
of pages and exports.

Keyed by content hashes, never by modification times, so a fresh CI checkout with the cache
restored gets the same hits as the machine that wrote it. Deleting the folder is always safe:
the next build is a cold one. A cache written by another okrsite or Python version is ignored.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.process
import os
import pickle
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from . import __version__
from .content.documents import Parsed
from .content.loader import SeenFiles, collector_paused
from .export import Part, StoredPart

CACHE_DIR = ".okrsite-cache"
_STAMP = f"okrsite {__version__} python {sys.version_info[0]}.{sys.version_info[1]} pickle 5 units state parts shapes"
_DOCUMENTS = "documents"  # a folder: one file per unit, so an edit rewrites one small file
DOCUMENTS_APART = 200  # units changed; from there a forked process writes them
_PAGES = "pages.pickle"
STATE_FILE = "state.pickle"
_FRAGMENTS = "fragments"  # a folder: one file per fragment
_PAGE_FRAGMENTS = "page-fragments"  # a folder: one file per page
_TEMPLATES = "templates"  # a folder: the theme's templates compiled (Jinja bytecode)
_PICKLE, _PART = ".pickle", ".part"  # fragment files: pickled, or an export part's bytes
_PART_MAGIC = b"okrsite-part"


@dataclass
class DocumentCache:
    """Parsed documents by (kind, path, content hash); implements content.loader.ParseCache.

    One file per unit (an owner folder of a cycle; the org and cycle files share one), read the
    first time one of its documents is asked for: a build that reads one unit of a large site
    again reads one small file."""

    folder: Path | None = None
    units: dict[str, dict[str, Parsed]] = field(default_factory=dict)  # read or made, by unit
    used: dict[str, set[str]] = field(default_factory=dict)  # keys used this build, by unit
    dirty: set[str] = field(default_factory=set)  # units with documents not in their file

    def get(self, key: str) -> Parsed | None:
        unit = _unit_of(key)
        found = self._entries(unit).get(key)
        if found is not None:
            self.used.setdefault(unit, set()).add(key)
        return found

    def put(self, key: str, parsed: Parsed) -> None:
        unit = _unit_of(key)
        self._entries(unit)[key] = parsed
        self.used.setdefault(unit, set()).add(key)
        self.dirty.add(unit)

    def begin(self) -> None:
        """Start a build with a cache kept open since the last one: nothing used yet."""
        self.used = {}

    def release(self) -> None:
        """Let go of every document (after they are saved): the model holds what a build needs,
        and on a large site the parsed documents are a third of its memory."""
        self.units, self.used, self.dirty = {}, {}, set()

    def write(self, units: Iterable[str] | None = None) -> None:
        """Write the units that gained documents, with the documents this build used (an
        edited file's old version goes); with `units` (every unit of the site now), forget
        the files of units that are gone."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for unit in sorted(self.dirty):
            used = self.used.get(unit, set())
            entries = {key: parsed for key, parsed in self.units.get(unit, {}).items() if key in used}
            self.units[unit] = entries
            _write(self._path(unit), pickle.dumps(entries, protocol=5))
        self.dirty = set()
        if units is not None:
            wanted = {self._path(unit).name for unit in (*units, "")}
            for path in self.folder.iterdir():
                if path.suffix == ".pickle" and path.name not in wanted:
                    path.unlink(missing_ok=True)

    def keys(self, *, stored: bool = False) -> set[str]:
        """The keys of the documents held (`stored`: of those in the folder)."""
        if not stored:
            return {key for entries in self.units.values() for key in entries}
        found: set[str] = set()
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.pickle"):
                entries = _load(path)
                if isinstance(entries, dict):
                    found.update(entries)
        return found

    def _entries(self, unit: str) -> dict[str, Parsed]:
        found = self.units.get(unit)
        if found is None:
            loaded = _load(self._path(unit)) if self.folder is not None else None
            found = self.units[unit] = loaded if isinstance(loaded, dict) else {}
        return found

    def _path(self, unit: str) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.blake2b(unit.encode(), digest_size=12).hexdigest() + ".pickle")


def _unit_of(key: str) -> str:
    """The unit of a document key `kind:path:digest`: CYCLE/OWNER for objectives and check-ins
    (content/CYCLE/OWNER/...), "" for the org and cycle files."""
    kind, _, rest = key.partition(":")
    parts = rest.rpartition(":")[0].split("/")
    return f"{parts[1]}/{parts[2]}" if kind in ("objective", "checkin") and len(parts) > 3 else ""


@dataclass
class PageManifest:
    """What the previous build wrote: for each output path the digest of its bytes and, for
    pages, the digest of their inputs (render/inputs.py: what they were made of)."""

    fingerprints: dict[str, str] = field(default_factory=dict)
    output: str = ""  # the id of the build that wrote them (also in the output's marker file)
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Fragments:
    """Parts of pages made by one build for the next (the encoded export of each cycle), by a
    key that holds the digest of everything they are made of.

    With a folder, each fragment is a file of its own, written by the process that made it (a
    render worker) and read only when a page asks for it: a large site's exports are hundreds
    of megabytes, which neither travel between processes nor sit in memory for the build.
    Without one (no cache), they live in memory."""

    folder: Path | None = None
    entries: dict[str, object] = field(default_factory=dict)  # when there is no folder
    used: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)

    def get(self, key: str) -> object | None:
        if self.folder is None:
            found = self.entries.get(key)
        else:
            found = _stored_part(self._path(key, _PART))
            if found is None:
                found = _load(self._path(key))
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, value: object) -> None:
        """Keep a fragment: an encoded export part as its bytes behind a header line (a later
        get() names them, and the page is written by copying them), anything else pickled."""
        if self.folder is None:
            self.entries[key] = value
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                if isinstance(value, Part):
                    _write(self._path(key, _PART), _part_header(value.digest, value.size), *value.chunks)
                else:
                    _write(self._path(key), pickle.dumps(value, protocol=5))
            except OSError:
                return  # the next build makes it again
        self.added.add(key)
        self.used.add(key)

    def take(self) -> tuple[set[str], set[str]]:
        """The keys added and used since the last take (a worker sends them to the parent)."""
        added, used = self.added, self.used
        self.added, self.used = set(), set()
        return added, used

    def merge(self, added: set[str], used: set[str]) -> None:
        """What worker processes made and used."""
        self.added |= added
        self.used |= used

    def settle(self) -> None:
        """After a build: drop the fragments it did not use, if it used any (a build that
        rendered the exports asked for every current fragment; one that did not keeps all)."""
        if self.used:
            if self.folder is None:
                self.entries = {key: value for key, value in self.entries.items() if key in self.used}
            elif self.folder.is_dir():
                wanted = {self._path(key, suffix).name for key in self.used for suffix in (_PICKLE, _PART)}
                for path in self.folder.iterdir():
                    if path.name not in wanted:
                        path.unlink(missing_ok=True)
        self.added, self.used = set(), set()

    def _path(self, key: str, suffix: str = _PICKLE) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + suffix)


def _part_header(digest: str, size: int) -> bytes:
    return b"%s %s %d\n" % (_PART_MAGIC, digest.encode(), size)


def _stored_part(path: Path) -> StoredPart | None:
    """The part a fragment file holds, if it is one and whole (a file cut short, as an
    interrupted cache restore leaves it, is none)."""
    try:
        with open(path, "rb") as file:
            header = file.readline(200)
            size = os.fstat(file.fileno()).st_size
    except OSError:
        return None
    magic, _, rest = header.rstrip(b"\n").partition(b" ")
    digest, _, length = rest.partition(b" ")
    if magic != _PART_MAGIC or not length.isdigit() or size != len(header) + int(length):
        return None
    return StoredPart(str(path), len(header), int(length), digest.decode())


@dataclass
class PageFragmentFiles:
    """The `{% cache %}` parts of each page (render/fragments.py), one file per page, read when
    the page is rendered again. Kept while the page exists, whether or not a build renders it."""

    folder: Path

    def get(self, key: str) -> object | None:
        return _load(self._path(key))

    def put(self, key: str, value: object) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self._path(key), pickle.dumps(value, protocol=5))
        except OSError:
            pass  # the next build renders those parts again

    def prune(self, keys: Iterable[str]) -> None:
        """Forget the parts of pages other than these (pages that are gone)."""
        if not self.folder.is_dir():
            return
        wanted = {self._path(key).name for key in keys}
        for path in self.folder.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + ".pickle")


@dataclass
class BuildCache:
    folder: Path | None  # None: no cache (every build is cold)
    documents: DocumentCache = field(default_factory=DocumentCache)
    pages: PageManifest = field(default_factory=PageManifest)
    fragments: Fragments = field(default_factory=Fragments)
    page_fragments: PageFragmentFiles | None = None
    state: object | None = None  # what the last build found (build.BuildState), read on open
    seen: SeenFiles | None = None  # what the last load found in the folder (kept in memory only)
    plan: object | None = None  # the last build's pages and renderer (build.LastPlan; in memory)
    _writer: multiprocessing.process.BaseProcess | None = field(default=None, repr=False)  # of documents
    _encoded: Encoded = field(default_factory=dict, repr=False)  # parts of `state` as read (see _read_state)
    _encoded_of: object | None = field(default=None, repr=False)  # the state saved, if _encoded is of the last

    @classmethod
    def open(cls, folder: Path | None) -> BuildCache:
        # Its documents live on for the build (or the dev server's session): see collector_paused.
        with collector_paused(freeze=True):
            return cls._open(folder)

    def __post_init__(self) -> None:
        if self.folder is not None and self.documents.folder is None:
            self.documents = DocumentCache(self.folder / _DOCUMENTS)
        if self.folder is not None and self.fragments.folder is None:
            self.fragments = Fragments(self.folder / _FRAGMENTS)
        if self.folder is not None and self.page_fragments is None:
            self.page_fragments = PageFragmentFiles(self.folder / _PAGE_FRAGMENTS)

    @classmethod
    def _open(cls, folder: Path | None) -> BuildCache:
        cache = cls(folder)
        if folder is None or _read(folder / "stamp") != _STAMP.encode():
            if folder is not None:  # another version's files: not to be read
                for name in (_FRAGMENTS, _PAGE_FRAGMENTS, _DOCUMENTS, _TEMPLATES):
                    shutil.rmtree(folder / name, ignore_errors=True)
                (folder / STATE_FILE).unlink(missing_ok=True)
            return cache
        pages = _load(folder / _PAGES)
        if isinstance(pages, PageManifest):
            cache.pages = pages
        cache.state, cache._encoded = _read_state(folder / STATE_FILE)
        return cache

    def templates(self, fingerprint: str) -> Path | None:
        """The folder for the templates compiled under this renderer fingerprint (compiling
        folds each constant string a template translates, so the language and theme are part
        of what they were compiled for); the folders of other fingerprints are removed."""
        if self.folder is None:
            return None
        root = self.folder / _TEMPLATES
        try:
            for old in root.iterdir() if root.is_dir() else ():
                if old.name != fingerprint:
                    shutil.rmtree(old, ignore_errors=True)
            (root / fingerprint).mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return root / fingerprint

    def prepare(self, state: object) -> PendingState:
        """Start writing the build's state now, in a forked process, while the build goes on:
        on a large site it is tens of megabytes to encode. save() puts it in place (a failed
        build never does)."""
        if self._encoded_of is not None:  # the parts the state saved shares with the one read stay known
            parts = _parts(self._encoded_of)[1]
            self._encoded = {key: (part, found[1]) for key, part in parts.items()
                             if (found := self._encoded.get(key)) is not None and same_part(found[0], part)}
            self._encoded_of = None
        return PendingState(self.folder / STATE_FILE if self.folder is not None else None, state, self._encoded)

    def save(self, pages: PageManifest | None = None, state: PendingState | None = None,
             units: Iterable[str] | None = None) -> None:
        """Write what changed; a failure to write the cache never fails a build. Afterwards the
        cache holds what was saved, ready for the next build (see BuildOptions.cache)."""
        try:
            self._write(pages, state, units)
        finally:
            self.fragments.settle()
            if pages is not None:
                self.pages = pages
            if state is not None:
                self.state = state.state
                self._encoded_of = state.state  # see prepare(): a build that ends the process never needs it

    def save_documents(self) -> None:
        """Write the units whose documents changed, as soon as the site is loaded (a one-shot
        build then releases them before rendering). Like save(), never fails a build. Many
        units (a cold build of a large site: seconds of encoding) are written by a forked
        process while the build plans its pages; wait_documents() waits for it."""
        if self.folder is None:
            return
        if len(self.documents.dirty) >= DOCUMENTS_APART and "fork" in multiprocessing.get_all_start_methods():
            self.wait_documents()
            # not a daemon: a process that ends before waiting for it (an error) still waits
            self._writer = multiprocessing.get_context("fork").Process(target=_collector_off,
                                                                       args=(self._write_documents,))
            self._writer.start()
            self.documents.dirty = set()  # the writer has them
            return
        self._write_documents()

    @property
    def writing_documents(self) -> bool:
        """Whether a forked process is writing the documents now (see save_documents)."""
        return self._writer is not None and self._writer.is_alive()

    def wait_documents(self) -> None:
        """Wait for the documents' writer, if one is running."""
        if self._writer is not None:
            self._writer.join()
            self._writer = None

    def _write_documents(self) -> None:
        try:
            self._begin_writing()
            self.documents.write()
        except OSError:
            pass

    def _begin_writing(self) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        _write(self.folder / "stamp", _STAMP.encode())
        _write(self.folder / "README.txt",
               b"okrsite build cache: parsed files, what the last build found and page fingerprints,\n"
               b"by content hash. Safe to delete; safe to restore from a CI cache.\n")

    def _write(self, pages: PageManifest | None, state: PendingState | None, units: Iterable[str] | None) -> None:
        if self.folder is None:
            return
        self.wait_documents()
        try:
            self._begin_writing()
            self.documents.write(units)
            if pages is not None:
                _write(self.folder / _PAGES, pickle.dumps(pages, protocol=5))
            if state is not None:
                state.finish()
        except OSError:
            pass


class PendingState:
    """The state file being written by a forked process (or, where processes cannot fork,
    written when finished). `encoded`: parts of the last state as they were read, written
    again as they are where the new state has the same objects."""

    def __init__(self, path: Path | None, state: object, encoded: Encoded | None = None):
        self.path, self.state, self.encoded = path, state, encoded or {}
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.pending") if path is not None else None
        self.process: multiprocessing.process.BaseProcess | None = None
        if self.temporary is not None and "fork" in multiprocessing.get_all_start_methods():
            self.temporary.parent.mkdir(parents=True, exist_ok=True)
            self.process = multiprocessing.get_context("fork").Process(
                target=_collector_off, args=(_dump, state, self.temporary, self.encoded), daemon=True)
            self.process.start()

    def finish(self) -> None:
        """Put the state in place (write it now if no process did)."""
        if self.temporary is None or self.path is None:
            return
        if self.process is not None:
            self.process.join()
            if self.process.exitcode != 0 or not self.temporary.exists():
                self.temporary.unlink(missing_ok=True)
                return
        else:
            _dump(self.state, self.temporary, self.encoded)
        _put_in_place(self.temporary, self.path)

    def cancel(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
        if self.process is not None:
            self.process.join()
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)


def _collector_off(write: Callable[..., None], *args: object) -> None:
    """Run `write` in a forked writer process with the cycle collector paused: the writer only
    encodes what it inherited and ends, so a collection would only scan those objects again."""
    with collector_paused():
        write(*args)


# The state file: a header line, then the pickled state without its parts (and each part's key
# and size), then each part pickled on its own. A state that has parts (build.BuildState: the
# state of each unit of the site, the summaries of each unit's objectives) gives them with
# parts() and takes them back with joined(); a part the last state had (see same_part) is
# written as the bytes it was read from, so an edit encodes its unit again, not the tens of
# megabytes of the rest.
_STATE_MAGIC = b"okrsite-state 2 "
StatePart = str | tuple[str, str]  # the key of a part of the state
Encoded = dict[StatePart, tuple[object, "bytes | memoryview"]]  # key → (part, its bytes as read)


class Split(Protocol):
    def parts(self) -> tuple[object, Mapping[StatePart, object]]: ...

    def joined(self, parts: Mapping[StatePart, object]) -> object: ...


def _parts(state: object) -> tuple[object, Mapping[StatePart, object]]:
    return cast(Split, state).parts() if hasattr(state, "parts") else (state, {})


_MISSING = object()


def same_part(old: object, new: object) -> bool:
    """Whether a part of a state may be written as the bytes `old` was read from: it is the
    same object, or a mapping made again of the same objects under the same keys (as parts()
    groups what the state holds in one mapping). Identity, not equality: 1 and 1.0 are equal,
    but would not read back the same."""
    if old is new:
        return True
    return type(old) is dict and type(new) is dict and len(old) == len(new) \
        and all(old.get(key, _MISSING) is value for key, value in new.items())


def _dump(state: object, path: Path, encoded: Encoded | None = None) -> None:
    encoded = encoded or {}
    rest, parts = _parts(state)
    blobs: list[bytes | memoryview] = []
    for key, part in parts.items():
        found = encoded.get(key)
        blobs.append(found[1] if found is not None and same_part(found[0], part) else pickle.dumps(part, protocol=5))
    head = pickle.dumps((rest, [(key, len(blob)) for key, blob in zip(parts, blobs, strict=True)]), protocol=5)
    with open(path, "wb") as file:
        file.writelines([_STATE_MAGIC, b"%d\n" % len(head), head, *blobs])


def _read_state(path: Path) -> tuple[object, Encoded]:
    """The state a file holds (None if it holds none that can be read), and its parts'
    bytes by the part (for _dump)."""
    data = _read(path)
    if data is None or not data.startswith(_STATE_MAGIC):
        return None, {}
    try:
        view = memoryview(data)
        line = data.index(b"\n", len(_STATE_MAGIC))
        start = line + 1 + int(data[len(_STATE_MAGIC):line])
        rest, table = pickle.loads(view[line + 1:start])
        parts: dict[StatePart, object] = {}
        encoded: Encoded = {}
        for key, size in table:
            blob = view[start:start + size]
            if len(blob) != size:
                return None, {}
            part = parts[key] = pickle.loads(blob)
            encoded[key] = (part, blob)
            start += size
        if start != len(data):
            return None, {}
        return (cast(Split, rest).joined(parts) if hasattr(rest, "joined") else rest), encoded
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is the same as none
        return None, {}


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _load(path: Path) -> object:
    data = _read(path)
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is the same as none
        return None


def _write(path: Path, *data: bytes) -> None:
    """Write atomically: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        file.writelines(data)
    _put_in_place(temporary, path)


def _put_in_place(temporary: Path, path: Path) -> None:
    """Move a file written beside `path` into its place. The old file is deleted first, not
    renamed over: ext4 writes a file renamed over another out at once (auto_da_alloc), tens of
    milliseconds for the state of a large site. A reader in between finds no file: a cache
    miss, never half a file."""
    path.unlink(missing_ok=True)
    os.replace(temporary, path)
