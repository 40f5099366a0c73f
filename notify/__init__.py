"""Notifications by email: digests composed from the read models and rendered from
Jinja2 text + HTML template pairs. Nothing here depends on Flask, so the scheduler
process renders exactly what the web preview shows."""
