"""`okrsite serve`: build into a temporary folder, serve it on 127.0.0.1, watch the site,
rebuild on change and reload the open tabs whose page changed.

- Threads: the HTTP server answers each request in a daemon thread; one watcher thread waits
  for changes (watchfiles, debounced) and rebuilds. A build publishes its output while holding
  `LiveSite.lock`, and a request reads its file under the same lock, so no request ever sees
  half a build.
- Live reload: every HTML response gets a stylesheet and an external script (the site's CSP
  allows `script-src 'self'`, nothing inline). The script listens to server-sent events at
  `/_okrsite/events`; after each build the server sends the URLs of the pages that changed,
  and a tab reloads only if its page is one of them (every tab, when a CSS or JS file or
  another asset changed). A failed build sends its diagnostics instead, drawn as an overlay
  over the last good page until a build succeeds.
- Hidden tabs close their event stream and catch up when shown again (the server answers a
  new stream with what changed since the build the tab shows), so a browser's six-connections
  -per-host limit is never used up by background tabs.
"""

from __future__ import annotations

import datetime as dt
import errno
import html
import json
import mimetypes
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles

from .build import BuildError, BuildOptions, BuildResult, build_site
from .cache import CACHE_DIR, BuildCache
from .content.files import CONTENT_DIR
from .diagnostics import Diagnostic, Severity, format_text, summary_line

DEFAULT_HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8000
PORT_TRIES = 20  # when the port is taken, the next ones are tried
PREFIX = "/_okrsite/"
EVENTS = PREFIX + "events"
ASSETS = {  # served from okrsite/livereload/
    PREFIX + "livereload.js": "text/javascript; charset=utf-8",
    PREFIX + "livereload.css": "text/css; charset=utf-8",
}
# Files pages load (styles, scripts, images, fonts): when one changes, every tab reloads.
SHARED_SUFFIXES = (".css", ".js", ".mjs", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif",
                   ".ico", ".woff", ".woff2", ".ttf", ".otf")
WATCHED = (CONTENT_DIR, "themes", "static", "site.toml")
MAX_STREAMS = 200  # open event streams; one thread each
MAX_PAGE_URL = 2000  # characters of the page URL a tab gives
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle event stream
MAX_SHOWN = 50  # diagnostics sent to the overlay (errors first); the rest are counted
MAX_LISTED = 500  # a tab that missed more changed pages than this reloads anyway
FIRST_GRACE = 0.5  # seconds a build waits for tabs to load the pages it published first
ROOT_CHECK_MS = 250  # how often the watcher looks for a watched folder appearing or going
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


