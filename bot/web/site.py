"""One aiohttp application on a local port, and a process that serves until it is told to stop:
what Loket's own endpoints (server.py) and the two sandboxes (`python -m bot sandbox`,
`python -m bot gateway-sandbox`) share."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import Protocol

from aiohttp import web


class LocalSite:
    """`app` listening on host:port (port 0 picks a free one) until `stop()`."""

    def __init__(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; returns the port. OSError when it is taken (nothing is left running)."""
        # access_log=None: a request line may carry what no log should keep
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.port
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class Served(Protocol):
    """A server that starts, says where it listens, and stops."""

    @property
    def url(self) -> str: ...

    async def start(self) -> int: ...

    async def stop(self) -> None: ...


def serve_until_signalled(make: Callable[[], Served], banner: str) -> int:
    """Start the server `make` builds, print `banner` (with its `{url}`), serve until SIGINT or
    SIGTERM, then stop it. Returns the process exit code."""

    async def main() -> None:
        server = make()
        await server.start()
        print(banner.format(url=server.url), flush=True)
        try:
            await until_signalled()
        finally:
            await server.stop()

    asyncio.run(main())
    return 0


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM (Ctrl-C, systemd's stop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
