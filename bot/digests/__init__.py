"""Scheduled digests: schedules, the exactly-once runner, and the APScheduler wiring."""