class ServeError(Exception):
    """The server could not start (e.g. no free port)."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT  # 0: any free port
    drafts: bool = False
    today: dt.date | None = None
    open_browser: bool = False
    debounce_ms: int = 1600  # longest a burst of changes is gathered into one rebuild
    step_ms: int = 50  # quiet time that ends a burst


# The state tabs see ------------------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """What a tab is told: the build it should show, the pages changed since the build it
    shows, whether every page must reload, and the errors of a failed build (if any)."""

    build: str
    pages: tuple[str, ...] = ()
    all: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()

    def event(self) -> bytes:
        errors = sum(1 for d in self.diagnostics if d.is_error)
        data = {"build": self.build, "pages": list(self.pages), "all": self.all,
                "errors": errors, "warnings": len(self.diagnostics) - errors,
                "diagnostics": [d.as_dict() for d in self.diagnostics[:MAX_SHOWN]]}
        return f"event: update\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    content_type: str
    body: bytes
    page: str = ""  # for HTML: the page URL the body is (e.g. "/404.html" for a missing page)
    build: str = ""  # for HTML: the build it belongs to
    location: str = ""  # for redirects


def page_url(output: str) -> str:
    """The URL a tab shows an output file at: "a/index.html" → "/a/"."""
    if output == "index.html" or output.endswith("/index.html"):
        return "/" + output.removesuffix("index.html")
    return "/" + output


def output_path(url: str) -> str:
    """The output file a page URL shows: "/a/" → "a/index.html" (page_url's inverse)."""
    return url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/")


@dataclass
class LiveSite:
    """The site as last built into `out_dir`, and what changed in which build."""

    site_dir: Path
    out_dir: Path
    options: ServeOptions
    lock: threading.Lock = field(default_factory=threading.Lock)
    session: str = field(default_factory=lambda: secrets.token_hex(4))
    number: int = 0  # successful builds so far; 0: none yet
    started: int = 0  # builds begun
    attempts: int = 0  # builds finished, failed ones too
    diagnostics: tuple[Diagnostic, ...] = ()  # of the last build, if it failed
    changed_at: dict[str, int] = field(default_factory=dict)  # page URL → build it last changed in
    all_at: int = 0  # the last build after which every tab reloads
    finished: threading.Condition = field(default_factory=threading.Condition)
    cache: BuildCache | None = None  # opened by the first build, kept for the next ones
    open: dict[str, int] = field(default_factory=dict)  # page URL → tabs showing it (event streams)
    # Page URLs the running build published first: they are served as of that build.
    first: set[str] = field(default_factory=set)
    awaited: set[str] = field(default_factory=set)  # of those, the ones no tab has reloaded yet

    @property
    def token(self) -> str:
        return f"{self.session}:{self.number}"

    @property
    def _running(self) -> str:
        """The token of the build that is running (the pages it publishes first belong to it)."""
        return f"{self.session}:{self.number + 1}"

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def build(self, log: Callable[[str], None], touched: Iterable[str] | None = None,
              tell: Callable[[Update], None] | None = None) -> tuple[Update, BuildResult | None]:
        """Build once; returns what to tell the tabs, and the result if the build succeeded.
        `touched`: the paths changed since the last build (None: unknown, read every file).
        `tell`: called with an update of the pages open tabs show, published first."""
        result = None
        with self.finished:
            self.started += 1
        try:
            if self.cache is None:
                self.cache = BuildCache.open(self.site_dir / CACHE_DIR)
            options = BuildOptions(out_dir=self.out_dir, today=self.options.today, drafts=self.options.drafts,
                                   base_url="/", publish_lock=self.lock, search=False, cache=self.cache,
                                   touched=frozenset(touched) if touched is not None else None,
                                   first=self._open_outputs() if tell else (),
                                   on_first=(lambda outputs: self._tell_first(outputs, tell)) if tell else None)
            result = build_site(self.site_dir, options)
        except BuildError as exc:  # errors first: they are what the overlay is for
            failure = tuple(sorted(exc.diagnostics, key=lambda d: not d.is_error))
        except Exception as exc:  # noqa: BLE001 - a bug in okrsite must not stop the server: show it
            log(traceback.format_exc().rstrip())
            failure = (_internal_error(exc),)
        with self.lock:
            if result is not None:
                update = self._succeeded(result)
            else:
                self.first.clear()  # the build put them back
                self.diagnostics = failure
                update = Update(self.token, diagnostics=failure)
        with self.finished:
            self.attempts += 1
            self.finished.notify_all()
        return update, result

    def _succeeded(self, result: BuildResult) -> Update:
        self.number += 1
        self.diagnostics = ()
        pages = [page_url(o) for o in result.changed if not o.lower().endswith(SHARED_SUFFIXES)]
        every = self.number == 1 or len(pages) < len(result.changed)  # a style, script or image
        for url in (*pages, *self.first):
            self.changed_at[url] = self.number
        self.first.clear()
        if every:
            self.all_at = self.number
        return Update(self.token, tuple(pages), every)

    def opened(self, page: str, by: int) -> None:
        """A tab showing `page` opened (by=1) or closed (by=-1) its event stream."""
        with self.lock:
            count = self.open.get(page, 0) + by
            if count > 0:
                self.open[page] = count
            else:
                self.open.pop(page, None)
            loaded = by > 0 and page in self.awaited  # a tab reloaded it: its scripts ran
            if loaded:
                self.awaited.discard(page)
        if loaded:
            with self.finished:
                self.finished.notify_all()

    def _open_outputs(self) -> tuple[str, ...]:
        with self.lock:
            return tuple(output_path(url) for url in self.open)

    def _tell_first(self, outputs: tuple[str, ...], tell: Callable[[Update], None]) -> None:
        """Tell the tabs of the pages published before the build that is running ends, and
        give them a moment to reload them (until their new event streams open) before the
        build goes on: it would slow them down.
        Those pages are served as pages of that build (a tab that reloads one is not told
        again that it changed), and count as changed in it."""
        with self.lock:
            pages = tuple(page_url(o) for o in outputs)
            self.first.update(pages)
            self.awaited = {url for url in pages if url in self.open}
            update = Update(self._running, pages)
        if pages:
            tell(update)
        with self.finished:
            self.finished.wait_for(lambda: not self.awaited, FIRST_GRACE)

    def since(self, token: str) -> Update:
        """The update for a tab showing build `token` (another session's: reload)."""
        session, _, number = token.partition(":")
        with self.lock:
            shown = int(number) if number.isdigit() and session == self.session else -1
            if shown > self.number and not self.first:  # a page of a build that then failed
                shown = -1
            pages = tuple(url for url, n in self.changed_at.items() if n > shown)
            every = shown < 0 or self.all_at > shown or len(pages) > MAX_LISTED
            return Update(self.token, () if every else pages, every, self.diagnostics if self.failed else ())

    def wait_for_builds(self, count: int, timeout: float | None) -> bool:
        """Wait until `count` builds have finished (for tests and measurements)."""
        with self.finished:
            return self.finished.wait_for(lambda: self.attempts >= count, timeout)

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no build is running."""
        with self.finished:
            return self.finished.wait_for(lambda: self.attempts == self.started, timeout)

    def read(self, path: str) -> Response:
        """The response for a decoded URL path ("/2026-Q4/"). A path that would leave the
        output folder (`..`, a symlink out) gets the 404 page, like a missing one."""
        parts = path.split("/")
        unsafe = any(p in ("..", ".") or "\\" in p or "\0" in p for p in parts)
        relative = "/".join(p for p in parts if p)
        with self.lock:
            target = self.out_dir / relative
            try:
                folder = not unsafe and target.is_dir()
            except OSError:  # e.g. a name too long
                unsafe, folder = True, False
            if folder and not path.endswith("/"):
                return Response(HTTPStatus.MOVED_PERMANENTLY, "", b"", location=path + "/")
            if folder:
                target, relative = target / "index.html", f"{relative}/index.html".lstrip("/")
            body = None if unsafe else self._file(target)
            if body is None:
                return self._missing()
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind == "text/html":
                url = page_url(relative)
                token = self._running if url in self.first else self.token
                return Response(HTTPStatus.OK, "text/html; charset=utf-8", body, url, token)
            if kind.startswith("text/") or kind.endswith(("javascript", "json", "+xml")):
                kind += "; charset=utf-8"
            return Response(HTTPStatus.OK, kind, body)

    def _file(self, target: Path) -> bytes | None:
        """The bytes of a regular file inside the output folder (symlinks out are refused)."""
        try:
            real = target.resolve(strict=True)
            if not real.is_relative_to(self.out_dir.resolve()) or not real.is_file():
                return None
            return real.read_bytes()
        except (OSError, ValueError):
            return None

    def _missing(self) -> Response:
        """The site's 404 page; a placeholder while no build has succeeded."""
        body = self._file(self.out_dir / "404.html")
        status = HTTPStatus.NOT_FOUND if self.number else HTTPStatus.SERVICE_UNAVAILABLE
        return Response(status, "text/html; charset=utf-8", body or _PLACEHOLDER.encode(), "/404.html",
                        self.token)


_PLACEHOLDER = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>okrsite serve</title></head>
<body><main><h1>No page here yet</h1>
<p>The site has not built yet (see the terminal, or the message on this page).
This page reloads by itself after the next good build.</p></main></body>
</html>
"""


def _internal_error(exc: Exception) -> Diagnostic:
    return Diagnostic("(okrsite)", 1, 1, Severity.ERROR, "internal-error",
                      f"the build crashed: {type(exc).__name__}: {exc}",
                      "this is a bug in okrsite; the traceback is in the terminal")


def inject(body: bytes, build: str, page: str) -> bytes:
    """The page with the live-reload stylesheet and script added at the end of its head."""
    tags = (f'<link rel="stylesheet" href="{PREFIX}livereload.css">'
            f'<script src="{PREFIX}livereload.js" data-build="{html.escape(build)}" '
            f'data-page="{html.escape(page)}" defer></script>').encode()
    found = _HEAD_END.search(body)
    at = found.start() if found else len(body)
    return body[:at] + tags + body[at:]


# Events --------------------------------------------------------------------------------------


class Broadcaster:
    """Fans messages out to every open event stream (one queue per stream)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: set[queue.SimpleQueue[bytes | None]] = set()

    def subscribe(self) -> queue.SimpleQueue[bytes | None]:
        client: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        with self._lock:
            self._clients.add(client)
        return client

    def unsubscribe(self, client: queue.SimpleQueue[bytes | None]) -> None:
        with self._lock:
            self._clients.discard(client)

    def publish(self, message: bytes | None) -> None:
        """Send to every stream; None ends them all."""
        with self._lock:
            for client in self._clients:
                client.put(message)

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)


