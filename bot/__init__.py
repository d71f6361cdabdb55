"""Loket: a Telegram bill-payment counter (loket PPOB) for Indonesian postpaid bills."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`bot.__version__`, looked up when first asked for: importlib.metadata and its search of
    the installed packages (~50 ms) are not part of every start (tests/test_startup_imports.py)."""
    if name != "__version__":
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("loket")
    except PackageNotFoundError:  # run from a checkout that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
