"""Positions of addresses: a Base Adresse Nationale–compatible geocoder, the commune centres it
falls back to, and how a pickup or a site records where its position came from."""
