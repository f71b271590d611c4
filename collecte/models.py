"""Every mapped class, imported once so ``Base.metadata`` knows the whole schema (Alembic, tests)."""

from collecte.auth.models import LoginThrottle, User
from collecte.core.db import Base
from collecte.orgs.models import Organization, Site

__all__ = ["Base", "LoginThrottle", "Organization", "Site", "User"]
