"""Schemathesis over the whole published OpenAPI, as an admin and as a donor (issue 9): a bounded,
deterministic run of generated requests, valid and malformed, on a seeded database, where no
answer is a 5xx and every answer is one the schema publishes (status, content type, shape).

Each operation gets two passes: schemathesis's coverage cases (deterministic: each boundary of
each parameter and field, each required value left out, each wrong type, each unsupported
method), then a derandomised Hypothesis run of at most ``MAX_EXAMPLES`` cases, valid and
malformed. Every failing operation is reported, not just the first. A case names a seeded row in
its path about half the time, and a write is sent about half the time as a body its service
accepts with up to two fields generated, so the fuzz also reaches the answers of real objects
and of writes that succeed, not only 404s and 422s.

Nothing is left out. The token endpoint is fuzzed too: its throttle counts failures per email,
the generated emails are not the seeded accounts', and the fuzz's bearer tokens are issued
directly, not through it. Writes only change the throw-away database.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collecte.auth.models import Role
from tests.fuzz.conftest import ROLES, FuzzTarget

Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]

# Hypothesis cases per operation and role; with the coverage cases (about 3,000 per role) the run
# sends several times the 1,000 requests per role the issue asks for, in about a minute per role.
MAX_EXAMPLES = 30
MIN_REQUESTS_PER_ROLE = 1000

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run: a failure is reproduced by running it again
    database=None,
    deadline=None,
    # No shrinking: a failing case is reported as generated, and the run stays bounded.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
    verbosity=hypothesis.Verbosity.quiet,
)


@dataclass
class Tally:
    """What one role's run sent and got back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@dataclass
class Run:
    """One role's fuzz: where requests go, with which token, and what came back."""

    target: FuzzTarget
    role: Role
    tally: Tally = field(default_factory=Tally)

    def send(self, case: AnyCase) -> None:
        """Send the case as this role and check the answer; a failure raises."""
        headers = self.target.headers[self.role]
        if (
            case.operation.label == "PATCH /api/v1/users/{user_id}"
            and (case.path_parameters or {}).get("user_id") in self.target.own_accounts
        ):
            case.path_parameters = {**case.path_parameters, "user_id": self.target.spare_account}
        self.tally.requests += 1
        try:
            response = case.call(headers=headers)
        except Exception:
            # The ASGI client re-raises what the app let out, where a server answers 500.
            self.tally.statuses[500] += 1
            raise
        self.tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    def fail(self, operation: Operation, phase: str, exc: BaseException) -> None:
        # format_exception_only keeps the notes: schemathesis adds the curl that reproduces it.
        described = "".join(traceback.format_exception_only(exc)).strip()
        self.tally.failures.append(f"{operation.label} ({phase}): {described}")


def _cover(run: Run, operation: Operation) -> None:
    schema = operation.schema
    config = schema.config.generation_for(operation=operation, phase="coverage")
    try:
        for case in schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=config
        ):
            run.send(case)
    # A check's failure group (a BaseExceptionGroup), or an exception the app let out.
    except (Exception, FailureGroup) as exc:
        run.fail(operation, "coverage", exc)


def _cases(operation: Operation, known: dict[str, list[int | str]]) -> st.SearchStrategy[AnyCase]:
    """Valid and malformed cases, and valid ones naming each seeded row its path can name."""
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    for parameter in operation.path_parameters:
        for value in known.get(parameter.name, ()):
            strategies.append(
                operation.as_strategy(
                    GenerationMode.POSITIVE, path_parameters={parameter.name: value}
                )
            )
    return st.one_of(strategies)


def _blend(valid: Any, generated: Any, data: st.DataObject) -> Any:
    """A valid body with up to two of its fields replaced by the generated body's."""
    if not isinstance(valid, dict) or not isinstance(generated, dict) or not generated:
        return valid
    replaced = data.draw(st.sets(st.sampled_from(sorted(generated)), max_size=2))
    return {**valid, **{name: generated[name] for name in replaced}}


def _fuzz(run: Run, operation: Operation) -> None:
    valid = run.target.bodies.get(operation.label)

    @SETTINGS
    @hypothesis.given(case=_cases(operation, run.target.known), data=st.data())
    def fuzz(case: AnyCase, data: st.DataObject) -> None:
        if valid is not None and data.draw(st.booleans()):
            case.body = _blend(valid, case.body, data)
        run.send(case)

    try:
        fuzz()
    except (Exception, FailureGroup) as exc:
        run.fail(operation, "fuzzing", exc)


def _valid(result: Any) -> Operation:
    """The operation, or the reason the published schema does not describe one (a failure)."""
    if isinstance(result, Err):
        raise result.err()
    operation: Operation = result.ok()
    return operation


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ROLES, ids=[role.value for role in ROLES])
def test_every_operation_answers_as_published(
    fuzz_target: FuzzTarget, role: Role, fuzz_report: list[str]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_target.app)
    operations = [_valid(result) for result in schema.get_all_operations()]
    run = Run(fuzz_target, role)
    started = time.monotonic()
    for operation in operations:
        _cover(run, operation)
        _fuzz(run, operation)
    elapsed = time.monotonic() - started
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(run.tally.statuses.items()))
    fuzz_report.append(
        f"as {role.value} on {fuzz_target.backend}: {run.tally.requests} requests over "
        f"{len(operations)} operations in {elapsed:.0f} s ({statuses})"
    )
    assert not run.tally.failures, "\n\n".join(run.tally.failures)
    assert run.tally.requests >= MIN_REQUESTS_PER_ROLE
    # The token held to the end: the run was not answered 401 throughout by a write revoking it.
    me = schema["/api/v1/users/me"]["GET"].Case()
    assert me.call(headers=fuzz_target.headers[role]).status_code == 200
