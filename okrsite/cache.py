"""The build cache (`.okrsite-cache/` by default): parsed files and page fingerprints.

Keyed by content hashes, never by modification times, so a fresh CI checkout with the cache
restored gets the same hits as the machine that wrote it. Deleting the folder is always safe:
the next build is a cold one. A cache written by another okrsite or Python version is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .content.documents import Parsed
from .content.loader import collector_paused

CACHE_DIR = ".okrsite-cache"
_STAMP = f"okrsite {__version__} python {sys.version_info[0]}.{sys.version_info[1]} pickle 5 shards 64 fragment files page fragments flat updates"
_DOCUMENTS = "documents"  # a folder of shards, so an edit rewrites one small file, not all
_SHARDS = 64
_PAGES = "pages.pickle"
_FRAGMENTS = "fragments"  # a folder: one file per fragment
_PAGE_FRAGMENTS = "page-fragments"  # a folder: one file per page


def _shard(key: str) -> int:
    return int(hashlib.blake2b(key.encode(), digest_size=2).hexdigest(), 16) % _SHARDS


@dataclass
class DocumentCache:
    """Parsed documents by (kind, path, content hash); implements content.loader.ParseCache."""

    entries: dict[str, Parsed] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)

    def get(self, key: str) -> Parsed | None:
        found = self.entries.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, parsed: Parsed) -> None:
        self.entries[key] = parsed
        self.used.add(key)
        self.added.add(key)

    def begin(self) -> None:
        """Start a build with a cache kept open since the last one: nothing used yet."""
        self.used = set()

    def settle(self) -> None:
        """After a save: keep what the build used (what the shards now hold), nothing else."""
        self.entries = {key: self.entries[key] for key in self.used}
        self.used, self.added = set(), set()

    def changed_shards(self) -> set[int]:
        """Shards that gained a document or hold one this build no longer used."""
        stale = set(self.entries) - self.used
        return {_shard(key) for key in self.added | stale}

    def release(self) -> None:
        """Let go of every document (after they are saved): the model holds what a build needs,
        and on a large site the parsed documents are a third of its memory."""
        self.entries, self.used, self.added = {}, set(), set()



@dataclass
class PageManifest:
    """What the previous build wrote: for each output path the fingerprint of its content
    (pages: of their views; other files: of their bytes) and, for pages, the digest of the
    model objects they were made of."""

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
        found = self.entries.get(key) if self.folder is None else _load(self._path(key))
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, value: object) -> None:
        if self.folder is None:
            self.entries[key] = value
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
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
                wanted = {self._path(key).name for key in self.used}
                for path in self.folder.iterdir():
                    if path.name not in wanted:
                        path.unlink(missing_ok=True)
        self.added, self.used = set(), set()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + ".pickle")


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

    @classmethod
    def open(cls, folder: Path | None) -> BuildCache:
        # Its documents live on for the build (or the dev server's session): see collector_paused.
        with collector_paused(freeze=True):
            return cls._open(folder)

    def __post_init__(self) -> None:
        if self.folder is not None and self.fragments.folder is None:
            self.fragments = Fragments(self.folder / _FRAGMENTS)
        if self.folder is not None and self.page_fragments is None:
            self.page_fragments = PageFragmentFiles(self.folder / _PAGE_FRAGMENTS)

    @classmethod
    def _open(cls, folder: Path | None) -> BuildCache:
        cache = cls(folder)
        if folder is None or _read(folder / "stamp") != _STAMP.encode():
            if folder is not None:  # another version's fragments: not to be read
                shutil.rmtree(folder / _FRAGMENTS, ignore_errors=True)
                shutil.rmtree(folder / _PAGE_FRAGMENTS, ignore_errors=True)
            return cache
        documents: dict[str, Parsed] = {}
        for number in range(_SHARDS):
            shard = _load(folder / _DOCUMENTS / f"{number:02d}.pickle")
            if isinstance(shard, dict):
                documents.update(shard)
        cache.documents = DocumentCache(documents)
        pages = _load(folder / _PAGES)
        if isinstance(pages, PageManifest):
            cache.pages = pages
        return cache

    def save(self, pages: PageManifest | None = None) -> None:
        """Write what changed; a failure to write the cache never fails a build. Afterwards the
        cache holds what was saved, ready for the next build (see BuildOptions.cache)."""
        try:
            self._write(pages)
        finally:
            self.documents.settle()
            self.fragments.settle()
            if pages is not None:
                self.pages = pages

    def save_documents(self) -> None:
        """Write the shards whose documents changed, as soon as the site is loaded (a one-shot
        build then releases them before rendering). Like save(), never fails a build."""
        try:
            self._write_documents()
        except OSError:
            pass
        finally:
            self.documents.settle()

    def _begin_writing(self) -> None:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        _write(self.folder / "stamp", _STAMP.encode())
        _write(self.folder / "README.txt",
               b"okrsite build cache: parsed files and page fingerprints by content hash.\n"
               b"Safe to delete; safe to restore from a CI cache.\n")

    def _write_documents(self) -> None:
        changed = self.documents.changed_shards()
        if self.folder is None or not changed:
            return
        self._begin_writing()
        (self.folder / _DOCUMENTS).mkdir(exist_ok=True)
        by_shard: dict[int, dict[str, Parsed]] = {n: {} for n in changed}
        for key in sorted(self.documents.used):
            number = _shard(key)
            if number in by_shard:
                by_shard[number][key] = self.documents.entries[key]
        for number, entries in by_shard.items():
            _write(self.folder / _DOCUMENTS / f"{number:02d}.pickle", pickle.dumps(entries, protocol=5))

    def _write(self, pages: PageManifest | None) -> None:
        if self.folder is None:
            return
        try:
            self._begin_writing()
            self._write_documents()
            if pages is not None:
                _write(self.folder / _PAGES, pickle.dumps(pages, protocol=5))
        except OSError:
            pass


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


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
