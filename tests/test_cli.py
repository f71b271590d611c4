from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from collecte.auth.models import Role, User
from collecte.auth.passwords import verify_password
from collecte.cli import app
from collecte.core.db import make_engine, make_sessionmaker
from collecte.devices.lifecycle import PARTNER_FLOW, DeviceStatus
from collecte.devices.models import Device
from collecte.devices.service import has_verified_erasure
from collecte.orgs.models import Organization, OrgKind, Site
from collecte.requests.lifecycle import RequestStatus
from collecte.requests.models import Allocation, BindingEnd, EquipmentRequest
from collecte.shipments.lifecycle import ShipmentStatus
from collecte.shipments.models import Handover, Shipment
from tests.dbutil import database_backends, fresh_database

runner = CliRunner()


@pytest.fixture(params=database_backends())
def cli_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> object:
    with fresh_database(request.param, tmp_path) as url:
        monkeypatch.setenv("COLLECTE_DATABASE_URL", url)
        monkeypatch.setenv("COLLECTE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("COLLECTE_SECRET_KEY", "cli-test-secret")
        yield url


def test_db_upgrade_then_demo_once_then_users_create(cli_env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output

    demo = runner.invoke(app, ["demo"])
    assert demo.exit_code == 0, demo.output
    engine = make_engine(cli_env)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            roles = set(session.scalars(select(User.role)))
            assert roles == set(Role)
            workshop = session.scalar(
                select(Organization).where(Organization.kind == OrgKind.WORKSHOP)
            )
            assert workshop is not None
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Site)
                    .where(Site.organization_id == workshop.id)
                )
                == 2
            )
            kinds = set(session.scalars(select(Organization.kind)))
            assert kinds == set(OrgKind)
            # The printed password really opens the printed account.
            admin = session.scalar(select(User).where(User.role == Role.ADMIN))
            assert admin is not None
            line = next(ln for ln in demo.output.splitlines() if admin.email in ln)
            password = line.split()[2]
            assert verify_password(admin.password_hash, password)
            assert (tmp_path / "data" / "demo-logins.txt").exists()
            # Devices at every workshop stage, none of them breaking the data-protection invariant.
            statuses = set(session.scalars(select(Device.status)))
            assert {
                DeviceStatus.RECEIVED,
                DeviceStatus.WIPED,
                DeviceStatus.AVAILABLE,
                DeviceStatus.RECYCLED,
            } <= statuses
            for device in session.scalars(
                select(Device).where(Device.status == DeviceStatus.AVAILABLE)
            ):
                assert not device.has_storage or has_verified_erasure(session, device)
            _assert_partner_flow(session)
            users = session.scalar(select(func.count()).select_from(User))

        again = runner.invoke(app, ["demo"])
        assert again.exit_code == 0
        assert "already" in again.output
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(User)) == users

        created = runner.invoke(
            app,
            [
                "users",
                "create",
                "new.tech@atelier.org",
                "--role",
                "technician",
                "--org",
                str(workshop.id),
                "--password",
                "a long enough password",
            ],
        )
        assert created.exit_code == 0, created.output
        refused = runner.invoke(
            app,
            [
                "users",
                "create",
                "donor@x.org",
                "--role",
                "donor",
                "--password",
                "a long enough password",
            ],
        )
        assert refused.exit_code == 1
        assert "donor organisation" in refused.output
    finally:
        engine.dispose()


def _assert_partner_flow(session: Session) -> None:
    """The demo's partners have requests at every stage, taken there through the services."""
    requests = dict(
        session.execute(
            select(EquipmentRequest.status, func.count()).group_by(EquipmentRequest.status)
        ).all()
    )
    assert set(requests) == set(RequestStatus)  # submitted, approved, rejected, closed, cancelled
    statuses = set(session.scalars(select(Device.status)))
    assert {
        DeviceStatus.ALLOCATED,
        DeviceStatus.SHIPPED,
        DeviceStatus.HANDED_OVER,
    } <= statuses
    shipments = set(session.scalars(select(Shipment.status)))
    assert {ShipmentStatus.DISPATCHED, ShipmentStatus.DELIVERED} <= shipments
    refs = set(session.scalars(select(Handover.beneficiary_ref)))
    assert len(refs) == 2  # two people equipped, by the partner's pseudonyms
    # The cancelled request's device went back to stock; every device in the partner flow is
    # bound to one line, and no device to two.
    ends = set(session.scalars(select(Allocation.end)))
    assert BindingEnd.CANCELLED in ends
    bound = list(session.scalars(select(Allocation.device_id).where(Allocation.ended_at.is_(None))))
    assert len(bound) == len(set(bound))
    in_flow = session.scalars(select(Device.id).where(Device.status.in_(PARTNER_FLOW)))
    assert set(in_flow) == set(bound)


def test_installed_command_runs_in_a_fresh_process(tmp_path: Path) -> None:
    """`collecte demo` as an operator runs it: a new process that imported only the CLI.

    In-process tests import every module, which hid a mapper that only the app imported.
    """
    import os
    import shutil
    import subprocess
    import sys

    command = shutil.which("collecte", path=str(Path(sys.executable).parent))
    assert command is not None
    env = {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path), "COLLECTE_SECRET_KEY": "fresh-process"}
    env.pop("COLLECTE_DATABASE_URL", None)
    for args in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(  # noqa: S603 (our own console script)
            [command, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert "admin@collecte.example" in (tmp_path / "demo-logins.txt").read_text()
