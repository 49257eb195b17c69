"""Hostile and broken input: nothing breaks, nothing leaks, nothing is lost.

Every input of the corpus below (generated here, never committed) goes through `okrsite check`
and `okrsite build`, in process (`build_site`) and through the CLI. Each must end in a clear
diagnostic (code, file, line, message and hint) or a safe site: never a traceback, never a file
written outside the output folder, never live markup from content in a page, feed or export.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from okrsite.build import BuildError, BuildOptions, build_site
from okrsite.check import check_site
from okrsite.cli import main
from okrsite.diagnostics import Diagnostic
from okrsite.render import urls

from .browser.crawl import read_site, resolve
from .conftest import Checked
from .hostile import PWNED, page, payload_site, site_problems, string_leaves, tree

TODAY = dt.date(2026, 11, 20)
Q4 = "content/2026-Q4"
OBJ = f"{Q4}/team/grow.md"
CHK = f"{Q4}/team/checkins/2026-11-10.md"
GROW = "---\ntitle: Grow\nkey_results:\n  - {id: a, title: A, start: 0, target: 10}\n  - {id: m, title: M}\n---\nBody.\n"

Files = Mapping[str, "str | bytes | Callable[[Path], None]"]
CANARY = Path(tempfile.gettempdir()) / "okrsite-hostile-canary"  # what a YAML tag would touch


# Running an input ---------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A site folder and its output folder, two levels below a folder that must not change."""

    top: Path

    @property
    def root(self) -> Path:
        return self.top / "a" / "b" / "site"

    @property
    def out(self) -> Path:
        return self.top / "a" / "b" / "public"

    def write(self, files: Files) -> None:
        for rel, content in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(path)  # a link, a pipe...
            else:
                path.write_bytes(content.encode() if isinstance(content, str) else content)

    def run(self, files: Files) -> Checked:
        """Write `files`, then check and build the site in process and through the CLI; the
        check, whose diagnostics the test looks at."""
        self.root.mkdir(parents=True)
        self.write(files)
        before = tree(self.top)
        checked = Checked(check_site(self.root, today=TODAY))
        built = _build(self.root, self.out)
        assert built == (not checked.errors), checked.text()
        _cli(["check", str(self.root), "--today", "2026-11-20"], {0, 1})
        _cli(["build", str(self.root), "--out", str(self.out), "--today", "2026-11-20", "-q"],
             {0} if built else {1})
        self.assert_nothing_written_outside(before)
        if built:
            assert site_problems(self.out) == []
        return checked

    def assert_nothing_written_outside(self, before: Mapping[str, tuple[int, int]]) -> None:
        allowed = ("a/b/public/", "a/b/site/.okrsite-cache/")
        after = tree(self.top)
        changed = sorted(path for path in set(before) | set(after)
                         if before.get(path) != after.get(path) and not (path + "/").startswith(allowed))
        assert changed == [], f"written outside the output folder: {changed}"


def _build(root: Path, out: Path) -> bool:
    try:
        build_site(root, BuildOptions(out_dir=out, today=TODAY))
    except BuildError as exc:
        assert exc.diagnostics and all(d.message for d in exc.diagnostics)
        return False
    return True


def _cli(args: list[str], codes: set[int]) -> str:
    result = CliRunner().invoke(main, args)
    output = result.output  # standard output and error
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output, output
    assert result.exit_code in codes, f"exit {result.exit_code}:\n{output}"
    return output


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def expect(checked: Checked, code: str, path: str, line: int, message: str = "") -> Diagnostic:
    """The one diagnostic `code` at `path:line`; it says what is wrong and how to fix it."""
    found = checked.expect(code, path, line, message)
    assert found.message and found.hint, found.as_text()
    return found


def assert_hints(checked: Checked) -> None:
    missing = [d.as_text() for d in checked.diagnostics if not d.hint]
    assert missing == [], "diagnostics without a hint:\n" + "\n".join(missing)


# The corpus of broken input -----------------------------------------------------------------


def alias_bomb() -> str:
    lines = ["---", "title: Grow", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines + ["---", ""])