# HTTP ----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many tabs may connect at once
    live: LiveSite
    events: Broadcaster
    hosts: frozenset[str] | None  # the Host headers accepted; None: any


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "okrsite"
    timeout = 30  # seconds; a client that stops reading is dropped

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        if not self._host_allowed():
            self._send(Response(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                                b"unexpected Host header\n"), send_body)
            return
        path, query = _split_target(self.path)
        if path == EVENTS and send_body:
            fields = parse_qs(query)
            self._stream(fields.get("since", [""])[0], fields.get("page", [""])[0][:MAX_PAGE_URL])
        elif path == EVENTS:
            self._send(Response(HTTPStatus.OK, "text/event-stream; charset=utf-8", b""), send_body)
        elif path in ASSETS:
            body = resources.files("okrsite").joinpath("livereload", path.removeprefix(PREFIX)).read_bytes()
            self._send(Response(HTTPStatus.OK, ASSETS[path], body), send_body)
        else:
            self._send(self.server.live.read(path), send_body)

    def _host_allowed(self) -> bool:
        """Refuse other Host names (DNS rebinding: a web page must not read the site)."""
        host = self.headers.get("Host")
        return self.server.hosts is None or host is None or host.lower() in self.server.hosts

    def _send(self, response: Response, send_body: bool) -> None:
        body = response.body
        if response.page:
            body = inject(body, response.build, response.page)
        try:
            self.send_response(response.status)
            if response.location:
                self.send_header("Location", response.location)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client went away mid-response

    def _stream(self, since: str, page: str) -> None:
        """Server-sent events: the state since the tab's build, then every update. `page`: the
        URL of the page the tab shows (published first by the next builds while it listens)."""
        events = self.server.events
        if events.clients >= MAX_STREAMS:
            self._send(Response(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                                b"too many open tabs\n"), send_body=True)
            return
        client = events.subscribe()  # before reading the state, so no update falls between
        if page.startswith("/"):
            self.server.live.opened(page, 1)
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n" + self.server.live.since(since).event())
            while True:
                try:
                    message = client.get(timeout=HEARTBEAT)
                except queue.Empty:
                    message = b": still here\n\n"
                if message is None:
                    return
                self.wfile.write(message)
        except OSError:
            pass  # the tab closed or reloaded: nothing to clean up but the subscription
        finally:
            events.unsubscribe(client)
            if page.startswith("/"):
                self.server.live.opened(page, -1)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows builds, not requests


