"""Impact: counters read from the one event log, their factors, reports and the public page."""
