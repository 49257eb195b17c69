"""Every diagnostic code the code reports is in okrsite/rules.py, and docs/format.md lists them all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from okrsite.diagnostics import Severity
from okrsite.rules import RULES, WARNING_CODES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "okrsite"
REPORTERS = {"error": Severity.ERROR, "warning": Severity.WARNING, "_error": Severity.ERROR}


def reported_codes() -> tuple[dict[str, set[Severity]], list[str]]:
    """Codes passed to .error()/.warning() (or given as `code=`), and f-string code patterns."""
    codes: dict[str, set[Severity]] = {}
    patterns: list[str] = []

    def take(node: ast.AST, severity: Severity | None) -> None:
        for part in ast.walk(node):
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                codes.setdefault(part.value, set()).update({severity} if severity else set())
            elif isinstance(part, ast.JoinedStr):
                patterns.append("".join(
                    re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z]+" for v in part.values))
                return

    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in REPORTERS and len(node.args) >= 2:
                take(node.args[1], REPORTERS[name])
            for keyword in node.keywords:
                if keyword.arg == "code":
                    take(keyword.value, None)
    return codes, patterns


def test_every_reported_code_is_a_rule_of_that_severity():
    codes, patterns = reported_codes()
    assert len(codes) > 40  # the scan finds the reporting calls
    unknown = sorted(code for code in codes if code not in RULES and code)
    assert unknown == [], f"codes reported but missing from okrsite/rules.py: {unknown}"
    for code, severities in codes.items():
        if code:
            assert severities <= {RULES[code].severity}, f"{code} is reported as {severities}"
    for pattern in patterns:
        assert any(re.fullmatch(pattern, code) for code in RULES), pattern


def test_every_rule_is_reported_somewhere():
    codes, patterns = reported_codes()
    unused = [code for code in RULES
              if code not in codes and not any(re.fullmatch(p, code) for p in patterns)]
    assert unused == [], f"rules nothing reports: {unused}"


def test_every_rule_is_documented_in_format_md():
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    missing = [code for code in RULES if f"`{code}`" not in text]
    assert missing == [], f"docs/format.md does not list {missing}"


def test_warning_codes_are_the_warnings():
    assert WARNING_CODES == {code for code, rule in RULES.items() if rule.severity is Severity.WARNING}
    assert {"stale", "ungraded", "unaligned", "no-key-results"} <= WARNING_CODES
    assert all(rule.summary for rule in RULES.values())
