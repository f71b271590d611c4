"""Every refusal raised in the code base carries a code and a template the catalogue translates."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from babel.messages.pofile import read_po

import collecte
from collecte.core.errors import CollecteError, RuleError
from collecte.core.state import StateMachine

ROOT = Path(collecte.__file__).resolve().parent
# Functions that forward a template chosen from data marked with N_ (checked below or by
# test_i18n's extraction), rather than writing it at the call.
FORWARDERS = {
    ("core/state.py", "refusal"),  # the machine's own wording (cannot_go, is_final), marked N_
    ("devices/records.py", "_refuse_outside_workshop"),
    ("core/validation.py", "validation_reason"),  # its templates: FIELD_MESSAGES, marked N_
}
# Refusals whose class words them itself (its ``__init__`` passes the code and the template).
SELF_WORDED = {"BulkRejected"}


def _subclasses(base: type) -> set[str]:
    found: set[str] = set()
    todo: list[type] = [base]
    while todo:
        subclasses: list[type] = todo.pop().__subclasses__()
        found.update(cls.__name__ for cls in subclasses)
        todo.extend(subclasses)
    return found


def _refusal_names() -> set[str]:
    for module in pkgutil.walk_packages(collecte.__path__, "collecte."):
        importlib.import_module(module.name)
    return {"Reason"} | _subclasses(CollecteError) | _subclasses(RuleError)


def _french_ids() -> set[str]:
    with (ROOT / "locale/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    return {m.id for m in catalog if isinstance(m.id, str) and m.string and "fuzzy" not in m.flags}


def _calls(names: set[str]) -> list[tuple[str, str, ast.Call]]:
    """Every call of a refusal class in collecte/, with its file and innermost function."""
    found: list[tuple[str, str, ast.Call]] = []

    class Visitor(ast.NodeVisitor):
        def __init__(self, where: str) -> None:
            self.where, self.scopes = where, [""]

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            self.scopes.append(node.name)
            self.generic_visit(node)
            self.scopes.pop()

        def visit_Call(self, node: ast.Call) -> None:
            if isinstance(node.func, ast.Name) and node.func.id in names:
                found.append((self.where, self.scopes[-1], node))
            self.generic_visit(node)

    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        Visitor(str(path.relative_to(ROOT))).visit(tree)
    return found


def _is_marked_literal(node: ast.expr) -> str | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def test_every_refusal_has_a_code_and_a_translated_template() -> None:
    names = _refusal_names()
    translated = _french_ids()
    calls = _calls(names)
    checked = 0
    problems = []
    for where, scope, call in calls:
        if where == "core/errors.py" or getattr(call.func, "id", "") in SELF_WORDED:
            continue  # the classes themselves
        code = call.args[0] if call.args else None
        if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
            if (where, scope) in FORWARDERS:
                continue
            problems.append(f"{where}:{call.lineno} {scope}: the code is not a string literal")
            continue
        if not code.value.isidentifier() or code.value != code.value.lower():
            problems.append(f"{where}:{call.lineno}: code {code.value!r} is not snake_case")
        template = call.args[1] if len(call.args) > 1 else None
        text = _is_marked_literal(template) if template is not None else None
        if text is None:
            if (where, scope) not in FORWARDERS:
                problems.append(f'{where}:{call.lineno}: the template is not N_("…")')
            continue
        if text not in translated:
            problems.append(f"{where}:{call.lineno}: {text!r} is not translated into French")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 120  # the walk found the raise sites (it cannot pass on an empty tree)


def test_state_machines_word_their_refusals_in_the_catalogue() -> None:
    from collecte.devices.lifecycle import DEVICE_MACHINE
    from collecte.pickups.lifecycle import PICKUP_MACHINE

    translated = _french_ids()
    machines: list[StateMachine] = [DEVICE_MACHINE, PICKUP_MACHINE]  # type: ignore[type-arg]
    for machine in machines:
        assert machine.cannot_go in translated
        assert machine.is_final in translated
