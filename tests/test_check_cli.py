"""`okrsite check`: every problem in one run, as text, JSON or GitHub annotations; exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from okrsite.cli import main

Q4 = "content/2026-Q4"
GOOD = {
    f"{Q4}/acme/grow.md": """
        ---
        title: Grow revenue
        key_results:
          - {id: arr, title: Reach 10 M ARR, start: 4, target: 10}
          - {id: churn, title: Cut churn, start: 5, target: 2}
        ---
    """,
    f"{Q4}/acme/checkins/2026-11-18.md": "---\nupdates: {grow#arr: 6, grow#churn: 4}\n---\n",
}
BROKEN = {
    **GOOD,
    "site.toml": 'title = "Acme"\ntheme_color = "red"\n',
    f"{Q4}/acme/bad-yaml.md": "---\ntitle: Grow\nretrospective: Q4: done\n---\n",
    f"{Q4}/acme/no-title.md": "---\nkey_results: [{title: A, start: 1, target: 1}]\n---\n",
    f"{Q4}/acme/checkins/2026-11-19.md": "---\nupdates: {grow#ar: 7}\n---\n",
    f"{Q4}/acme/unclosed.md": "---\ntitle: Open\n",
}
LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): (?P<message>.+) \[(?P<code>[a-z0-9-]+)\]$")
TODAY = ["--today", "2026-11-20"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def parsed_lines(output: str) -> list[dict[str, str]]:
    """Each diagnostic line as a dict; every other line must be a hint under one."""
    found: list[dict[str, str]] = []
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            found.append(match.groupdict())
        else:
            assert line.startswith("    hint: ") and found, f"unexpected line {line!r}"
            found[-1]["hint"] = line.removeprefix("    hint: ")
    return found


def test_clean_site_exits_0(site):
    site.write(GOOD)
    result = run("check", str(site.root), *TODAY)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "okrsite check: 1 objective, 1 check-in: 0 errors, 0 warnings" in result.stderr


def test_every_problem_is_reported_in_one_run(site):
    site.write(BROKEN)
    result = run("check", str(site.root), *TODAY)
    assert result.exit_code == 1
    lines = parsed_lines(result.stdout)
    where = {(d["path"], d["line"], d["code"]) for d in lines}
    assert {
        ("site.toml", "2", "config-unknown-key"),
        (f"{Q4}/acme/bad-yaml.md", "3", "yaml-syntax"),
        (f"{Q4}/acme/no-title.md", "2", "missing-field"),
        (f"{Q4}/acme/no-title.md", "2", "start-equals-target"),
        (f"{Q4}/acme/checkins/2026-11-19.md", "2", "unknown-key-result"),
        (f"{Q4}/acme/unclosed.md", "1", "unclosed-front-matter"),
    } <= where
    unknown = next(d for d in lines if d["code"] == "unknown-key-result")
    assert unknown["severity"] == "error" and unknown["column"] == "11"
    assert unknown["message"] == "objective `2026-Q4/acme/grow` has no key result `ar`"
    assert unknown["hint"] == "did you mean `arr`?"
    assert [(d["path"], int(d["line"])) for d in lines] == sorted((d["path"], int(d["line"])) for d in lines)
    assert re.search(r"okrsite check: \d+ objectives, \d+ check-ins: 6 errors, \d+ warnings", result.stderr)


def test_warnings_pass_unless_strict(site):
    site.write({**GOOD, f"{Q4}/acme/idea.md": "---\ntitle: An idea\n---\n"})
    result = run("check", str(site.root), *TODAY)
    assert result.exit_code == 0
    assert parsed_lines(result.stdout)[0]["severity"] == "warning"
    assert run("check", str(site.root), "--strict", *TODAY).exit_code == 1


def test_today_changes_what_is_stale(site):
    site.write(GOOD)
    assert "[stale]" not in run("check", str(site.root), *TODAY).stdout
    late = run("check", str(site.root), "--today", "2026-12-20")
    assert f"{Q4}/acme/grow.md:2:1: warning: no check-in since 2026-11-18 (32 days" in late.stdout


def test_drafts_are_checked_with_drafts(site):
    site.write({**GOOD, f"{Q4}/acme/idea.md": "---\ntitle: Idea\nstatus: draft\n---\n"})
    assert run("check", str(site.root), *TODAY).stdout == ""
    assert "[no-key-results]" in run("check", str(site.root), "--drafts", *TODAY).stdout


def test_json_format(site):
    site.write(BROKEN)
    result = run("check", str(site.root), "--format", "json", *TODAY)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 6 and data["warnings"] == len(data["diagnostics"]) - 6
    first = data["diagnostics"][0]
    assert set(first) == {"path", "line", "column", "severity", "code", "message", "hint"}
    yaml_error = next(d for d in data["diagnostics"] if d["code"] == "yaml-syntax")
    assert yaml_error == {
        "path": f"{Q4}/acme/bad-yaml.md", "line": 3, "column": 18, "severity": "error",
        "code": "yaml-syntax", "message": "YAML syntax error: mapping values are not allowed in this context",
        "hint": 'a value containing `: ` must be quoted, e.g. title: "Q4: ship it"',
    }
    clean = site.root.parent / "clean"
    clean.mkdir()
    (clean / "content").mkdir()
    assert json.loads(run("check", str(clean), "--format", "json").stdout) == {
        "errors": 0, "warnings": 0, "diagnostics": []}


def test_github_format_with_paths_from_the_working_folder(site, monkeypatch):
    site.write(BROKEN)
    monkeypatch.chdir(site.root.parent)
    result = run("check", "site", "--format", "github", *TODAY)
    assert result.exit_code == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert (
        f"::error file=site/{Q4}/acme/checkins/2026-11-19.md,line=2,col=11,"
        "title=okrsite unknown-key-result::objective `2026-Q4/acme/grow` has no key result `ar`"
        " (hint: did you mean `arr`?)"
    ) in lines
    monkeypatch.chdir(site.root)
    here = run("check", "--format", "github", *TODAY).stdout
    assert f"::error file={Q4}/acme/unclosed.md,line=1,col=1," in here


def test_github_annotations_escape_their_properties(site):
    site.write({**GOOD, "content/2026-Q4/acme/a,b.md": "---\ntitle: x\n---\n"})
    output = run("check", str(site.root), "--format", "github", *TODAY).stdout
    assert "acme/a%2Cb.md,line=1" in output


def test_missing_site_folder_reports_no_content(tmp_path):
    result = run("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stdout.startswith("content:1:1: error: the site has no content/ folder [no-content]")


def test_usage_errors_exit_2(site):
    assert run("check", str(site.root), "--format", "xml").exit_code == 2
    assert run("check", str(site.root), "--today", "20 Nov").exit_code == 2


@pytest.mark.parametrize("strict, code", [(False, 1), (True, 1)])
def test_real_process(site, strict, code):
    site.write(BROKEN)
    args = [sys.executable, "-m", "okrsite", "check", str(site.root), *TODAY] + (["--strict"] if strict else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == code, done.stderr
    lines = parsed_lines(done.stdout)
    assert any(d["code"] == "yaml-syntax" and d["line"] == "3" for d in lines)
    assert "6 errors" in done.stderr


def test_real_process_clean_site_exits_0(site):
    site.write(GOOD)
    done = subprocess.run([sys.executable, "-m", "okrsite", "check", str(site.root), *TODAY],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "")


def test_real_process_build_exits_with_its_code_and_all_its_output(site, tmp_path):
    """The `okrsite` command ends its process without tearing the heap down (cli.run): what
    it printed still arrives whole, and its exit code is the command's."""
    site.write(GOOD)
    out = tmp_path / "public"
    command = [sys.executable, "-m", "okrsite", "build", str(site.root), "--out", str(out), *TODAY]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().endswith(f"-> {out}") and (out / "index.html").is_file()
    usage = subprocess.run([*command, "--jobs", "0"], capture_output=True, text=True, timeout=60, check=False)
    assert usage.returncode == 2 and "Usage:" in usage.stderr
