"""The operator's kit: backups, restores, exports (used by `python -m bot` and the chat)."""
