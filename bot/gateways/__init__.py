"""Payment gateways (money in): one `Gateway` interface, Midtrans Core API QRIS and its sandbox.

`make_gateway` picks the gateway from the settings (None for PAYMENT_GATEWAY=none); everything
above it speaks `Gateway`.
"""

from __future__ import annotations

import httpx

from bot.config import GatewayName, Settings
from bot.gateways.base import Gateway


def make_gateway(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Gateway | None:
    """The gateway the settings ask for. `transport` replaces the network (tests).

    PAYMENT_GATEWAY=sandbox is the real Midtrans client talking to the built-in sandbox:
    in-process (its `simulator` attribute), or GATEWAY_SANDBOX_URL when that is set.
    """
    from bot.gateways.midtrans import MidtransClient
    from bot.gateways.sandbox import SANDBOX_GATEWAY_URL, SANDBOX_SERVER_KEY, MidtransSandbox

    if settings.payment_gateway is GatewayName.NONE:
        return None
    if settings.payment_gateway is GatewayName.SANDBOX:
        simulator = None if settings.gateway_sandbox_url else MidtransSandbox()
        client = MidtransClient(
            server_key=SANDBOX_SERVER_KEY,
            base_url=settings.gateway_sandbox_url or SANDBOX_GATEWAY_URL,
            public_url=settings.public_url,
            transport=transport or (simulator.transport() if simulator else None),
            name="sandbox",
        )
        client.simulator = simulator
        return client
    return MidtransClient(
        server_key=settings.midtrans_server_key.get_secret_value(),
        base_url=settings.midtrans_base_url,
        public_url=settings.public_url,
        transport=transport,
        # intents are tagged with it: a Midtrans sandbox order is never asked of production
        name="midtrans-sandbox" if settings.gateway_is_test else "midtrans",
    )
