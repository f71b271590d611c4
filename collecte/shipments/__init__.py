"""Shipments of allocated devices to partners, deliveries, returns and hand-overs."""
