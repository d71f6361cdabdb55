"""Loket: a Telegram bill-payment counter (loket PPOB) for Indonesian postpaid bills."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("loket")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