def _split_target(target: str) -> tuple[str, str]:
    """The decoded path and the query of a request target (absolute-form too)."""
    if "://" in target.split("?", 1)[0]:
        parts = urlsplit(target)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    path, _, query = target.partition("?")
    path = unquote(path.partition("#")[0], errors="replace")
    return (path if path.startswith("/") else "/" + path), query


def _bind(host: str, port: int, log: Callable[[str], None]) -> _Server:
    """A server on `port`, or on the next free one (saying so)."""
    last = port + (PORT_TRIES - 1 if port else 0)
    kind = _Server6 if ":" in host else _Server
    for candidate in range(port, last + 1):
        try:
            server = kind((host, candidate), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ServeError(f"cannot listen on {host}:{candidate}: {exc.strerror}") from exc
            continue
        if candidate != port:
            log(f"port {port} is in use; using {candidate} instead (choose one with --port)")
        return server
    raise ServeError(f"ports {port} to {last} are in use; choose a free one with --port")


def _accepted_hosts(host: str, port: int) -> frozenset[str] | None:
    if host in ("0.0.0.0", "::", ""):
        return None  # serving to the network: any name may lead here
    names = {f"[{host}]" if ":" in host else host, "localhost", "127.0.0.1", "[::1]"}
    return frozenset(n.lower() + suffix for n in names for suffix in (f":{port}", ""))


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


# Watching ------------------------------------------------------------------------------------


class _Filter(watchfiles.DefaultFilter):
    """watchfiles' filter (editor swap files, .git...) plus vim's write test file."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$")


def watched_roots(site_dir: Path) -> tuple[Path, ...]:
    """What is watched: content/, themes/, static/ and site.toml, those that exist. (The
    built-in theme is not: it changes only with okrsite itself.)"""
    return tuple(site_dir / name for name in WATCHED if (site_dir / name).exists())


def _needs_restart(changes: set[tuple[watchfiles.Change, str]], roots: tuple[Path, ...]) -> bool:
    """A watched file replaced by rename (as editors save) or a root gone: watch afresh."""
    named = {str(root) for root in roots}
    return any(change is watchfiles.Change.deleted and path in named for change, path in changes)


# The server ----------------------------------------------------------------------------------


class DevServer:
    """Build, serve and watch a site; a context manager that starts and stops everything.

        with DevServer(Path("."), ServeOptions(port=0)) as server:
            print(server.url)
    """

    def __init__(self, site_dir: Path, options: ServeOptions = ServeOptions(),
                 log: Callable[[str], None] | None = None):
        self.site_dir = site_dir.resolve()
        self.options = options
        self.log = log or _print
        self._folder = Path(tempfile.mkdtemp(prefix="okrsite-serve-"))
        self.live = LiveSite(self.site_dir, self._folder / "site", options)
        self.events = Broadcaster()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._http: _Server | None = None
        self._serving = False

    @property
    def url(self) -> str:
        assert self._http is not None, "the server is not started"
        return _url(self.options.host, self._http.server_address[1])

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Listen, start watching, and return once the first build is done (the watcher's
        thread makes every build, so changes made during the first one are not missed)."""
        http = self._http = _bind(self.options.host, self.options.port, self.log)
        http.live, http.events = self.live, self.events
        http.hosts = _accepted_hosts(self.options.host, http.server_address[1])
        self._spawn("okrsite-http", lambda: http.serve_forever(poll_interval=0.2))
        self._serving = True
        if self.options.host not in LOOPBACK:
            self.log(f"warning: listening on {self.options.host}: anyone who can reach this machine "
                     "can read the site, private objectives included")
        self.log(f"Serving {self.site_dir} at {self.url} (Ctrl+C to stop)")
        watcher = self._spawn("okrsite-watch", self.watch)
        while not self.live.wait_for_builds(1, 0.5):
            if not watcher.is_alive():
                raise ServeError("watching the site failed (the error is above)")

    def _spawn(self, name: str, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def close(self) -> None:
        """Stop watching and serving, end every event stream, remove the built site."""
        self._stop.set()
        if self._serving:
            assert self._http is not None
            self._http.shutdown()
        if self._http is not None:
            self._http.server_close()
        self.events.publish(None)
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self._folder, ignore_errors=True)

    def _rebuild(self, paths: Iterable[str], first: bool = False) -> None:
        """Build, log one line (or the errors), and tell the open tabs. After the first build,
        only the paths the watcher reported are read again."""
        started = time.perf_counter()
        update, result = self.live.build(self._say, None if first else paths,
                                         lambda early: self.events.publish(early.event()))
        self.events.publish(update.event())
        self._say(_build_line(result, update, time.perf_counter() - started, sorted(paths)))

    def _say(self, line: str) -> None:
        """Log, unless closing (a build cut short by Ctrl+C has nothing to say)."""
        if not self._stop.is_set():
            self.log(line)

    def watch(self) -> None:
        """Build once, then after each burst of changes, until closed. The watcher starts
        afresh when a watched folder appears or goes, or site.toml is replaced, so its
        watches stay valid. When the system refuses more watches (inotify's limit), it polls."""
        pending: set[str] = set()
        first = True
        polling = False
        while not self._stop.is_set():
            roots = watched_roots(self.site_dir)
            try:
                for changes in watchfiles.watch(
                        *(roots or (self.site_dir,)), watch_filter=_Filter(), debounce=self.options.debounce_ms,
                        step=self.options.step_ms, stop_event=self._stop, rust_timeout=ROOT_CHECK_MS,
                        yield_on_timeout=True, recursive=bool(roots), raise_interrupt=False,
                        force_polling=polling or None):
                    pending.update(self._relative(path) for _, path in changes)
                    now = watched_roots(self.site_dir)
                    if now != roots or _needs_restart(changes, roots):
                        pending.update(self._relative(str(root)) for root in set(now) ^ set(roots))
                        break  # pending changes are built once the new watcher runs
                    if (first or pending) and not self._stop.is_set():
                        self._rebuild(pending, first)
                        first = False
                        pending.clear()
            except OSError as exc:
                if polling:
                    raise
                self.log(f"cannot watch {self.site_dir} for changes ({exc}); polling instead")
                polling = True

    def _relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.site_dir).as_posix()
        except ValueError:
            return path


