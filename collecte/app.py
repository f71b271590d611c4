"""The application factory: routers, pages, error handlers and static files."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from collecte import __version__
from collecte.accounts import pages as accounts_pages
from collecte.accounts import pages_self as accounts_self_pages
from collecte.admin import orgs_pages as admin_orgs_pages
from collecte.admin import sites_pages as admin_sites_pages
from collecte.audit import router as audit_router
from collecte.auth import pages as auth_pages
from collecte.auth import router as auth_router
from collecte.config import Settings
from collecte.core.db import SessionDep, make_engine, make_sessionmaker, request_transaction
from collecte.core.handlers import install_error_handlers
from collecte.core.hygiene import HygieneMiddleware
from collecte.core.openapi import install_openapi
from collecte.core.security_headers import SecurityHeadersMiddleware
from collecte.core.web import PageSessionMiddleware, make_environment
from collecte.devices import checklists_router
from collecte.devices import pages as devices_pages
from collecte.devices import router as devices_router
from collecte.documents import pages as documents_pages
from collecte.documents import router as documents_router
from collecte.home import pages as home_pages
from collecte.impact import pages as impact_pages
from collecte.impact import report_pages as impact_report_pages
from collecte.impact import report_router as impact_report_router
from collecte.impact import router as impact_router
from collecte.impact.pages_public import PublicCache
from collecte.labels import pages as labels_pages
from collecte.labels import router as labels_router
from collecte.notifications import pages as notifications_pages
from collecte.notifications import router as notifications_router
from collecte.orgs import router as orgs_router
from collecte.pickups import inventory_router as pickups_inventory_router
from collecte.pickups import pages as pickups_pages
from collecte.pickups import router as pickups_router
from collecte.requests import pages as requests_pages
from collecte.requests import router as requests_router
from collecte.shipments import pages as shipments_pages
from collecte.shipments import router as shipments_router

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for these settings (read from the environment when omitted)."""
    settings = settings or Settings()
    engine = make_engine(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything built at start-up (modules, routes, templates, mappers) lives as long as the
        # process: kept out of the collector's full sweeps, which then only walk what requests
        # allocate. (Not measured on its own: the scan benchmark's noise is larger than its effect.)
        gc.freeze()
        yield
        engine.dispose()

    app = FastAPI(
        title="Collecte API",
        version=__version__,
        description="Donations, workshop, labels, allocation and impact for computer-reuse programmes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.open_session = functools.partial(request_transaction, app.state.sessionmaker)
    app.state.open_connection = engine.begin
    app.state.templates = make_environment()
    app.state.impact_public_cache = PublicCache(settings.public_cache_seconds)

    app.add_middleware(
        PageSessionMiddleware,
        secret_key=settings.effective_secret_key,
        session_cookie="collecte_session",
        max_age=settings.session_ttl_minutes * 60,
        same_site="lax",
        https_only=settings.cookies_secure,
    )
    # Before the session and the app: an oversized body or a control character is refused before
    # anything reads it; the security headers wrap everything, refusals included.
    app.add_middleware(HygieneMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(devices_router.scan_router)  # first: see scan_router
    app.include_router(auth_router.router)
    app.include_router(orgs_router.router)
    app.include_router(devices_router.router)
    app.include_router(checklists_router.router)
    app.include_router(documents_router.router)
    app.include_router(labels_router.router)
    app.include_router(pickups_router.router)
    app.include_router(pickups_router.donors_router)
    app.include_router(pickups_inventory_router.router)
    app.include_router(notifications_router.router)
    app.include_router(requests_router.router)
    app.include_router(shipments_router.router)
    app.include_router(shipments_router.returns_router)
    app.include_router(shipments_router.handovers_router)
    app.include_router(impact_router.router)
    app.include_router(audit_router.router)
    app.include_router(impact_report_router.router)
    app.include_router(auth_pages.router)
    app.include_router(home_pages.router)
    app.include_router(devices_pages.router)
    app.include_router(labels_pages.router)
    app.include_router(pickups_pages.router)
    app.include_router(documents_pages.router)
    app.include_router(requests_pages.router)
    app.include_router(shipments_pages.router)
    app.include_router(impact_report_pages.router)
    app.include_router(impact_pages.router)
    app.include_router(admin_orgs_pages.router)
    app.include_router(admin_sites_pages.router)
    app.include_router(accounts_pages.router)
    app.include_router(accounts_self_pages.router)
    app.include_router(notifications_pages.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz(session: SessionDep) -> dict[str, str]:
        """Liveness and database reachability, for container health checks."""
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
