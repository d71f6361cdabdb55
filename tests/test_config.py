"""Settings: one class, documented in .env.example, one clear line on a bad value."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import BillerName, ConfigError, Settings, load_settings
from bot.logs import SecretFilter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in Settings.model_fields.values():
        monkeypatch.delenv(name.alias, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def example_settings() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_env_example_documents_every_setting_with_its_default():
    documented = example_settings()
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert set(documented) == aliases
    defaults = Settings()
    from_example = Settings(**{k: v for k, v in documented.items()})
    for name in Settings.model_fields:
        assert getattr(from_example, name) == getattr(defaults, name), name


def test_defaults_need_no_account():
    settings = load_settings()
    assert settings.biller is BillerName.SANDBOX
    assert settings.markup == 0
    assert settings.status_poll_intervals == [5, 15, 30, 60, 120, 300, 600, 1800, 3600]
    assert settings.admin_ids == []


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", " 11, 22 ,33")
    monkeypatch.setenv("STATUS_POLL_INTERVALS", "1,2,3")
    settings = load_settings()
    assert settings.admin_ids == [11, 22, 33]
    assert settings.status_poll_intervals == [1, 2, 3]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MARKUP": "1500.50"}, "MARKUP"),
        ({"MARKUP": "-1"}, "MARKUP"),
        ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"STATUS_POLL_INTERVALS": "5,0"}, "STATUS_POLL_INTERVALS"),
        ({"BILLER": "digiflazz"}, "BILLER"),
        ({"BILLER": "iak"}, "IAK_USERNAME"),
        ({"BILLER": "iak", "IAK_USERNAME": "0817"}, "IAK_API_KEY"),
        ({"BILLER": "ayoconnect", "AYOCONNECT_API_SECRET": "x"}, "AYOCONNECT_PARTNER_ID"),
        ({"IAK_BASE_URL": "mobilepulsa.net"}, "IAK_BASE_URL"),
        ({"WEBHOOK_URL": "https://example.test/hook"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "notaurl", "WEBHOOK_SECRET": "s3cr3t-value"}, "WEBHOOK_URL"),
        ({"MARKUP": "²"}, "MARKUP"),  # str.isdigit() says yes, int() says no
        ({"MARKUP": "٥"}, "MARKUP"),  # Arabic-Indic five: not silently 5
        ({"DEMO_WALLET": "١٠٠"}, "DEMO_WALLET"),
        ({"ADMIN_IDS": "-5"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "12,²"}, "ADMIN_IDS"),
        ({"INQUIRY_LIMIT_PER_MINUTE": "-1"}, "INQUIRY_LIMIT_PER_MINUTE"),
        ({"INQUIRY_LIMIT_PER_MINUTE": "3.0"}, "INQUIRY_LIMIT_PER_MINUTE"),  # int() of pydantic takes it
        ({"INQUIRY_LIMIT_PER_HOUR": "3_00"}, "INQUIRY_LIMIT_PER_HOUR"),
        ({"INQUIRY_LIMIT_PER_HOUR": "٣٠٠"}, "INQUIRY_LIMIT_PER_HOUR"),
    ],
)
def test_bad_setting_names_itself(monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert named in text
    assert text.count(named) == 1  # named once, not "X: X must…"
    assert "\n" not in text
    for key, value in env.items():
        if key != "BILLER":  # "required when BILLER=iak" names the choice on purpose
            assert value not in text  # the given value is never echoed


def test_biller_name_is_case_insensitive_like_the_setting_names(monkeypatch):
    monkeypatch.setenv("BILLER", " Sandbox ")
    assert load_settings().biller is BillerName.SANDBOX


def test_secret_is_never_echoed(monkeypatch):
    monkeypatch.setenv("BILLER", "iak")
    monkeypatch.setenv("IAK_USERNAME", "081234")
    monkeypatch.setenv("IAK_API_KEY", "supersecretkey123")
    monkeypatch.setenv("WEBHOOK_PORT", "supersecretkey123")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "WEBHOOK_PORT" in str(caught.value)
    assert "supersecretkey123" not in str(caught.value)
    monkeypatch.delenv("WEBHOOK_PORT")
    assert "supersecretkey123" not in repr(Settings(IAK_API_KEY="supersecretkey123"))


def test_cli_reports_bad_setting_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MARKUP": "abc", "TELEGRAM_BOT_TOKEN": "123:SECRETTOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "Configuration error: MARKUP: must be a whole number of rupiah"
    assert "SECRETTOKEN" not in proc.stdout + proc.stderr


def test_cli_help():
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "demo" in proc.stdout and "sandbox" in proc.stdout


def test_log_filter_masks_secrets_and_tokens_in_urls():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1,
        "POST https://api.telegram.org/bot123456:AAHsecret-_x/getMe key=%s", ("apikey999",), None,
    )
    SecretFilter(["apikey999"]).filter(record)
    text = record.getMessage()
    assert "apikey999" not in text
    assert "AAHsecret" not in text
    assert "/bot***" in text
