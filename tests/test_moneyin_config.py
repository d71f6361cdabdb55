"""Money-in settings: names, defaults, refusals in one line, and sandbox never mixed with production."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, GatewayName, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in Settings.model_fields.values():
        monkeypatch.delenv(name.alias, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    settings = load_settings()
    assert settings.payment_gateway is GatewayName.NONE
    assert settings.midtrans_base_url == "https://api.sandbox.midtrans.com"
    assert (settings.qris_expiry_minutes, settings.qris_fee, settings.deposit_bank_info) == (15, 0, "")
    assert (settings.http_listen, settings.http_port, settings.public_url) == ("127.0.0.1", 8081, "")
    assert settings.allow_sandbox_mix is False


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PAYMENT_GATEWAY": "xendit"}, "PAYMENT_GATEWAY"),
        ({"PAYMENT_GATEWAY": "midtrans"}, "MIDTRANS_SERVER_KEY"),
        ({"QRIS_FEE": "700.5"}, "QRIS_FEE"),
        ({"QRIS_FEE": "-1"}, "QRIS_FEE"),
        ({"QRIS_FEE": "٥"}, "QRIS_FEE"),
        ({"QRIS_EXPIRY_MINUTES": "0"}, "QRIS_EXPIRY_MINUTES"),
        ({"QRIS_EXPIRY_MINUTES": "1.5"}, "QRIS_EXPIRY_MINUTES"),
        ({"QRIS_EXPIRY_MINUTES": "20000"}, "QRIS_EXPIRY_MINUTES"),
        ({"HTTP_PORT": "70000"}, "HTTP_PORT"),
        ({"HTTP_PORT": "80a"}, "HTTP_PORT"),
        ({"PUBLIC_URL": "loket.example.id"}, "PUBLIC_URL"),
        ({"MIDTRANS_BASE_URL": "api.midtrans.com"}, "MIDTRANS_BASE_URL"),
        # a test gateway with a production biller: play money would pay real bills
        ({"PAYMENT_GATEWAY": "sandbox", "BILLER": "iak", "IAK_USERNAME": "0812", "IAK_API_KEY": "k3y-value",
          "IAK_BASE_URL": "https://mobilepulsa.net"}, "ALLOW_SANDBOX_MIX"),
        ({"PAYMENT_GATEWAY": "midtrans", "MIDTRANS_SERVER_KEY": "Mid-server-realkey", "BILLER": "iak",
          "IAK_USERNAME": "0812", "IAK_API_KEY": "k3y-value", "IAK_BASE_URL": "https://mobilepulsa.net"},
         "ALLOW_SANDBOX_MIX"),  # Midtrans's sandbox host
        # real money for the sandbox biller's bills
        ({"PAYMENT_GATEWAY": "midtrans", "MIDTRANS_SERVER_KEY": "Mid-server-realkey",
          "MIDTRANS_BASE_URL": "https://api.midtrans.com"}, "ALLOW_SANDBOX_MIX"),
    ],
)  # fmt: skip
def test_bad_setting_names_itself_once_without_the_value(monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert named in text and text.count(named) == 1 and "\n" not in text
    for key, value in env.items():
        if key not in {"PAYMENT_GATEWAY", "BILLER"}:
            assert value not in text


@pytest.mark.parametrize(
    "env",
    [
        {"PAYMENT_GATEWAY": "sandbox"},  # the demo's pair: both play
        # Midtrans's sandbox with the sandbox biller
        {"PAYMENT_GATEWAY": " Midtrans ", "MIDTRANS_SERVER_KEY": "SB-Mid-server-x"},
        {"PAYMENT_GATEWAY": "midtrans", "MIDTRANS_SERVER_KEY": "Mid-server-real", "BILLER": "iak",
         "IAK_USERNAME": "0812", "IAK_API_KEY": "k", "IAK_BASE_URL": "https://mobilepulsa.net",
         "MIDTRANS_BASE_URL": "https://api.midtrans.com"},  # production with production
        {"PAYMENT_GATEWAY": "sandbox", "BILLER": "iak", "IAK_USERNAME": "0812", "IAK_API_KEY": "k",
         "IAK_BASE_URL": "https://mobilepulsa.net", "ALLOW_SANDBOX_MIX": "true"},  # said explicitly
        {"BILLER": "iak", "IAK_USERNAME": "0812", "IAK_API_KEY": "k", "IAK_BASE_URL": "https://mobilepulsa.net"},
    ],
)  # fmt: skip
def test_allowed_pairs(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    load_settings()


def test_the_server_key_is_a_secret(monkeypatch):
    monkeypatch.setenv("PAYMENT_GATEWAY", "midtrans")
    monkeypatch.setenv("MIDTRANS_SERVER_KEY", "SB-Mid-server-verysecret")
    settings = load_settings()
    assert "SB-Mid-server-verysecret" in settings.secrets()
    assert "verysecret" not in repr(settings)
