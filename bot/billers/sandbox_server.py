"""The sandbox biller on a real port: `python -m bot sandbox --port N` and the end-to-end tests.

IAK's path answers as IAK does (bot/billers/sandbox.py's IakSimulator); `/_sandbox/payments`
counts the pay requests each ref_id got, `/_sandbox/health` says it is up.
"""

from __future__ import annotations

from typing import Any

from bot.billers.iak import PATH
from bot.billers.sandbox import IakSimulator
from bot.config import Settings


class SandboxServer:
    """The simulator on a real port (aiohttp), for `python -m bot sandbox` and e2e tests."""

    def __init__(self, simulator: IakSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self.host = host
        self.port = port
        self._site: Any = None  # bot.web.site.LocalSite, once started (aiohttp is imported then)

    async def start(self) -> int:
        from aiohttp import web

        from bot.web.site import LocalSite

        async def bill_check(request: web.Request) -> web.Response:
            status, answer = await self.simulator.handle_body(await request.read())
            return web.json_response(answer, status=status)

        async def payments(request: web.Request) -> web.Response:
            return web.json_response(self.simulator.payments())

        async def health(request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post(PATH, bill_check)
        app.router.add_post(PATH + "/{kind}", bill_check)
        app.router.add_get("/_sandbox/payments", payments)
        app.router.add_get("/_sandbox/health", health)
        self._site = LocalSite(app, self.host, self.port)
        self.port = await self._site.start()
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8090) -> int:
    """Serve the sandbox until SIGINT/SIGTERM. Returns the process exit code."""
    from bot.web.site import serve_until_signalled

    return serve_until_signalled(
        lambda: SandboxServer(IakSimulator.from_settings(settings), host, port), "Sandbox biller on {url}"
    )
