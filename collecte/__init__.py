"""Collecte: logistics and impact for computer-reuse programmes."""

__version__ = "0.1.0"
