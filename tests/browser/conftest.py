"""Browser tests: Debian's Chromium through Playwright (pytest-playwright's fixtures), against
sites built once per session and served on 127.0.0.1.

One browser per session; every test gets its own context, which
- aborts (and reports) any request that leaves the machine, and
- fails the test on any JavaScript console error or uncaught exception, on any page it visits.

When Chromium, axe-core, vnu.jar or Java is missing the tests that need it fail with a clear
message if `CI` is set, and are skipped otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Route, WebError

from ..conftest import FixtureSite
from ..test_site import FILES, TODAY
from .server import serve
from .sites import DEMO, BuiltSite, build, page_types

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SUBPATH = "okrs"  # the sub-path site is served under /okrs/
_OFF_MACHINE = re.compile(r"^(https?|wss?)://(?!(127\.0\.0\.1|localhost)[:/])", re.IGNORECASE)


def missing(what: str, fix: str) -> NoReturn:
    """Fail under CI (a missing tool must not pass silently there), skip elsewhere."""
    message = f"{what} is missing: {fix}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# Browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium ($CHROMIUM_PATH, else `chromium` on PATH); Playwright's own
    browser download is not available here."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path or not Path(path).is_file():
        where = f"CHROMIUM_PATH={path} is not a file" if path else "no `chromium` on PATH"
        missing("Chromium", f"{where}; apt-get install chromium, or set CHROMIUM_PATH (.ci/run does both)")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


class Console:
    """Console errors, uncaught exceptions and off-machine requests of one test's pages."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self._allowed: list[tuple[str, str]] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._on_console)
        context.on("weberror", self._on_error)
        context.route(_OFF_MACHINE, self._block)

    def allow(self, text: str, url: str) -> None:
        """Expect one kind of error from one URL (e.g. the 404 status of a missing page)."""
        self._allowed.append((text, url))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "") if message.location else ""
        if any(text in message.text and url == source for text, url in self._allowed):
            return
        page = message.page.url if message.page else "?"
        self.errors.append(f"{page}: console error: {message.text} (from {source})")

    def _on_error(self, error: WebError) -> None:
        page = error.page.url if error.page else "?"
        self.errors.append(f"{page}: uncaught {error.error}")

    def _block(self, route: Route, request: Request) -> None:
        self.blocked.append(request.url)
        route.abort()

    def check(self) -> None:
        assert not self.blocked, "pages asked for addresses off this machine:\n" + "\n".join(self.blocked)
        assert not self.errors, "JavaScript errors:\n" + "\n".join(self.errors)


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def open_context(new_context: Callable[..., BrowserContext], console: Console
                 ) -> Iterator[Callable[..., BrowserContext]]:
    """Make a watched browser context (options as for Browser.new_context); every page opened
    in it must be free of console errors when the test ends."""
    def make(**options: Any) -> BrowserContext:
        context = new_context(**options)
        console.watch(context)
        return context

    yield make
    console.check()


@pytest.fixture
def context(open_context: Callable[..., BrowserContext]) -> BrowserContext:
    return open_context()


# Sites -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The demo company in content/, built on its pinned date and served."""
    out = tmp_path_factory.mktemp("demo") / "public"
    checked = build(DEMO, out)
    with serve(out, out / "404.html") as url:
        yield BuiltSite(checked, DEMO, out, url)


@pytest.fixture(scope="session")
def demo_pages(demo: BuiltSite) -> dict[str, str]:
    """Page type → site-root relative URL of one such page of the demo."""
    return page_types(demo.site, demo.today, demo.out)


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The small site of tests/test_site.py (escaping, drafts, overachievement...), served."""
    root = tmp_path_factory.mktemp("fixture") / "site"
    FixtureSite(root).write(FILES)
    out = root.parent / "public"
    checked = build(root, out, today=TODAY)
    with serve(out, out / "404.html") as url:
        yield BuiltSite(checked, root, out, url)


@pytest.fixture(scope="session")
def subpath_site(fixture_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[BuiltSite]:
    """The fixture site built for base_url /okrs/ and served under /okrs/ (404.html there)."""
    served = tmp_path_factory.mktemp("subpath")
    out = served / SUBPATH
    checked = build(fixture_site.root, out, today=TODAY, base_url=f"/{SUBPATH}/")
    with serve(served, out / "404.html") as url:
        yield BuiltSite(checked, fixture_site.root, out, f"{url}{SUBPATH}/")


# Tools -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, injected into pages with page.evaluate."""
    if not AXE_JS.is_file():
        missing("axe-core", f"run `npm ci` in {NODE_MODULES.parent} (.ci/run does)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vnu_command() -> list[str]:
    """The Nu HTML checker's command line, up to the files to check."""
    java = shutil.which("java")
    if java is None:
        missing("Java", "apt-get install default-jre-headless (.ci/run does)")
    if not VNU_JAR.is_file():
        missing("vnu.jar", f"run `npm ci` in {NODE_MODULES.parent} (.ci/run does)")
    return [java, "-jar", str(VNU_JAR)]
