"""Resolve references to objectives and key results, relative to the file that makes them.

    reliability                  objective of the same owner, same cycle
    platform/reliability         objective of owner `platform`, same cycle
    2026-Q3/reliability          objective of the same owner in cycle 2026-Q3
    2026-Q3/platform/reliability absolute
    ...#uptime                   one key result of that objective
    uptime                       (with an objective in context) a key result of that objective

`Resolver` is pure: it answers from an index of ids and never touches files.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ..diagnostics import did_you_mean


def _relative(objective_id: str, cycle: str, owner: str) -> str:
    """The shortest reference to `objective_id` from a file of `owner` in `cycle`."""
    if objective_id.startswith(f"{cycle}/{owner}/"):
        return objective_id[len(cycle) + len(owner) + 2 :]
    if objective_id.startswith(f"{cycle}/"):
        return objective_id[len(cycle) + 1 :]
    return objective_id


@dataclass(frozen=True)
class Resolved:
    objective: str | None
    kr: str | None = None
    problem: str = ""  # message when unresolved
    hint: str = ""
    code: str = ""

    @property
    def ok(self) -> bool:
        return self.objective is not None


_BAD_PARTS = frozenset(("", ".", ".."))


@dataclass(frozen=True)
class Resolver:
    objectives: Mapping[str, Collection[str]]  # global objective id → its KR ids
    cycles: Collection[str]
    # Answers already given: weekly check-ins name the same key results again and again.
    _memo: dict[tuple[str | None, ...], Resolved] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def objective(self, text: str, cycle: str, owner: str) -> Resolved:
        """Resolve an objective reference (no `#`)."""
        key = ("o", text, cycle, owner)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._objective(text, cycle, owner)
        return found

    def key_result(self, text: str, cycle: str, owner: str, context: str | None) -> Resolved:
        """Resolve `OBJECTIVE#KR`, or a bare KR id of the `context` objective."""
        key = ("k", text, cycle, owner, context)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._key_result(text, cycle, owner, context)
        return found

    def _objective(self, text: str, cycle: str, owner: str) -> Resolved:
        parts = text.strip().strip("/").split("/")
        if not text.strip() or not _BAD_PARTS.isdisjoint(parts):
            return Resolved(
                None, problem=f"reference {text!r} is not a valid objective reference",
                hint="write SLUG, OWNER/SLUG or CYCLE/OWNER/SLUG (no '..', no empty parts)",
                code="invalid-reference",
            )
        candidates = self._interpretations(parts, cycle, owner)
        found = [c for c in candidates if c in self.objectives]
        if len(found) == 1:
            return Resolved(found[0])
        if len(found) > 1:
            listed = " or ".join(f"`{f}`" for f in found)
            return Resolved(
                None, problem=f"reference `{text}` is ambiguous: it could mean {listed}",
                hint="write the full CYCLE/OWNER/SLUG", code="ambiguous-reference",
            )
        return Resolved(
            None, problem=f"`{text}` does not name an objective",
            hint=self._hint(parts, cycle, owner, candidates), code="unknown-reference",
        )

    def _key_result(self, text: str, cycle: str, owner: str, context: str | None) -> Resolved:
        text = text.strip()
        if "#" in text:
            objective_text, kr = text.split("#", 1)
            target = self.objective(objective_text, cycle, owner) if objective_text else (
                Resolved(context) if context else Resolved(None, problem="`#KR` needs an objective",
                                                          hint="write OBJECTIVE#KR", code="unknown-reference")
            )
        elif context is not None:
            target, kr = Resolved(context), text
        else:
            return Resolved(
                None, problem=f"`{text}` does not say which objective's key result it updates",
                hint=f"write OBJECTIVE#KR, e.g. `reliability#{text}`, or set `objective:` in the check-in",
                code="unknown-reference",
            )
        if not target.ok or target.objective is None:
            return target
        kr_ids = self.objectives[target.objective]
        if kr not in kr_ids:
            close = did_you_mean(kr, kr_ids)
            listed = ", ".join(f"`{k}`" for k in kr_ids) or "none"
            return Resolved(
                None, problem=f"objective `{target.objective}` has no key result `{kr}`",
                hint=f"did you mean `{close}`?" if close else f"its key results: {listed}",
                code="unknown-key-result",
            )
        return Resolved(target.objective, kr)

    def _interpretations(self, parts: list[str], cycle: str, owner: str) -> list[str]:
        if len(parts) == 1:
            return [f"{cycle}/{owner}/{parts[0]}"]
        if len(parts) == 2:
            found = [f"{cycle}/{parts[0]}/{parts[1]}"]
            if parts[0] in self.cycles:
                found.append(f"{parts[0]}/{owner}/{parts[1]}")
            return found
        return ["/".join(parts)]

    def _hint(self, parts: list[str], cycle: str, owner: str, tried: list[str]) -> str:
        slug = parts[-1]
        same_slug = sorted(
            oid for oid in self.objectives if oid.rsplit("/", 1)[-1] == slug and oid not in tried
        )
        if same_slug:
            near = [o for o in same_slug if o.startswith(cycle + "/")] or same_slug
            short = [_relative(o, cycle, owner) for o in near[:3]]
            return "did you mean " + " or ".join(f"`{s}`" for s in short) + "?"
        # Compare as the user would write each id from here, so a shared CYCLE/OWNER/ prefix
        # does not make every objective of the owner look close.
        written = {_relative(oid, cycle, owner): oid for oid in self.objectives}
        close = did_you_mean("/".join(parts), written)
        if close:
            return f"did you mean `{close}`?"
        return (
            f"a bare name means an objective of `{owner}` in {cycle}; "
            "write OWNER/SLUG for another owner and CYCLE/OWNER/SLUG for another cycle"
        )
