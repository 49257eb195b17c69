#!/usr/bin/env python3
"""Time from saving a check-in to the browser showing it, under `okrsite serve`.

Copies the site to a temporary folder (the original is never edited), starts `okrsite serve`
on it, opens an objective page of the current cycle in Chromium (Playwright), then several
times: rewrites one key result's value in its latest check-in and waits until the page shows
the new value. Prints each trial (from the save to the reloaded page's DOMContentLoaded, and
the rebuild as the server logged it) and the median. The server publishes the open page before
the rest of the site: each trial waits for the rebuild to end before the next save.

Usage:
  python benchmarks/live_reload.py SITE [--trials 5] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

from okrsite.check import check_site
from okrsite.render import urls
from okrsite.render.i18n import Formatter
from okrsite.render.pages import current_cycle

COPIED = ("site.toml", "content", "themes", "static", ".okrsite-cache")


@dataclass(frozen=True)
class Target:
    """A key result whose value is written as a plain number in a check-in file."""

    checkin: Path
    line: int  # 0-based
    page: str  # site-root relative URL of the objective
    selector: str
    value: float


def find_target(site: Path) -> Target:
    checked = check_site(site)
    assert checked.site is not None
    model = checked.site
    cycle = current_cycle(model, checked.today)
    for objective in model.objectives_in(cycle):
        for kr in objective.key_results:
            latest = kr.latest
            if latest is None or latest.checkin is None or latest.value is None:
                continue
            path = site / latest.checkin
            lines = path.read_text(encoding="utf-8").splitlines()
            pattern = re.compile(rf"^\s+(?:[^\s:]+#)?{re.escape(kr.id)}:\s*-?[\d.]+\s*$")
            for number, line in enumerate(lines):
                if pattern.match(line):
                    return Target(path, number, urls.objective(objective.id), f"#kr-{kr.id}", latest.value)
    raise SystemExit(f"no check-in in {cycle} sets a plain number")


def write_value(target: Target, value: float) -> None:
    lines = target.checkin.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[target.line] = re.sub(r"-?[\d.]+(\s*)$", f"{value:g}\\1", lines[target.line])
    target.checkin.write_text("".join(lines), encoding="utf-8")


class Server:
    """`okrsite serve` in a subprocess; collects its log lines."""

    def __init__(self, site: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "okrsite", "serve", str(site), "--port", "0"],
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.url = ""
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip())
            found = re.match(r"Serving .* at (\S+) ", line)
            if found:
                self.url = found.group(1)
            if line.startswith("built in "):
                self.ready.set()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="okrsite-live-") as folder:
        site = Path(folder) / "site"
        site.mkdir()
        for name in COPIED:
            source = args.site / name
            if source.is_dir():
                shutil.copytree(source, site / name)
            elif source.is_file():
                shutil.copy2(source, site / name)
        target = find_target(site)
        fmt = Formatter("en")
        started = time.perf_counter()
        server = Server(site)
        try:
            server.ready.wait()
            print(f"first build: {time.perf_counter() - started:.1f} s ({server.lines[-1]})")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium,
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                page.goto(server.url + target.page)
                page.wait_for_timeout(500)  # the tab's event stream connects
                results = []
                for trial in range(args.trials):
                    value = round(target.value + 0.11 * (trial + 1), 2)
                    shown = fmt.number(value)
                    logged = len(server.lines)
                    saved = time.time()
                    write_value(target, value)
                    page.locator(f"{target.selector}:has-text('{shown}')").wait_for(timeout=600_000)
                    # When the reloaded page had its content (DOMContentLoaded), by the same
                    # clock; Playwright's own polling would add up to a few hundred ms.
                    loaded = page.evaluate(
                        "() => (performance.timeOrigin + performance.getEntriesByType('navigation')[0]"
                        ".domContentLoadedEventEnd) / 1000")
                    seconds = loaded - saved
                    results.append(seconds)
                    # The tab shows its page before the rest of the site is built: wait for the
                    # build to end, so the next trial starts from an idle server.
                    while not any(line.startswith("built") for line in server.lines[logged:]):
                        time.sleep(0.05)
                    build = next(line for line in server.lines[logged:] if line.startswith("built"))
                    print(f"trial {trial + 1}: {seconds:.2f} s save → shown   [{build}]")
                    page.wait_for_timeout(300)
                browser.close()
            print(f"median: {statistics.median(results):.2f} s over {len(results)} trials "
                  f"({target.checkin.relative_to(site)}, /{target.page})")
        finally:
            server.close()


if __name__ == "__main__":
    main()
