"""The metrics' counters are made on first use (not at start-up), once, whichever thread is first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.ops.metrics import Metrics


def test_a_scrape_and_the_first_update_at_once_share_one_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = Metrics(tmp_path / "none.sqlite3")
    building, release = threading.Event(), threading.Event()
    build = Metrics._build

    def slow_build(self: Metrics) -> None:  # the first thread is inside the build...
        building.set()
        assert release.wait(10)
        build(self)

    monkeypatch.setattr(Metrics, "_build", slow_build)
    seen: dict[str, object] = {}

    def scrape() -> None:
        seen["scrape"] = metrics.registry

    first = threading.Thread(target=scrape)
    first.start()
    assert building.wait(10)
    errors: list[BaseException] = []

    def update() -> None:  # ...when the event loop handles its first update
        try:
            seen["update"] = metrics.registry
            metrics.update_handled(object(), 0.0)
        except BaseException as error:  # the test reports it
            errors.append(error)

    second = threading.Thread(target=update)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert errors == []
    assert seen["scrape"] is seen["update"] is metrics.registry
    assert b"loket_updates_total" in metrics.render()


def test_nothing_is_made_until_first_used(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path / "none.sqlite3")
    assert "registry" not in vars(metrics)
    with pytest.raises(AttributeError):
        metrics.no_such_counter  # noqa: B018 - a missing name stays missing
    assert "registry" in vars(metrics)  # asking made them, once
