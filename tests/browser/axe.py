"""axe-core (the copy axe-playwright-python bundles, MPL-2.0) run in a Playwright page: the serious
and critical violations, each with its rule, impact, target selectors and help page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

# What the check fails on; "minor" and "moderate" findings are reported by axe but not failed.
FAILING = frozenset({"serious", "critical"})


@dataclass(frozen=True)
class Violation:
    where: str  # the page and who looked at it
    rule: str
    impact: str
    targets: tuple[str, ...]
    help_url: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.rule} ({self.impact}) {', '.join(self.targets)} {self.help_url}"
        )


def install(context: Any) -> None:
    """Load axe into every page the context opens (Playwright's init scripts are not subject to
    the pages' Content-Security-Policy, which forbids inline scripts)."""
    context.add_init_script(AXE_SCRIPT)


def violations(page: Any, where: str) -> list[Violation]:
    """axe's violations on the page as it is now, whatever their impact (nothing leaves the page:
    axe runs in it and reads its DOM)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        Violation(
            where=where,
            rule=found["id"],
            impact=found.get("impact") or "",
            targets=tuple(" ".join(map(str, node["target"])) for node in found["nodes"]),
            help_url=found["helpUrl"],
        )
        for found in results["violations"]
    ]


# Every id an attribute points to, missing from the page (axe only calls these "incomplete").
BROKEN_REFERENCES = """() => {
  const broken = [];
  for (const name of ["aria-describedby", "aria-labelledby", "aria-controls", "for"]) {
    for (const element of document.querySelectorAll(`[${name}]`)) {
      for (const id of element.getAttribute(name).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) broken.push(`${element.tagName.toLowerCase()}[${name}=${id}]`);
      }
    }
  }
  return broken;
}"""


def broken_references(page: Any, where: str) -> list[Violation]:
    """The page's references to ids it lacks (a description or a label that is not there), as
    serious violations: assistive technology reads nothing where the page meant something."""
    return [
        Violation(where, "missing-id-reference", "serious", (target,), "")
        for target in page.evaluate(BROKEN_REFERENCES)
    ]


def failing(found: list[Violation]) -> list[Violation]:
    return [violation for violation in found if violation.impact in FAILING]


def counts(found: list[Violation]) -> dict[str, int]:
    """Elements in violation per rule id and impact, e.g. {"color-contrast (serious)": 12}."""
    tally: Counter[str] = Counter()
    for violation in found:
        tally[f"{violation.rule} ({violation.impact})"] += len(violation.targets)
    return dict(sorted(tally.items()))
