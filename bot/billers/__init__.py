"""Billers: one `Biller` interface, three providers (IAK, Ayoconnect, the sandbox).

`make_biller` picks the provider from the settings; everything above it speaks `Biller`.
"""

from __future__ import annotations

import httpx

from bot.billers.base import Biller
from bot.config import BillerName, Settings


def make_biller(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Biller:
    """The biller the settings ask for. `transport` replaces the network (tests)."""
    from bot.billers.ayoconnect import AyoconnectClient
    from bot.billers.iak import IAKClient
    from bot.billers.sandbox import SANDBOX_BASE_URL, SandboxBiller

    timeout = settings.biller_timeout
    if settings.biller is BillerName.SANDBOX:
        simulator = SandboxBiller(settings)
        if settings.sandbox_url:
            base_url, sandbox_transport = settings.sandbox_url, transport
        else:
            base_url, sandbox_transport = SANDBOX_BASE_URL, transport or simulator.transport()
        client = IAKClient(
            username=simulator.username,
            api_key=simulator.api_key,
            base_url=base_url,
            timeout=timeout,
            transport=sandbox_transport,
            provider="sandbox",
        )
        client.simulator = None if settings.sandbox_url else simulator
        return client
    if settings.biller is BillerName.IAK:
        return IAKClient(
            username=settings.iak_username,
            api_key=settings.iak_api_key.get_secret_value(),
            base_url=settings.iak_base_url,
            timeout=timeout,
            transport=transport,
        )
    return AyoconnectClient(
        partner_id=settings.ayoconnect_partner_id,
        api_secret=settings.ayoconnect_api_secret.get_secret_value(),
        base_url=settings.ayoconnect_base_url,
        timeout=timeout,
        transport=transport,
    )
