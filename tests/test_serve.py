"""`okrsite serve` over HTTP: pages with the live-reload script, the 404 page, paths that
try to leave the output folder, the event stream, clients that vanish, many clients, a storm
of changes, and Ctrl+C. Every server runs on 127.0.0.1 on a free port and is always closed."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from okrsite.build import BuildOptions, BuildResult, build_site
from okrsite.cli import main
from okrsite.serve import FIRST_GRACE, DevServer, ServeOptions

from .conftest import FixtureSite
from .test_site import FILES, TODAY

CHECKIN = "content/2026-Q4/platform/reliability/2026-11-13.md"
RELIABILITY = "/2026-Q4/platform/reliability/"
BROKEN = "---\nupdates: [unclosed\n---\n"
WAIT = 10.0  # seconds; an upper bound for a rebuild, never reached when things work


@dataclass
class Served:
    """A running dev server, its site folder and what it logged."""

    server: DevServer
    site: FixtureSite
    log: list[str]

    @property
    def port(self) -> int:
        return int(self.server.url.rsplit(":", 1)[1].strip("/"))

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET a raw request target (sent as is, never normalised)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            connection.putrequest("GET", path, skip_host=bool(headers and "Host" in headers))
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def change(self, apply: Callable[[], object]) -> None:
        """Make a change and wait until a build begun after it has finished."""
        before = self.server.live.started
        apply()
        assert self.server.live.wait_for_builds(before + 1, WAIT), "no rebuild after the change"

    def write(self, files: dict[str, str]) -> None:
        self.change(lambda: self.site.write(files))

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.site.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        self.change(lambda: path.write_text(text.replace(old, new), encoding="utf-8"))

    def stream(self, since: str | None = None, page: str = "") -> Stream:
        return Stream(self.port, self.server.live.token if since is None else since, page)


class Stream:
    """One open event stream (what a tab's EventSource holds)."""

    def __init__(self, port: int, since: str, page: str = ""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        query = f"since={since}" + (f"&page={page}" if page else "")
        self.sock.sendall(f"GET /_okrsite/events?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status = self.file.readline()
        assert b" 200 " in status, status
        while self.file.readline().strip():
            pass  # headers

    def next(self) -> dict[str, Any]:
        """The next `update` event's data."""
        event, data = "", ""
        while True:
            line = self.file.readline().decode()
            assert line, "the stream ended"
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data += line.split(":", 1)[1].strip()
            elif line.strip() == "" and event == "update":
                return json.loads(data)

    def close(self, abruptly: bool = False) -> None:
        if abruptly:  # a reset, as when a browser tab is killed
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.file.close()
        self.sock.close()


@contextmanager
def running(root: Path, port: int = 0) -> Iterator[tuple[DevServer, list[str]]]:
    """A dev server for the site at `root` on 127.0.0.1 (port 0: a free one); closed afterwards."""
    log: list[str] = []
    with DevServer(root, ServeOptions(port=port, today=TODAY), log=log.append) as server:
        yield server, log


@pytest.fixture
def served(site: FixtureSite) -> Iterator[Served]:
    """A server of its own, for a test that changes the site."""
    site.write(FILES)
    with running(site.root) as (server, log):
        yield Served(server, site, log)


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the tests that only read, with a secret beside its output folder and
    symlinks that lead out of it."""
    site = FixtureSite(tmp_path_factory.mktemp("unchanged")).write(FILES)
    with running(site.root) as (server, log):
        out = server.live.out_dir
        (out.parent / "secret.txt").write_text("TOP SECRET")
        (out / "escape.txt").symlink_to(out.parent / "secret.txt")
        (out / "escape").symlink_to(out.parent, target_is_directory=True)
        yield Served(server, site, log)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


# Pages -----------------------------------------------------------------------------------


def test_pages_get_the_live_reload_script_the_built_files_do_not(unchanged: Served) -> None:
    status, headers, body = unchanged.get(RELIABILITY)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    head = body.decode().split("</head>")[0]
    assert re.search(r'<script src="/_okrsite/livereload\.js" data-build="\w+:1" '
                     rf'data-page="{RELIABILITY}" defer></script>', head)
    assert '<link rel="stylesheet" href="/_okrsite/livereload.css">' in head
    built = (unchanged.server.live.out_dir / RELIABILITY.strip("/") / "index.html").read_text()
    assert "_okrsite" not in built
    for asset, kind in (("livereload.js", "text/javascript"), ("livereload.css", "text/css")):
        status, headers, body = unchanged.get("/_okrsite/" + asset)
        assert status == 200 and headers["content-type"].startswith(kind) and body


def test_site_is_served_at_the_root_with_its_assets(unchanged: Served) -> None:
    status, _, body = unchanged.get("/")
    assert status == 200 and b"Acme OKRs" in body
    status, headers, _ = unchanged.get("/assets/css/site.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    status, headers, _ = unchanged.get("/2026-Q4")
    assert status == 301 and headers["location"] == "/2026-Q4/"


def test_missing_path_gets_the_404_page_with_status_404(unchanged: Served) -> None:
    status, _, body = unchanged.get("/no/such/page/")
    assert status == 404
    assert b'data-page="/404.html"' in body
    assert body.replace(b'<link rel="stylesheet" href="/_okrsite/livereload.css">', b"").startswith(
        (unchanged.server.live.out_dir / "404.html").read_bytes()[:200])


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/..\\secret.txt", "/%2e%2e%5csecret.txt",
    "//secret.txt/..", "/./../secret.txt", "/%00", "http://127.0.0.1/../secret.txt", "/escape.txt",
    "/escape/secret.txt", "/" + "a" * 5000, "/%ff%fe/", "/%2e%2e",
])
def test_refuses_paths_outside_the_output_folder(unchanged: Served, target: str) -> None:
    status, _, body = unchanged.get(target)
    assert status == 404, (target, status)
    assert b"TOP SECRET" not in body


def test_absolute_paths_stay_inside_the_output_folder(unchanged: Served) -> None:
    for target in ("/etc/passwd", "//etc/passwd", "/" + str(unchanged.site.root / "site.toml")):
        status, _, body = unchanged.get(target)
        assert status == 404 and b"root:" not in body and b"Acme OKRs\"" not in body


def test_refuses_other_host_names(unchanged: Served) -> None:
    """A web page that rebinds its own name to 127.0.0.1 must not read the site."""
    status, _, _ = unchanged.get("/", {"Host": "attacker.example"})
    assert status == 400
    assert unchanged.get("/", {"Host": f"localhost:{unchanged.port}"})[0] == 200


def test_binds_127_0_0_1_by_default(unchanged: Served) -> None:
    assert ServeOptions().host == "127.0.0.1"
    assert unchanged.server.url == f"http://127.0.0.1:{unchanged.port}/"
    assert unchanged.log[0] == f"Serving {unchanged.site.root.resolve()} at {unchanged.server.url} (Ctrl+C to stop)"
    option = next(p for p in main.commands["serve"].params if p.name == "host")
    assert option.default == "127.0.0.1"


def test_port_in_use_moves_to_the_next_free_one(site: FixtureSite) -> None:
    site.write(FILES)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with running(site.root, port=port) as (server, log):
            assert not server.url.endswith(f":{port}/")
            assert f"port {port} is in use" in log[0] and "--port" in log[0]


# Rebuilds and events ---------------------------------------------------------------------


def test_stream_tells_which_pages_changed(served: Served) -> None:
    stream = served.stream()
    try:
        first = stream.next()
        assert first == {"build": served.server.live.token, "pages": [], "all": False, "errors": 0,
                         "warnings": 0, "diagnostics": []}
        served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.87")
        update = stream.next()
        assert RELIABILITY in update["pages"] and update["all"] is False
        assert "/2026-Q3/" not in update["pages"]  # an ended cycle the check-in does not touch
        assert b"99.87" in served.get(RELIABILITY)[2]
    finally:
        stream.close()


def test_the_page_a_tab_shows_is_published_first(served: Served) -> None:
    """After a save the page an open tab shows is rendered and published before the rest of
    the site: its tab hears of it first, and not again when the build ends (same bytes)."""
    stream = served.stream(page=RELIABILITY)
    other = served.stream()  # a tab that does not say which page it shows
    try:
        stream.next(), other.next()
        started = time.monotonic()
        served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.86")
        early, built = stream.next(), stream.next()
        assert early["pages"] == [RELIABILITY] and not early["all"]
        assert RELIABILITY not in built["pages"] and "/2026-Q4/" in built["pages"]
        assert other.next() == early
        # The build waited for the tab to load its page, which it never did (no reload here).
        assert time.monotonic() - started >= FIRST_GRACE
        assert b"99.86" in served.get(RELIABILITY)[2]
    finally:
        stream.close()
        other.close()
    caught_up = served.stream(since=early["build"])  # the tab that reloaded then: nothing new
    try:
        assert caught_up.next()["pages"] == []
    finally:
        caught_up.close()


def test_the_open_page_of_a_deleted_objective_does_not_stop_the_build(served: Served) -> None:
    """Its page cannot be made first (the objective is gone): the build goes on without it."""
    learn = "/2026-Q4/alice/learn/"
    stream = served.stream(page=learn)
    try:
        stream.next()
        served.change(lambda: (served.site.root / "content/2026-Q4/alice/learn.md").unlink())
        update = stream.next()
        assert learn in update["pages"] and update["diagnostics"] == [], update
        assert served.get(learn)[0] == 404
        assert served.log[-1].startswith("built"), served.log[-1]
    finally:
        stream.close()


def test_pages_published_first_are_put_back_when_the_build_fails(
        site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import okrsite.build
    from okrsite.cache import BuildCache

    site.write(FILES)
    page = RELIABILITY.strip("/") + "/index.html"
    options = BuildOptions(out_dir=tmp_path / "out", today=TODAY, cache=BuildCache.open(tmp_path / "cache"))
    build_site(site.root, options)
    before = (tmp_path / "out" / page).read_bytes()
    (site.root / CHECKIN).write_text((site.root / CHECKIN).read_text().replace("uptime: 99.81", "uptime: 99.5"))
    published: list[tuple[str, ...]] = []

    def fail(*args: object) -> None:
        assert b"99.5" in (tmp_path / "out" / page).read_bytes()  # published first
        raise RuntimeError("render crashed")

    monkeypatch.setattr(okrsite.build, "_render_pages", fail)
    with pytest.raises(RuntimeError):
        build_site(site.root, replace(options, touched={CHECKIN}, first=(page,), on_first=published.append))
    assert published == [(page,)]
    assert (tmp_path / "out" / page).read_bytes() == before


def test_failed_build_sends_diagnostics_and_keeps_the_last_good_site(served: Served) -> None:
    _, _, good = served.get(RELIABILITY)
    stream = served.stream()
    try:
        stream.next()
        served.change(lambda: (served.site.root / CHECKIN).write_text(BROKEN))
        update = stream.next()
        first = update["diagnostics"][0]
        assert update["errors"] == 1 and first["severity"] == "error"
        assert first["path"] == CHECKIN and first["line"] == 2 and first["hint"]
        assert update["pages"] == [] and update["all"] is False
        assert served.get(RELIABILITY)[2] == good  # the last good page, still served
        late = served.stream()  # a tab opened while the build is broken
        assert late.next()["diagnostics"] == update["diagnostics"]
        late.close()
        served.write({CHECKIN: FILES[CHECKIN].replace("99.81", "99.86")})
        fixed = stream.next()
        assert fixed["diagnostics"] == [] and RELIABILITY in fixed["pages"]
    finally:
        stream.close()
    assert any(line.startswith(f"build failed after {CHECKIN}: 1 error") for line in served.log)
    assert any(f"{CHECKIN}:2:" in line for line in served.log)


def test_a_change_during_the_first_build_is_built_next(site: FixtureSite,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    site.write(FILES)
    calls: list[int] = []

    def edit_then_build(site_dir: Path, options: BuildOptions) -> BuildResult:
        if not calls:  # an edit saved while the first build runs
            path = site.root / CHECKIN
            path.write_text(path.read_text().replace("uptime: 99.81", "uptime: 99.82"))
        calls.append(1)
        return build_site(site_dir, options)

    monkeypatch.setattr("okrsite.serve.build_site", edit_then_build)
    with running(site.root) as (server, log):
        assert server.live.wait_for_builds(2, WAIT)
        assert b"99.82" in Served(server, site, log).get(RELIABILITY)[2]


def test_a_site_broken_from_the_start_is_served_once_fixed(site: FixtureSite) -> None:
    site.write({**FILES, CHECKIN: BROKEN})
    with running(site.root) as (server, log):
        served = Served(server, site, log)
        status, _, body = served.get(RELIABILITY)
        assert status == 503 and b"/_okrsite/livereload.js" in body  # the overlay can show
        stream = served.stream()
        try:
            assert stream.next()["errors"] == 1
            served.write({CHECKIN: FILES[CHECKIN]})
            assert stream.next()["all"] is True  # the waiting tabs load their pages
        finally:
            stream.close()
        assert served.get(RELIABILITY)[0] == 200


def test_many_problems_are_counted_and_the_first_fifty_sent(served: Served) -> None:
    stream = served.stream()
    try:
        stream.next()
        served.write({f"content/2026-Q4/bob/broken-{n:02d}.md": "---\ntitle: [x\n---\n" for n in range(60)})
        update = stream.next()
        assert update["errors"] == 60 and len(update["diagnostics"]) == 50
        assert {d["severity"] for d in update["diagnostics"]} == {"error"}
    finally:
        stream.close()


def test_a_tab_catches_up_on_what_changed_since_its_build(served: Served) -> None:
    shown = served.server.live.token
    served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.88")
    stream = served.stream(since=shown)
    try:
        update = stream.next()
        assert RELIABILITY in update["pages"] and not update["all"]
    finally:
        stream.close()
    other_session = served.stream(since="0123abcd:1")  # a tab left open across a restart
    try:
        assert other_session.next()["all"] is True
    finally:
        other_session.close()


def test_rebuild_logs_one_line_with_phase_timings(served: Served) -> None:
    served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.83")
    line = served.log[-1]
    assert re.match(rf"built after {CHECKIN} in [\d.]+ s: \d+ pages, \d+ rendered, \d+ changed "
                    r"\(cache \d+, load \d+, score \d+, .*render \d+, write \d+ ms\)$", line), line


def test_a_theme_or_static_asset_reloads_every_tab(served: Served) -> None:
    """static/ does not exist at first: the watcher must notice it appear."""
    stream = served.stream()
    try:
        stream.next()
        served.write({"static/print.css": "body { color: black }\n"})
        assert stream.next()["all"] is True
        served.write({"static/robots.txt": "User-agent: *\n"})  # a file no page loads
        update = stream.next()
        assert update["pages"] == ["/robots.txt"] and update["all"] is False
    finally:
        stream.close()
    assert served.get("/robots.txt")[2] == b"User-agent: *\n"


def test_site_toml_replaced_by_rename_is_still_watched(served: Served) -> None:
    """Editors save by writing a new file and renaming it over the old one."""
    def replace(title: str) -> None:
        temporary = served.site.root / ".site.toml.tmp"
        temporary.write_text(f'title = "{title}"\n')
        os.replace(temporary, served.site.root / "site.toml")

    for title in ("First title", "Second title"):
        served.change(lambda: replace(title))  # noqa: B023 - called at once
        assert title.encode() in served.get("/")[2]


def test_a_storm_of_100_files_makes_one_or_two_rebuilds(served: Served) -> None:
    assert served.server.live.wait_until_idle(WAIT)
    before = served.server.live.attempts
    for n in range(100):
        (served.site.root / f"content/2026-Q4/bob/storm-{n:03d}.md").write_text(
            f"---\ntitle: Storm {n}\nkey_results:\n  - {{id: a, title: A, start: 0, target: 1}}\n---\n")
    assert served.server.live.wait_for_builds(before + 1, WAIT)
    wait_until(lambda: served.get("/2026-Q4/bob/storm-099/")[0] == 200, "the last file's page")
    time.sleep(0.5)  # ten debounce steps: a straggling rebuild would have begun
    assert served.server.live.wait_until_idle(WAIT)
    assert 1 <= served.server.live.attempts - before <= 2
    assert all(served.get(f"/2026-Q4/bob/storm-{n:03d}/")[0] == 200 for n in (0, 50, 99))


# Clients ---------------------------------------------------------------------------------


def test_survives_clients_that_disconnect_mid_stream(served: Served) -> None:
    streams = [served.stream() for _ in range(10)]
    for stream in streams:
        stream.next()
    for stream in streams:
        stream.close(abruptly=True)
    half = socket.create_connection(("127.0.0.1", served.port))  # gone before the answer
    half.sendall(f"GET {RELIABILITY} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    half.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    half.close()
    mute = socket.create_connection(("127.0.0.1", served.port))  # never sends a request
    try:
        served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.84")
        wait_until(lambda: served.server.events.clients == 0, "the dropped streams to be noticed")
        assert served.get(RELIABILITY)[0] == 200
        stream = served.stream()
        assert stream.next()["build"] == served.server.live.token
        stream.close()
    finally:
        mute.close()


def test_fifty_open_tabs_all_hear_of_a_change(served: Served) -> None:
    streams = [served.stream() for _ in range(50)]
    try:
        for stream in streams:
            stream.next()
        assert served.server.events.clients == 50
        served.edit(CHECKIN, "uptime: 99.81", "uptime: 99.85")
        for stream in streams:
            assert RELIABILITY in stream.next()["pages"]
        assert served.get("/")[0] == 200
    finally:
        for stream in streams:
            stream.close()


def test_event_streams_are_capped(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("okrsite.serve.MAX_STREAMS", 3)
    streams = [served.stream() for _ in range(3)]
    try:
        for stream in streams:
            stream.next()
        assert served.get(f"/_okrsite/events?since={served.server.live.token}")[0] == 503
        assert served.get("/")[0] == 200
    finally:
        for stream in streams:
            stream.close()


# The command -----------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_stopped(site: FixtureSite, stop: signal.Signals, tmp_path: Path) -> None:
    site.write(FILES)
    command = [sys.executable, "-m", "okrsite", "serve", str(site.root), "--port", "0",
               "--today", "2026-11-20"]
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)})
    try:
        assert process.stderr is not None
        serving = process.stderr.readline()
        found = re.match(r"Serving (.+) at (http://127\.0\.0\.1:(\d+)/) \(Ctrl\+C to stop\)$", serving)
        assert found, serving
        assert process.stderr.readline().startswith("built in ")
        connection = http.client.HTTPConnection("127.0.0.1", int(found.group(3)), timeout=WAIT)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
        assert list(temporary.iterdir())  # the site is built there
        process.send_signal(stop)
        assert process.wait(timeout=WAIT) == 0
        assert process.stderr.read().splitlines()[-1] == "stopped"
        assert not list(temporary.iterdir())  # and removed
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_cli_help_shows_examples() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "okrsite serve --port 8001" in result.output and "--open" in result.output


def test_cli_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "there is no folder" in result.output