def link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def fifo(path: Path) -> None:
    os.mkfifo(path)


Expected = list[tuple[str, str, int] | tuple[str, str, int, str]]

CORPUS: dict[str, tuple[Files, Expected]] = {
    "alias-bomb": ({OBJ: alias_bomb()}, [("yaml-too-complex", OBJ, 7, "expands to more than")]),
    "deep-flow-nesting": (
        {OBJ: "---\ntitle: Grow\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n"},
        [("yaml-too-complex", OBJ, 3, "nested more than 40")]),
    "deep-block-nesting": (
        {OBJ: "---\ntitle: Grow\n" + "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v\n---\n"},
        [("yaml-too-complex", OBJ, 44, "nested more than 40")]),
    "deep-compact-sequences": (
        {OBJ: "---\ntitle: Grow\nx:\n  " + "- " * 50_000 + "a\n---\n"},
        [("yaml-too-complex", OBJ, 4, "nested more than 40")]),
    "huge-file": ({OBJ: GROW + "x" * (5 << 20)}, [("file-too-large", OBJ, 1)]),
    "binary-data": ({OBJ: b"---\ntitle: x\n---\n\x00\x01\x02\xff"}, [("binary-file", OBJ, 4)]),
    "image-named-md": ({OBJ: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, [("binary-file", OBJ, 3)]),
    "latin-1": ({OBJ: "---\ntitle: Öka försäljningen\n---\n".encode("latin-1")},
                [("encoding", OBJ, 2, "not valid UTF-8")]),
    "utf-16": ({OBJ: GROW.encode("utf-16")}, [("encoding", OBJ, 1, "UTF-16")]),
    "bom-crlf-tabs-are-fine": ({OBJ: "\ufeff" + GROW.replace("\n", "\r\n") + "\tcode\r\n"}, []),
    "crlf-keeps-line-numbers": ({OBJ: "---\r\ntitle: Grow\r\nkind: big\r\n---\r\n"},
                                [("invalid-value", OBJ, 3)]),
    "cr-keeps-line-numbers": ({OBJ: "---\rtitle: Grow\rkind: big\r---\r"}, [("invalid-value", OBJ, 3)]),
    "bom-keeps-line-numbers": ({OBJ: "\ufeff---\ntitle: Grow\nkind: big\n---\n"},
                               [("invalid-value", OBJ, 3)]),
    "tab-indentation": ({OBJ: "---\ntitle: Grow\nkey_results:\n\t- title: A\n---\n"},
                        [("yaml-syntax", OBJ, 4)]),
    "empty-front-matter": ({OBJ: "---\n---\nBody\n"}, [("missing-field", OBJ, 1, "has no `title`")]),
    "empty-check-in-is-fine": ({OBJ: GROW, CHK: "---\n---\n"},
                               [("checkin-updates-nothing", CHK, 1)]),
    "empty-file": ({OBJ: b""}, [("no-front-matter", OBJ, 1)]),
    "front-matter-never-closed": ({OBJ: "---\ntitle: Grow\nkind: committed\n"},
                                  [("unclosed-front-matter", OBJ, 1)]),
    "no-front-matter": ({OBJ: "# Grow\n\nSome text.\n"}, [("no-front-matter", OBJ, 1)]),
    "front-matter-list": ({OBJ: "---\n- a\n- b\n---\n"}, [("yaml-not-mapping", OBJ, 2)]),
    "front-matter-text": ({OBJ: "---\njust words\n---\n"}, [("yaml-not-mapping", OBJ, 2)]),
    "python-tag": ({OBJ: f"---\ntitle: !!python/object/apply:os.system ['touch {CANARY}']\n---\n"},
                   [("yaml-tag", OBJ, 2)]),
    "duplicate-key": ({OBJ: "---\ntitle: A\ntitle: B\n---\n"}, [("duplicate-key", OBJ, 3)]),
    "mapping-as-key": ({OBJ: "---\ntitle: A\n? [a, b]\n: c\n---\n"}, [("yaml-key", OBJ, 3)]),
    "control-characters": (
        {OBJ: '---\ntitle: "Grow \\e[2J"\nkey_results: [{title: A}]\n---\nBody \x1b[31m red \x0c\n'},
        [("control-character", OBJ, 2), ("control-character", OBJ, 5)]),
    "wrong-types-objective": ({OBJ: """---
title: [a, b]
owner: {a: b}
parent: [x]
kind: 5
status: true
visibility: [private]
level: {}
tags: {a: b}
score: lots
retrospective: [x]
changes: yes
key_results: {a: 1}
---
"""}, [("wrong-type", OBJ, 2), ("wrong-type", OBJ, 3), ("wrong-type", OBJ, 4), ("invalid-value", OBJ, 5),
       ("wrong-type", OBJ, 6), ("wrong-type", OBJ, 7), ("wrong-type", OBJ, 8), ("wrong-type", OBJ, 9),
       ("score-range", OBJ, 10), ("wrong-type", OBJ, 11), ("wrong-type", OBJ, 12),
       ("wrong-type", OBJ, 13)]),
    "wrong-types-lists": ({OBJ: """---
title: Grow
parents: {a: b}
changes:
  - 5
  - {change: [x], date: someday}
key_results:
  - 5
  - [a]
---
"""}, [("wrong-type", OBJ, 3), ("wrong-type", OBJ, 5), ("wrong-type", OBJ, 6, "`change`"),
       ("wrong-type", OBJ, 6, "`date`"), ("wrong-type", OBJ, 8), ("wrong-type", OBJ, 9)]),
    "wrong-types-key-result": ({OBJ: """---
title: Grow
key_results:
  - id: [x]
    title: {a: b}
    start: abc
    target: [1]
    unit: {u: 1}
    owner: [o]
    weight: heavy
  - title: M
    done: "yes"
    progress: lots
    current: x
  - title: L
    objective: [x]
  - title: T
    target: ">= lots"
  - title: W
    weight: -1
    start: 5
---
"""}, [("wrong-type", OBJ, 4), ("wrong-type", OBJ, 5), ("not-a-number", OBJ, 6), ("not-a-number", OBJ, 7),
       ("wrong-type", OBJ, 8), ("wrong-type", OBJ, 9), ("not-a-number", OBJ, 10), ("wrong-type", OBJ, 12),
       ("not-a-fraction", OBJ, 13), ("milestone-value", OBJ, 14), ("wrong-type", OBJ, 16),
       ("not-a-number", OBJ, 18), ("weight-range", OBJ, 20), ("start-without-target", OBJ, 21)]),
    "wrong-types-check-in": ({OBJ: GROW, CHK: """---
date: [x]
author: {a: b}
objective: [grow]
confidence: [high]
updates: [a, b]
---
"""}, [("wrong-type", CHK, 2), ("wrong-type", CHK, 3), ("wrong-type", CHK, 4),
       ("confidence-range", CHK, 5), ("wrong-type", CHK, 6)]),
    "wrong-types-updates": ({OBJ: GROW, CHK: """---
objective: grow
updates:
  a:
    value: x
    note: [n]
    confidence: very
    extra: 1
  grow#a: [1, 2]
  grow#m: abc%
  m:
    done: maybe
    progress: lots
---
"""}, [("not-a-number", CHK, 5), ("wrong-type", CHK, 6), ("confidence-range", CHK, 7),
       ("unknown-field", CHK, 8), ("not-a-number", CHK, 9), ("not-a-fraction", CHK, 10),
       ("wrong-type", CHK, 12), ("not-a-fraction", CHK, 13)]),
    "wrong-types-cycle": ({OBJ: GROW, f"{Q4}/_cycle.md": """---
title: [x]
start: soon
end: 5
theme: {a: b}
closed: "yes"
---
"""}, [("wrong-type", f"{Q4}/_cycle.md", n) for n in range(2, 7)]),
    "wrong-types-org": ({OBJ: GROW, "content/org.yaml": "teams: [a]\npeople: 5\n"},
                        [("wrong-type", "content/org.yaml", 1), ("wrong-type", "content/org.yaml", 2)]),
    "wrong-types-org-entries": ({OBJ: GROW, "content/org.yaml": """teams:
  acme: 5
  "bad id": {}
  "../../etc": {}
  team: {name: [x], parent: {}, lead: [l], extra: 1}
people:
  ann: [x]
"""}, [("wrong-type", "content/org.yaml", 2), ("invalid-name", "content/org.yaml", 3),
       ("invalid-name", "content/org.yaml", 4), ("wrong-type", "content/org.yaml", 5, "`name`"),
       ("wrong-type", "content/org.yaml", 5, "`parent`"), ("wrong-type", "content/org.yaml", 5, "`lead`"),
       ("unknown-field", "content/org.yaml", 5), ("wrong-type", "content/org.yaml", 7)]),
    "wrong-types-site-toml": ({OBJ: GROW, "site.toml": """title = 5
base_url = "javascript:alert(1)"
language = "../../etc"
theme = "../../etc"
[cycles]
fiscal_year_start_month = "feb"
[checkins]
stale_after_days = -1
[markdown]
allow_html = "yes"
"""}, [("config-type", "site.toml", 1), ("config-value", "site.toml", 2), ("config-value", "site.toml", 3),
       ("config-value", "site.toml", 4), ("config-type", "site.toml", 6), ("config-range", "site.toml", 8),
       ("config-type", "site.toml", 10)]),
    "site-toml-control-characters": ({OBJ: GROW, "site.toml": 'title = "Acme\\u000b"\ndescription = "x\\u001b[2J"\n'},
                                     [("control-character", "site.toml", 1), ("control-character", "site.toml", 2)]),
    "org-yaml-a-list": ({OBJ: GROW, "content/org.yaml": "- acme\n- team\n"},
                        [("yaml-not-mapping", "content/org.yaml", 1, "org.yaml must be a mapping")]),
    "site-toml-not-toml": ({OBJ: GROW, "site.toml": b"title = \x00\xff\n"}, [("encoding", "site.toml", 1)]),
    "path-traversal-references": ({OBJ: """---
title: Grow
parent: ../../etc/passwd
key_results:
  - {id: "../../etc", title: A}
  - {title: L, objective: "2026-Q4/../../../etc"}
---
""", CHK: "---\nobjective: ../../etc\nupdates:\n  '../../etc/passwd#x': 1\n---\n"},
        [("invalid-reference", OBJ, 3), ("invalid-name", OBJ, 5), ("invalid-reference", OBJ, 6),
         ("invalid-reference", CHK, 2), ("invalid-reference", CHK, 4)]),
    "path-traversal-org": ({OBJ: "---\ntitle: Grow\nowner: ../../etc\nkey_results: [{title: A, owner: ../x}]\n---\n",
                            "content/org.yaml": "teams:\n  team: {name: Team}\n"},
                           [("unknown-owner", OBJ, 3), ("unknown-owner", OBJ, 4)]),
    "names-with-spaces": ({f"{Q4}/my team/grow.md": GROW, f"{Q4}/team/grow revenue.md": GROW,
                           "content/2026 Q3/team/grow.md": GROW, f"{Q4}/team/big bet/index.md": GROW},
                          [("invalid-name", f"{Q4}/my team", 1, "'my team'"),
                           ("invalid-name", f"{Q4}/team/grow revenue.md", 1),
                           ("invalid-name", "content/2026 Q3", 1), ("invalid-name", f"{Q4}/team/big bet", 1)]),
    "emoji-name": ({f"{Q4}/team/🚀.md": GROW}, [("invalid-name", f"{Q4}/team/🚀.md", 1)]),
    "names-differing-in-case": ({f"{Q4}/Team/grow.md": GROW, f"{Q4}/team/grow.md": GROW,
                                 f"{Q4}/team/checkins/Notes.md": "---\nupdates: {grow#a: 1}\n---\n",
                                 f"{Q4}/Team/checkins/2026-11-01.md": "---\nupdates: {grow#a: 1}\n---\n"},
                                [("case-clash", f"{Q4}/team", 1, "only in letter case")]),
    "names-differing-in-unicode-form": ({f"{Q4}/team/{unicodedata.normalize('NFC', 'år')}.md": GROW,
                                         f"{Q4}/team/{unicodedata.normalize('NFD', 'år')}.md": GROW},
                                        [("case-clash", f"{Q4}/team/{unicodedata.normalize('NFC', 'år')}.md", 1),
                                         ("invalid-name", f"{Q4}/team/{unicodedata.normalize('NFD', 'år')}.md", 1,
                                          "decomposed Unicode")]),
    "symlinks-out-of-the-site": ({
        OBJ: GROW,
        "../secret.md": "---\ntitle: SECRET-FILE\n---\n",
        f"{Q4}/team/secret.md": link("../../../../secret.md"),
        f"{Q4}/outside": link("../../.."),
        f"{Q4}/team/big/index.md": GROW,
        f"{Q4}/team/big/passwd.txt": link("/etc/passwd"),
    }, [("symlink-outside", f"{Q4}/team/secret.md", 1), ("symlink-outside", f"{Q4}/outside", 1),
        ("symlink-outside", f"{Q4}/team/big/passwd.txt", 1)]),
    "broken-links-and-pipes": ({
        OBJ: GROW,
        f"{Q4}/team/gone.md": link("nowhere.md"),
        f"{Q4}/team/loop.md": link("loop.md"),
        f"{Q4}/team/pipe.md": fifo,
        "static/pipe": fifo,
        "static/loop": link("loop"),
    }, [("symlink-broken", f"{Q4}/team/gone.md", 1), ("symlink-broken", f"{Q4}/team/loop.md", 1),
        ("not-a-file", f"{Q4}/team/pipe.md", 1)]),
    "unsafe-bundle-attachments": ({
        f"{Q4}/team/big/index.md": GROW,
        f"{Q4}/team/big/index.html": f"<script>{PWNED}</script>",
        f"{Q4}/team/big/notes.HTM": "<p>x</p>",
        f"{Q4}/team/big/app.js": PWNED,
        f"{Q4}/team/big/onload.svg": f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PWNED}"/>',
        f"{Q4}/team/big/script.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><script>{PWNED}</script></svg>',
        f"{Q4}/team/big/link.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
                                   '<a x:href=" javascript:alert(1)"><text>x</text></a></svg>',
        f"{Q4}/team/big/broken.svg": f"<svg><script>{PWNED}</script>",
        f"{Q4}/team/big/fine.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
    }, [("unsafe-asset", f"{Q4}/team/big/{name}", 1) for name in
        ("index.html", "notes.HTM", "app.js", "onload.svg", "script.svg", "link.svg", "broken.svg")]),
    "safe-bundle-attachments": ({  # published: the test below finds them in the site
        f"{Q4}/team/big/index.md": GROW + "![chart](chart.png) ![drawing](drawing.svg)\n",
        f"{Q4}/team/big/chart.png": b"\x89PNG\r\n\x1a\n",
        f"{Q4}/team/big/drawing.svg": '<svg xmlns="http://www.w3.org/2000/svg"><a href="#x"><rect width="1"/></a></svg>',
    }, []),
    "numbers-beyond-floats": ({OBJ: f"""---
title: Grow
key_results:
  - {{title: A, start: 0, target: {10 ** 400}}}
  - {{title: B, start: 0, target: .inf}}
  - {{title: C, start: 0, target: .nan}}
  - {{title: D, target: 1.0e+400}}
---
"""}, [("not-a-number", OBJ, n) for n in (4, 5, 6, 7)]),
    "quarters-outside-the-calendar": ({"content/0000-Q1/team/grow.md": GROW,
                                       "content/9999-Q4/team/grow.md": GROW,
                                       "content/FY0000-Q1/team/grow.md": GROW},
                                      [("impossible-dates", "content/0000-Q1", 1),
                                       ("impossible-dates", "content/9999-Q4", 1),
                                       ("impossible-dates", "content/FY0000-Q1", 1)]),
    "dates-at-the-ends-of-time": ({OBJ: GROW, CHK: "---\ndate: 9999-12-31\nupdates: {grow#a: 1}\n---\n",
                                   f"{Q4}/team/checkins/old.md": "---\ndate: 0001-01-01\n---\n"},
                                  [("checkin-outside-cycle", CHK, 2),
                                   ("checkin-outside-cycle", f"{Q4}/team/checkins/old.md", 2)]),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_broken_input_gets_a_clear_diagnostic(sandbox: Sandbox, name: str) -> None:
    files, expected = CORPUS[name]
    checked = sandbox.run(files)
    for code, path, line, *message in expected:
        expect(checked, code, path, line, *message)
    if not expected:
        checked.assert_clean()
    assert_hints(checked)
    assert not CANARY.exists()  # no YAML tag ever runs
    published = {p.relative_to(sandbox.out).as_posix() for p in sandbox.out.rglob("*") if p.is_file()} \
        if sandbox.out.is_dir() else set()
    for path in published:
        assert b"SECRET-FILE" not in (sandbox.out / path).read_bytes(), path
    if name == "safe-bundle-attachments":
        assert {"2026-Q4/team/big/chart.png", "2026-Q4/team/big/drawing.svg"} <= published


def test_a_huge_site_title_and_body_stay_fast(sandbox: Sandbox) -> None:
    """200 kB titles, 3 MiB of pathological Markdown: built in seconds, not minutes."""
    title = "word " * 40_000
    body = ">" * 100_000 + "\n" + "[" * 100_000 + "\n" + "*a " * 200_000 + "\n" + "- " * 50_000 + "\n"
    checked = sandbox.run({OBJ: page({"title": title, "key_results": [{"title": title}]}, body)})
    checked.assert_clean()


def test_extreme_numbers_and_dates_build(sandbox: Sandbox) -> None:
    """Progress of 1e600 %, a range wider than any float, a cycle ten thousand years long."""
    checked = sandbox.run({
        OBJ: page({"title": "Grow", "key_results": [
            {"id": "d", "title": "D", "start": 0, "target": 1e-300, "current": 1e300},
            {"id": "e", "title": "E", "start": -1e308, "target": 1e308, "current": 0},
            {"id": "w", "title": "W", "start": 0, "target": 10, "weight": 1e-300},
        ]}),
        "content/forever/_cycle.md": "---\nstart: 0001-01-01\nend: 9999-12-31\n---\n",
        "content/forever/team/grow.md": GROW,
        "content/forever/team/checkins/0001-01-02.md": "---\nupdates: {grow#a: 1e300}\n---\n",
    })
    checked.assert_clean()


# Payloads in every text field ---------------------------------------------------------------


@pytest.fixture(scope="module", params=[False, True], ids=["free-text-owners", "org-chart"])
def payloads(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Sandbox, dict[str, bytes]]:
    """The payload site (tests/hostile.py), checked and built once: clean, and nothing live."""
    files = payload_site(org=request.param)
    sandbox = Sandbox(tmp_path_factory.mktemp("payloads"))
    sandbox.run(files).assert_clean()
    return sandbox, files


def test_payloads_in_every_text_field_stay_text(payloads: tuple[Sandbox, dict[str, bytes]]) -> None:
    out = payloads[0].out
    grow = BeautifulSoup((out / "2026-Q4/team/grow/index.html").read_text(encoding="utf-8"), "html.parser")
    heading = grow.select_one("h1").get_text()
    for text in ("<script>" + PWNED + "</script>", "javascript:" + PWNED, "שלום עולם", "{% raw %}"):
        assert text in heading, heading  # shown as text, not dropped
    assert "שלום עולם" in grow.select_one(".prose").get_text()


def test_payloads_are_kept_whole_in_the_exports(payloads: tuple[Sandbox, dict[str, bytes]]) -> None:
    """Nothing is lost: okrs.json holds every text of every content file exactly as written
    (a cycle's own notes, on its page, are not exported); formulas are quoted in okrs.csv."""
    sandbox, files = payloads
    exported = {t.strip() for t in string_leaves(json.loads((sandbox.out / "okrs.json").read_text(encoding="utf-8")))}
    written = set()
    for rel, data in files.items():
        if rel.endswith(".md"):
            _, front, text = data.decode().split("---\n", 2)
            written |= set(string_leaves(yaml.safe_load(front)))
            if not rel.endswith("_cycle.md"):
                written.add(text)
    missing = sorted(t[:80] for t in written if PWNED in t and t.strip() not in exported)
    assert missing == []
    text = (sandbox.out / "okrs.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in text and "'@SUM(1+1)" in text and "'+cmd|" in text


def test_path_traversal_in_owners_and_tags_stays_in_the_output(sandbox: Sandbox) -> None:
    escape = "../" * 12 + "tmp/okrsite-escape"
    checked = sandbox.run({OBJ: page({"title": "Grow", "owner": escape, "tags": [escape, "/etc/passwd", ".."],
                                      "key_results": [{"title": "A", "owner": escape}]})})
    checked.assert_clean()
    assert (sandbox.out / urls.owner(escape) / "index.html").is_file()
    assert urls.owner(escape) == "owners/tmp-okrsite-escape/" and urls.tag("..") == "tags/x/"
    long_a, long_b = urls.slugify("å" * 300 + "a"), urls.slugify("å" * 300 + "b")  # a folder name
    assert long_a != long_b and max(len(long_a.encode()), len(long_b.encode())) < 255  # holds 255 bytes
    assert not Path("/tmp/okrsite-escape").exists()


def test_unicode_names_build_and_every_link_resolves(sandbox: Sandbox) -> None:
    files = {
        f"{Q4}/försäljning/öka-intäkter.md": page({"title": "Öka intäkterna 🚀", "key_results": [
            {"id": "ärr", "title": "ARR", "start": 0, "target": 10}]}),
        f"{Q4}/מכירות/יעד.md": page({"title": "יעד", "parent": "försäljning/öka-intäkter#ärr"}),
        f"{Q4}/försäljning/checkins/2026-11-10 möte.md": page({"updates": {"öka-intäkter#ärr": 4}}),
    }
    checked = sandbox.run(files)
    checked.assert_clean()
    pages = read_site(sandbox.out)
    assert "2026-Q4/försäljning/öka-intäkter/index.html" in pages
    assert "2026-Q4/מכירות/יעד/index.html" in pages
    broken = [f"{path}: {ref}" for path, found in pages.items() for _, ref in found.refs
              if (target := resolve(path, ref)).file is not None and target.file not in pages
              and not (sandbox.out / target.file).exists()]
    assert broken == []


def test_cli_in_a_real_process_reports_and_never_crashes(sandbox: Sandbox) -> None:
    """The worst of the corpus in one site, through `python -m okrsite`: the nesting that once
    overflowed libyaml's C stack would kill the process, not raise."""
    sandbox.root.mkdir(parents=True)
    sandbox.write({
        OBJ: GROW,
        f"{Q4}/team/deep.md": "---\ntitle: x\nx: " + "[" * 200_000 + "]" * 200_000 + "\n---\n",
        f"{Q4}/team/bomb.md": alias_bomb(),
        f"{Q4}/team/binary.md": b"\x00\xff" * 100,
        f"{Q4}/team/gone.md": link("nowhere.md"),
        f"{Q4}/team/pipe.md": fifo,
    })
    before = tree(sandbox.top)
    for command in (["check"], ["build", "--out", str(sandbox.out)]):
        run = subprocess.run([sys.executable, "-m", "okrsite", *command, str(sandbox.root)],
                             capture_output=True, text=True, timeout=60, check=False)
        output = run.stdout + run.stderr
        assert run.returncode == 1, output
        assert "Traceback" not in output
        for code in ("yaml-too-complex", "binary-file", "symlink-broken", "not-a-file"):
            assert f"[{code}]" in output, output
    sandbox.assert_nothing_written_outside(before)
    assert not sandbox.out.exists()
