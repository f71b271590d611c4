"""The login throttle under concurrent guesses: N guesses count N, whichever worker serves them."""

from __future__ import annotations

from collecte.auth.models import LoginThrottle, Role
from collecte.core.db import session_scope
from tests.concurrency.conftest import LOGIN_MAX_FAILURES, Deployment, Send, describe, status_counts
from tests.factories.accounts import PASSWORD, make_user

GUESSES = 30


def _login(email: str, password: str) -> Send:
    return lambda client: client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}
    )


def _failures(deployment: Deployment, email: str) -> int | None:
    with session_scope(deployment.sessions) as session:
        throttle = session.get(LoginThrottle, email)
        return throttle.failures if throttle else None


def test_concurrent_wrong_passwords_use_up_the_allowance_exactly(deployment: Deployment) -> None:
    with session_scope(deployment.sessions) as session:
        email = make_user(session, role=Role.ADMIN).email

    guesses = deployment.concurrently(
        [_login(email, f"wrong password {n}") for n in range(GUESSES)]
    )
    assert status_counts(guesses) == {
        401: LOGIN_MAX_FAILURES,
        429: GUESSES - LOGIN_MAX_FAILURES,
    }, describe(guesses)
    assert _failures(deployment, email) == LOGIN_MAX_FAILURES

    (right,) = deployment.concurrently([_login(email, PASSWORD)])
    assert right.status_code == 429, right.text
    assert "access_token" not in right.json()


def test_concurrent_guesses_on_an_unknown_email_are_throttled_alike(
    deployment: Deployment,
) -> None:
    email = "nobody@example.org"
    guesses = deployment.concurrently([_login(email, f"guess {n}") for n in range(GUESSES)])
    assert status_counts(guesses) == {
        401: LOGIN_MAX_FAILURES,
        429: GUESSES - LOGIN_MAX_FAILURES,
    }, describe(guesses)
    assert _failures(deployment, email) == LOGIN_MAX_FAILURES
