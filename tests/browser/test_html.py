"""Valid HTML (the Nu HTML checker) that keeps to the site's Content-Security-Policy."""

from __future__ import annotations

import json
import subprocess

import pytest

from .crawl import read_site
from .sites import BuiltSite

pytestmark = pytest.mark.browser


def test_nu_html_checker_finds_no_error(vnu_command: list[str], demo: BuiltSite,
                                        fixture_site: BuiltSite) -> None:
    """Every page of the demo and the fixture site, in one JVM."""
    run = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", "--stdout", "--skip-non-html",
         str(demo.out), str(fixture_site.out)],
        capture_output=True, text=True, timeout=300, check=False,  # the messages say more
    )
    assert run.stdout.strip(), f"vnu printed nothing (exit {run.returncode}): {run.stderr[-2000:]}"
    messages = json.loads(run.stdout)["messages"]
    errors = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors[:40])
    assert run.returncode == 0, run.stderr[-2000:]


def test_no_page_needs_what_its_csp_forbids(demo: BuiltSite, fixture_site: BuiltSite) -> None:
    """No inline style, inline script or event handler attribute: the CSP would block them."""
    for built in (demo, fixture_site):
        found = [f"{path}: {what}" for path, page in read_site(built.out).items()
                 for what in page.inline]
        assert not found, "\n".join(found[:20])
