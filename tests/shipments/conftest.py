"""The partner-flow fixtures (tests/requests/conftest.py) for the shipment pages."""

from tests.requests.conftest import browser, flow, outsiders

__all__ = ["browser", "flow", "outsiders"]