def _build_line(result: BuildResult | None, update: Update, seconds: float, paths: list[str]) -> str:
    """One line per build: what it did and how long each phase took; or the errors."""
    because = ""
    if paths:
        because = f" after {paths[0]}" + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
    if result is None:
        errors = [d for d in update.diagnostics if d.is_error]
        return (f"build failed{because}: {summary_line(update.diagnostics)}; still serving the last "
                f"good build (the browser shows the errors)\n{format_text(errors)}")
    phases = ", ".join(f"{phase} {spent * 1000:.0f}" for phase, spent in result.timings.items())
    return (f"built{because} in {seconds:.2f} s: {result.pages} pages, {result.rendered} rendered, "
            f"{len(result.changed)} changed ({phases} ms)")


def _print(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _interrupt_in(pid: int) -> Callable[[int, object], None]:
    """A SIGTERM handler that stops the server (process `pid`) as cleanly as Ctrl+C does. The
    processes a build forks inherit it: there, SIGTERM (a build stopping them) ends the process
    as it does by default, with no KeyboardInterrupt traceback."""
    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() != pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt
    return interrupt


def serve_site(site_dir: Path, options: ServeOptions) -> None:
    """`okrsite serve`: build, serve and rebuild until Ctrl+C."""
    if not site_dir.is_dir():
        raise ServeError(f"there is no folder {site_dir}")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt_in(os.getpid()))
    try:
        with DevServer(site_dir, options) as server:
            if options.open_browser:
                webbrowser.open(server.url)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        _print("stopped")
