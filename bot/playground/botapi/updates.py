"""How updates reach the bot: long polling (getUpdates with offsets) or a webhook.

Like Telegram, an update stays queued until the bot confirms it: by asking getUpdates for a
higher offset, or by answering the webhook's POST with a 2xx (anything else is retried, with
the secret token in X-Telegram-Bot-Api-Secret-Token). getUpdates while a webhook is set is
Telegram's 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import ClientSession, ClientTimeout

from bot.playground.botapi.models import ApiError, bad_request

if TYPE_CHECKING:
    from bot.playground.botapi.emulator import BotApiEmulator
    from bot.playground.botapi.methods import Method

log = logging.getLogger(__name__)


async def get_updates(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    if emu.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
            "delete the webhook first",
        )
    offset = params.get("offset") or 0
    limit = params.get("limit") or 100
    timeout = params.get("timeout") or 0
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (offset, limit, timeout)):
        raise bad_request("offset, limit and timeout must be numbers")
    limit = max(1, min(100, int(limit)))
    if offset > 0:
        emu.pending = [u for u in emu.pending if u["update_id"] >= offset]
    elif offset < 0:
        emu.pending = emu.pending[int(offset) :]
    if not emu.pending and timeout > 0:
        with contextlib.suppress(TimeoutError):
            async with emu.updates_changed:
                await asyncio.wait_for(
                    emu.updates_changed.wait_for(
                        lambda: bool(emu.pending) or emu.closing or bool(emu.webhook_url)
                    ),
                    float(timeout),
                )
    if emu.webhook_url or emu.closing:
        return []
    return emu.pending[:limit]


async def delete_webhook(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    emu.webhook_url = ""
    emu.webhook_secret = ""
    if emu.webhook_task:
        emu.webhook_task.cancel()
        emu.webhook_task = None
    if params.get("drop_pending_updates") is True:
        emu.pending.clear()
    return True


async def set_webhook(emu: BotApiEmulator, params: dict[str, Any]) -> Any:
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(emu, params)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = str(params.get("secret_token") or "")
    if secret and (len(secret) > 256 or not all(ch.isalnum() or ch in "_-" for ch in secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates") is True:
        emu.pending.clear()
    emu.webhook_url = url
    emu.webhook_secret = secret
    if emu.webhook_task is None or emu.webhook_task.done():
        emu.webhook_task = asyncio.create_task(deliver_webhooks(emu), name="emulator-webhook")
    await emu.notify_updates()
    return True


async def deliver_webhooks(emu: BotApiEmulator) -> None:
    """Push queued updates to the bot's webhook in order, retrying like Telegram does."""
    if emu.http is None:
        emu.http = ClientSession(timeout=ClientTimeout(total=10))
    while emu.webhook_url and not emu.closing:
        async with emu.updates_changed:
            await emu.updates_changed.wait_for(
                lambda: bool(emu.pending) or emu.closing or not emu.webhook_url
            )
        if emu.closing or not emu.webhook_url:
            return
        update = emu.pending[0]
        headers = {"Content-Type": "application/json"}
        if emu.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = emu.webhook_secret
        status = 0
        try:
            async with emu.http.post(emu.webhook_url, data=json.dumps(update), headers=headers) as reply:
                status = reply.status
        except (OSError, TimeoutError) as error:
            log.warning("webhook delivery of update %s failed: %s", update["update_id"], type(error).__name__)
        emu.webhook_deliveries.append({"update_id": update["update_id"], "status": status})
        if 200 <= status < 300:
            if emu.pending and emu.pending[0] is update:
                emu.pending.pop(0)
        else:
            await asyncio.sleep(0.5)


METHODS: dict[str, Method] = {
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
}
