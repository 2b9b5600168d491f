"""Scheduling: APScheduler wiring (scheduler.py), idempotent job functions (jobs.py), the digest run
ledger (ledger.py) and trigger arithmetic (triggers.py)."""
