"""Loket's own HTTP endpoints (gateway notifications now; /healthz and /metrics can join them)."""
