"""Billers: one `Biller` interface, three providers (IAK, Ayoconnect, the sandbox).

`make_biller` picks the provider from the settings; everything above it speaks `Biller`.
"""

from __future__ import annotations

import httpx

from bot.billers.base import Biller
from bot.config import BillerName, Settings


def make_biller(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Biller:
    """The biller the settings ask for. `transport` replaces the network (tests). Only the
    asked-for biller's modules are imported (a start-up cost, tests/test_startup_imports.py)."""
    timeout = settings.biller_timeout
    if settings.biller is BillerName.SANDBOX:
        from bot.billers.sandbox import IakSimulator, SandboxClient

        simulator = IakSimulator.from_settings(settings)
        if not settings.sandbox_url:  # in-process: the simulator is the client's network
            return SandboxClient(simulator, transport=transport or simulator.transport(), timeout=timeout)
        from bot.billers.iak import IAKClient

        return IAKClient(  # the simulator served elsewhere (python -m bot sandbox), signed alike
            username=simulator.username,
            api_key=simulator.api_key,
            base_url=settings.sandbox_url,
            timeout=timeout,
            transport=transport,
            provider="sandbox",
        )
    if settings.biller is BillerName.IAK:
        from bot.billers.iak import IAKClient

        return IAKClient(
            username=settings.iak_username,
            api_key=settings.iak_api_key.get_secret_value(),
            base_url=settings.iak_base_url,
            timeout=timeout,
            transport=transport,
        )
    from bot.billers.ayoconnect import AyoconnectClient
    from bot.billers.catalog import ayoconnect_catalog

    return AyoconnectClient(  # the partner's real codes come from its product list at start
        products=ayoconnect_catalog(settings.ayoconnect_product_codes),
        partner_id=settings.ayoconnect_partner_id,
        api_secret=settings.ayoconnect_api_secret.get_secret_value(),
        base_url=settings.ayoconnect_base_url,
        timeout=timeout,
        transport=transport,
    )
