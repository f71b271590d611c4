"""The impact report (PDF): what it says, in which language, issued once (new figures or another
factor version make a new version, the chain head alone does not), and who may get which."""

from __future__ import annotations

import io
from types import MappingProxyType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from collecte.auth.models import Role, User
from collecte.config import Settings
from collecte.core import chain
from collecte.core.events import number_events
from collecte.core.types import utcnow
from collecte.documents.codes import grouped
from collecte.documents.models import Document
from collecte.impact import factors, service
from collecte.impact.counters import Scope
from collecte.impact.factors import CAVEAT, FactorSet
from collecte.impact.report import impact_report
from collecte.orgs.models import OrgKind
from tests.devices.pagehelpers import HTML, sign_in
from tests.factories.accounts import auth_headers, make_organization, make_user
from tests.factories.devices import Workshop
from tests.impact import scenario

URL = "/api/v1/impact/report.pdf"


@pytest.fixture
def run(db: Session) -> scenario.Scenario:
    return scenario.run(db)


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).replace("\xa0", " ").split())


def _get(client: TestClient, settings: Settings, user: User, query: str = "") -> Any:
    response = client.get(f"{URL}{query}", headers=auth_headers(settings, user))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response


def _document(db: Session, response: Any) -> Document:
    sha256 = response.headers["X-Document-SHA256"]
    found = db.scalar(select(Document).where(Document.sha256 == sha256))
    assert found is not None
    return found


