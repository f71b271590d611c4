"""The audit of the event log: its hash chain verified (collecte.core.chain)."""
