"""Factories: rows built through the services, with sensible defaults."""
