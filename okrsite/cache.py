"""The build cache (`.okrsite-cache/` by default): parsed files and page fingerprints.

Keyed by content hashes, never by modification times, so a fresh CI checkout with the cache
restored gets the same hits as the machine that wrote it. Deleting the folder is always safe:
the next build is a cold one. A cache written by another okrsite or Python version is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .content.documents import Parsed
from .content.loader import collector_paused

CACHE_DIR = ".okrsite-cache"
_STAMP = f"okrsite {__version__} python {sys.version_info[0]}.{sys.version_info[1]} pickle 5 shards 64 slots"
_DOCUMENTS = "documents"  # a folder of shards, so an edit rewrites one small file, not all
_SHARDS = 64
_PAGES = "pages.pickle"
_FRAGMENTS = "fragments.pickle"


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

    def trim(self) -> None:
        """Once the site is loaded, let go of the documents of shards that will not be written
        again (the model holds what it needs; on a large site this is a third of the memory)."""
        changed = self.changed_shards()
        self.entries = {k: v for k, v in self.entries.items() if _shard(k) in changed}
        self.used = {k for k in self.used if k in self.entries}




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
    key that holds the digest of everything they are made of."""

    entries: dict[str, object] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    added: dict[str, object] = field(default_factory=dict)

    def get(self, key: str) -> object | None:
        found = self.entries.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, value: object) -> None:
        self.entries[key] = value
        self.added[key] = value
        self.used.add(key)

    def merge(self, added: dict[str, object], used: set[str]) -> None:
        """What worker processes made and used."""
        self.entries.update(added)
        self.added.update(added)
        self.used |= used

    @property
    def changed(self) -> bool:
        return bool(self.added) or set(self.entries) != self.used

    def kept(self) -> dict[str, object]:
        return {key: self.entries[key] for key in sorted(self.used) if key in self.entries}


@dataclass
class BuildCache:
    folder: Path | None  # None: no cache (every build is cold)
    documents: DocumentCache = field(default_factory=DocumentCache)
    pages: PageManifest = field(default_factory=PageManifest)
    fragments: Fragments = field(default_factory=Fragments)

    @classmethod
    def open(cls, folder: Path | None) -> BuildCache:
        with collector_paused():
            return cls._open(folder)

    @classmethod
    def _open(cls, folder: Path | None) -> BuildCache:
        cache = cls(folder)
        if folder is None or _read(folder / "stamp") != _STAMP.encode():
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
        fragments = _load(folder / _FRAGMENTS)
        if isinstance(fragments, dict):
            cache.fragments = Fragments(fragments)
        return cache

    def save(self, pages: PageManifest | None = None) -> None:
        """Write what changed; a failure to write the cache never fails a build. Afterwards the
        cache holds what was saved, ready for the next build (see BuildOptions.cache)."""
        try:
            self._write(pages)
        finally:
            self.documents.settle()
            self.fragments = Fragments(self.fragments.kept())
            if pages is not None:
                self.pages = pages

    def _write(self, pages: PageManifest | None) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self.folder / "stamp", _STAMP.encode())
            _write(self.folder / "README.txt",
                   b"okrsite build cache: parsed files and page fingerprints by content hash.\n"
                   b"Safe to delete; safe to restore from a CI cache.\n")
            changed = self.documents.changed_shards()
            if changed:
                (self.folder / _DOCUMENTS).mkdir(exist_ok=True)
                by_shard: dict[int, dict[str, Parsed]] = {n: {} for n in changed}
                for key in sorted(self.documents.used):
                    number = _shard(key)
                    if number in by_shard:
                        by_shard[number][key] = self.documents.entries[key]
                for number, entries in by_shard.items():
                    _write(self.folder / _DOCUMENTS / f"{number:02d}.pickle", pickle.dumps(entries, protocol=5))
            if pages is not None:
                _write(self.folder / _PAGES, pickle.dumps(pages, protocol=5))
            if self.fragments.changed:
                _write(self.folder / _FRAGMENTS, pickle.dumps(self.fragments.kept(), protocol=5))
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
