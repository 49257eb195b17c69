"""Every diagnostic code okrsite reports, with its severity and a one-line summary.

docs/format.md lists them all (a test keeps the two in step), and `[lint] disable` accepts the
warning codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Rule:
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    # site.toml
    "toml-syntax": Rule(E, "site.toml is not valid TOML"),
    "config-unknown-key": Rule(E, "a key site.toml does not know (the nearest valid key is suggested)"),
    "config-type": Rule(E, "a site.toml value of the wrong type"),
    "config-range": Rule(E, "a site.toml number out of its range, or at_risk above on_track"),
    "config-value": Rule(E, "a site.toml value that is not supported (language, base_url, lint code, current_cycle)"),
    # files and encodings
    "no-content": Rule(E, "the site has no content/ folder"),
    "misplaced-file": Rule(E, "a Markdown file outside an owner folder of a cycle"),
    "invalid-name": Rule(E, "a folder, file or id that cannot be used in a URL (spaces, slashes)"),
    "symlink-outside": Rule(E, "a symbolic link pointing outside the site"),
    "symlink-folder": Rule(W, "a symbolic link to a folder (not followed)"),
    "symlink-broken": Rule(E, "a symbolic link to nothing, or a loop of links"),
    "not-a-file": Rule(E, "a device, pipe or socket among the content files"),
    "case-clash": Rule(E, "two names in one folder that differ only in letter case or Unicode form"),
    "unreadable-file": Rule(E, "a content file that cannot be read (permissions)"),
    "unsafe-asset": Rule(E, "a bundle file a browser would run: HTML, script, or an SVG with script"),
    "not-a-bundle": Rule(W, "a folder in an owner folder without index.md (its files are not read)"),
    "encoding": Rule(E, "a file that is not UTF-8"),
    "binary-file": Rule(E, "a .md file holding binary data"),
    "file-too-large": Rule(E, "a content file above the size limit"),
    "control-character": Rule(W, "an invisible control character in a file or value (left out)"),
    # front matter and YAML
    "no-front-matter": Rule(E, "a file that does not start with a --- front matter block"),
    "unclosed-front-matter": Rule(E, "a front matter block never closed by ---"),
    "yaml-syntax": Rule(E, "YAML that cannot be parsed (reported at the YAML line)"),
    "yaml-not-mapping": Rule(E, "front matter that is a list or a value instead of fields"),
    "yaml-too-complex": Rule(E, "YAML nested too deep or expanding too far through aliases"),
    "yaml-key": Rule(E, "a YAML key that is a list or mapping"),
    "yaml-tag": Rule(E, "a YAML tag (!!python/..., !custom) okrsite does not read"),
    "yaml-value": Rule(E, "a YAML value that cannot be read"),
    "duplicate-key": Rule(E, "the same key twice in one mapping"),
    # fields
    "unknown-field": Rule(E, "a field okrsite does not know (did you mean ...?)"),
    "missing-field": Rule(E, "a required field is missing (title of an objective or key result)"),
    "empty-field": Rule(E, "a required field is empty"),
    "wrong-type": Rule(E, "a field of the wrong type (a list where text belongs, ...)"),
    "invalid-value": Rule(E, "a field outside its allowed values (kind, status, level, ...)"),
    "not-a-number": Rule(E, "a value that must be a number is not"),
    "not-a-fraction": Rule(E, "a progress that is not a percentage or a fraction 0-1"),
    "impossible-date": Rule(E, "a date that does not exist (2026-02-30), in a field or a file name"),
    "score-range": Rule(E, "a score outside 0.0-1.0"),
    "weight-range": Rule(E, "a key result weight not above 0 or above 100"),
    "confidence-range": Rule(E, "a confidence not on a known scale"),
    "parent-and-parents": Rule(E, "both `parent:` and `parents:` in one objective"),
    # key results
    "start-equals-target": Rule(E, "a key result whose start equals its target"),
    "start-without-target": Rule(E, "a key result with a start but no target"),
    "threshold-with-start": Rule(E, "a threshold key result with a start"),
    "linked-with-value": Rule(E, "a linked key result that also has start, target or a value"),
    "milestone-value": Rule(E, "a value given to a milestone key result"),
    "numeric-progress": Rule(E, "done/progress given to a key result measured by its value"),
    # model
    "duplicate-id": Rule(E, "two objectives, key results, teams or people with the same id"),
    "unknown-owner": Rule(E, "an owner that is not in org.yaml (when the site has one)"),
    "unknown-author": Rule(W, "a check-in author who is not in org.yaml"),
    "org-cycle": Rule(E, "a team that is its own ancestor in org.yaml"),
    "invalid-reference": Rule(E, "a reference that is not of the form SLUG, OWNER/SLUG or CYCLE/OWNER/SLUG"),
    "unknown-reference": Rule(E, "a reference to an objective that does not exist"),
    "unknown-key-result": Rule(E, "a reference to a key result its objective does not have"),
    "ambiguous-reference": Rule(E, "a reference that could name more than one objective"),
    "alignment-cycle": Rule(E, "objectives aligned in a loop (an objective its own ancestor)"),
    "progress-cycle": Rule(E, "progress that depends on itself through linked key results"),
    # cycles and check-ins
    "cycle-no-dates": Rule(E, "a cycle with a custom name and no start or end in _cycle.md"),
    "impossible-dates": Rule(E, "a cycle that ends before it starts"),
    "checkin-no-date": Rule(E, "a check-in with no date field and no date in its file name"),
    "checkin-outside-cycle": Rule(E, "a check-in dated outside its cycle"),
    "linked-update": Rule(E, "a check-in updating a linked key result"),
    "checkin-updates-nothing": Rule(W, "a check-in that names no objective and updates nothing"),
    # build
    "url-collision": Rule(E, "two pages that would be written to the same URL"),
    "output-folder": Rule(E, "an output folder that is the site itself or was not made by okrsite"),
    # OKR practice (lint)
    "too-many-objectives": Rule(W, "an owner with more objectives in a cycle than [lint] allows"),
    "too-many-key-results": Rule(W, "an objective with more key results than [lint] allows"),
    "no-key-results": Rule(W, "an objective without key results"),
    "kr-not-measurable": Rule(W, "a key result with no measurable target (a done/not-done milestone)"),
    "unaligned": Rule(W, "an objective below company level aligned to nothing"),
    "stale": Rule(W, "a running objective with no check-in for [checkins] stale_after_days"),
    "ungraded": Rule(W, "an objective of an ended cycle without a `score:`"),
}

WARNING_CODES = frozenset(code for code, rule in RULES.items() if rule.severity is W)
