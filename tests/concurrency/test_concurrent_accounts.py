"""Accounts under concurrent requests: two admins stepping down at once leave one, and a reset
link sent twice at once sets one password."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from collecte.auth import resets
from collecte.auth.models import Role, User
from collecte.core.db import session_scope
from collecte.core.types import utcnow
from tests.concurrency.conftest import Answer, Deployment, Send, describe
from tests.factories.accounts import auth_headers, make_user

ROUNDS = 4
HTML = {"Accept": "text/html"}


def _active_admins(deployment: Deployment) -> int:
    with session_scope(deployment.sessions) as session:
        query = select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))
        return session.scalar(query) or 0


def _deactivate(actor: User, target: User, deployment: Deployment) -> Send:
    headers = auth_headers(deployment.settings, actor)
    return lambda client: client.patch(
        f"/api/v1/users/{target.id}", json={"active": False}, headers=headers
    )


def test_two_admins_deactivating_each_other_at_once_leave_one(deployment: Deployment) -> None:
    for _ in range(ROUNDS):
        with session_scope(deployment.sessions) as session:
            session.execute(update(User).where(User.role == Role.ADMIN).values(active=False))
            first, second = make_user(session, role=Role.ADMIN), make_user(session, role=Role.ADMIN)
        answers = deployment.concurrently(
            [_deactivate(first, second, deployment), _deactivate(second, first, deployment)]
        )
        codes = sorted(answer.status_code for answer in answers)
        # One steps down; the other is refused as the last admin (409), or, when it arrives
        # after the first committed, as a deactivated caller (401).
        assert codes in ([200, 401], [200, 409]), describe(answers)
        assert _active_admins(deployment) == 1


def _set_password(path: str, password: str) -> Send:
    def send(client: TestClient) -> Answer:
        form = client.get(path, headers=HTML)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        return client.post(
            path,
            data={
                "csrf_token": token.group(1),
                "new_password": password,
                "confirm_password": password,
            },
            headers=HTML,
            follow_redirects=False,
        )

    return send


def test_a_reset_link_used_twice_at_once_sets_one_password(deployment: Deployment) -> None:
    with session_scope(deployment.sessions) as session:
        user = make_user(session, role=Role.DONOR)
        message = resets.send_reset_link(
            session,
            user=user,
            settings=deployment.settings,
            language="fr",
            now=utcnow(),
            by_admin=False,
        )
        found = re.search(re.escape(resets.RESET_PATH) + r"[\w-]+", message.body)
        assert found
        path = found.group(0)
    passwords = [f"the password number {n}" for n in range(4)]
    answers = deployment.concurrently([_set_password(path, p) for p in passwords])
    done = [p for p, a in zip(passwords, answers, strict=True) if a.status_code == 303]
    assert len(done) == 1, describe(answers)
    assert sorted(a.status_code for a in answers) == [303, 404, 404, 404], describe(answers)
    (client,) = [TestClient(deployment.workers[0], raise_server_exceptions=False)]
    for password in passwords:
        signed_in = client.post(
            "/api/v1/auth/token", data={"username": user.email, "password": password}
        )
        assert (signed_in.status_code == 200) == (password == done[0])