def test_the_network_report_states_its_figures_factors_caveat_chain_head_and_code(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    response = _get(client, settings, make_user(db, role=Role.ADMIN), "?lang=en")
    text = text_of(response.content)
    document = _document(db, response)
    assert document.kind == "impact_report"
    assert "Impact report — the whole network" in text
    assert "Covers: the whole network, all time" in text
    assert "Issued by: Collecte" in text
    assert "Prepared for: Collecte" in text
    for shown in ("Devices collected 6", "8.2 kg", "Devices redistributed 2", "33.3%",
                  "182.3 kg CO2e", "1.5 h", "People equipped 2"):  # fmt: skip
        assert shown in text, shown
    assert "Impact factors version 2026-12" in text
    assert CAVEAT in text
    assert "ADEME (ACV numérique 2.2)" in text  # the sources' table
    seq, _head = chain.head(db)
    assert seq > 0
    assert f"the event log held {seq} events" in text
    assert f"Verification code: {grouped(document.verification_code)}" in text
    assert "No data for this period" not in text


def test_in_french_by_default_with_french_numbers(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    text = text_of(_get(client, settings, make_user(db, role=Role.ADMIN)).content)
    assert "Émis par : Collecte" in text
    assert "182,3 kg CO2e" in text
    assert "33,3 %" in text
    assert "8,2 kg" in text


def test_a_period_without_data_says_so(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    query = "?lang=en&from=2000-01-01&to=2000-12-31"
    text = text_of(_get(client, settings, make_user(db, role=Role.ADMIN), query).content)
    assert "from 1 January 2000 to 31 December 2000" in text
    assert text.count("No data for this period.") == 4  # months, funnel, categories, territories
    assert "Devices collected 0" in text


def test_issued_once_new_figures_make_a_new_version_and_the_old_one_still_verifies(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    first = _get(client, settings, admin, "?lang=en")
    again = _get(client, settings, admin, "?lang=en")
    assert again.content == first.content
    assert again.headers["X-Document-Version"] == "1"
    run.flow.workshop.receive(serial="LATE-1")
    newer = _get(client, settings, admin, "?lang=en")
    assert newer.headers["X-Document-Version"] == "2"
    assert "Devices collected 7" in text_of(newer.content)
    old = _document(db, first)
    check = client.get(f"/api/v1/documents/verify?code={old.verification_code}")
    assert check.status_code == 200
    assert check.json()["superseded"] is True
    assert check.json()["sha256"] == first.headers["X-Document-SHA256"]


def test_the_chain_head_alone_does_not_make_a_new_version(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    query = f"?lang=en&donor_id={run.flow.workshop.donor.id}"
    first = _get(client, settings, admin, query)
    before = chain.head(db)
    Workshop(db).receive(serial="ELSEWHERE-1")  # another donor's device: an event, not a figure
    number_events(db)
    assert chain.head(db) != before
    again = _get(client, settings, admin, query)
    assert again.content == first.content
    assert f"the event log held {before[0]} events" in text_of(again.content)


def test_another_factor_version_is_a_new_version_and_the_issued_one_keeps_its_own(
    db: Session, settings: Settings, run: scenario.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = factors.factor_set

    def with_a_test_version(version: str | None, displacement: float) -> FactorSet:
        if version != "2027-01":
            return shipped(version, displacement)
        current = shipped(None, displacement).by_category
        laptop = current["laptop"].__class__(**{**vars(current["laptop"]), "preuse_kgco2e": 300.0})
        rows = MappingProxyType({**current, "laptop": laptop})
        return FactorSet(version="2027-01", by_category=rows, displacement=displacement)

    monkeypatch.setattr(service, "factor_set", with_a_test_version)
    number_events(db)
    admin = make_user(db, role=Role.ADMIN)
    first = impact_report(
        db, viewer=admin, settings=settings, asked=Scope(), language="en", produced_by=admin
    )
    newer_settings = settings.model_copy(update={"impact_factors_version": "2027-01"})
    newer = impact_report(
        db, viewer=admin, settings=newer_settings, asked=Scope(), language="en", produced_by=admin
    )
    assert newer.document.version == first.document.version + 1
    assert newer.document.supersedes_id == first.document.id
    new_text = text_of(newer.content)
    assert "Impact factors version 2027-01" in new_text
    assert "300 kg CO2e" in new_text  # 2 laptops x 300 x 0.5
    db.expire_all()
    stored = db.get_one(Document, first.document.id).content
    assert stored == first.content
    old_text = text_of(stored)
    assert "Impact factors version 2026-12" in old_text
    assert "2027-01" not in old_text


def test_a_donor_gets_its_csr_report_with_what_became_of_its_devices(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    donor = run.flow.workshop.donor
    donor_user = make_user(db, role=Role.DONOR, organization=donor)
    response = _get(client, settings, donor_user, "?lang=en")
    document = _document(db, response)
    assert document.kind == "csr_report"
    assert document.organization_id == donor.id  # listed among the donor's documents
    text = text_of(response.content)
    assert f"CSR impact report — {donor.name}" in text
    assert f"Prepared for: {donor.name}" in text
    assert "Of your 6 devices: 2 redistributed, 1 recycled, 1 parts." in text
    assert "Devices collected 6" in text
    # The operator's copy of the same donor's report speaks of the donor, not to it.
    admin = make_user(db, role=Role.ADMIN)
    operator = text_of(_get(client, settings, admin, f"?lang=en&donor_id={donor.id}").content)
    assert f"Of the 6 devices of {donor.name}: 2 redistributed, 1 recycled, 1 parts." in operator


def test_scoping_follows_the_figures(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    donor_user = make_user(db, role=Role.DONOR, organization=run.flow.workshop.donor)
    other_donor = make_organization(db, kind=OrgKind.DONOR)
    partner_user = run.flow.partner_user
    refusals = [
        (donor_user, f"?donor_id={other_donor.id}"),
        (partner_user, f"?donor_id={run.flow.workshop.donor.id}"),
        (make_user(db, role=Role.DONOR, organization=other_donor), f"?donor_id={run.flow.workshop.donor.id}"),
    ]  # fmt: skip
    for user, query in refusals:
        response = client.get(f"{URL}{query}", headers=auth_headers(settings, user))
        assert response.status_code == 404, (user.role, query)
    partner = text_of(_get(client, settings, partner_user, "?lang=en").content)
    assert f"partner {run.flow.partner.name}" in partner
    assert "Devices redistributed 2" in partner
    assert "Devices collected 0" in partner
    assert client.get(URL).status_code == 401


def test_workshop_staff_report_as_their_workshop(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    workshop = run.flow.workshop.organization
    text = text_of(_get(client, settings, run.flow.coordinator, "?lang=en").content)
    assert f"Issued by: {workshop.legal_name or workshop.name}" in text
    assert f"workshop {workshop.name}" in text


def test_the_page_serves_the_same_report_in_the_pages_language(
    client: TestClient, settings: Settings, db: Session, run: scenario.Scenario
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    today = utcnow().date()
    query = f"?from={today.year}-01-01&to={today.isoformat()}"
    api = _get(client, settings, admin, query)
    sign_in(client, admin)
    page = client.get(f"/impact/report.pdf{query}", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"] == "application/pdf"
    assert page.content == api.content  # French on both: the same document
    signed_out = TestClient(client.app).get(
        "/impact/report.pdf", headers=HTML, follow_redirects=False
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")
