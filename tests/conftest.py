"""Shared fixtures: a headless Debian chromium driven by Playwright, with the network closed.

``browser_page`` gives a fresh page whose every request except ``file:``, ``data:``,
``blob:``, ``about:`` and localhost is aborted and recorded, and which records console
errors, page errors and dialogs. Browser tests skip (with the reason) when chromium or
Playwright is missing, unless ``RUIAN_REQUIRE_BROWSER=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from ruian_land import pipeline

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_LOCAL_SCHEMES = ("file", "data", "blob", "about")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _unavailable(reason: str) -> None:
    if os.environ.get("RUIAN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RUIAN_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian chromium (session-wide)."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pw.stop()
        _unavailable(f"chromium did not start: {exc}")
    yield b
    b.close()
    pw.stop()


@dataclass
class BrowserPage:
    """A page plus what it tried and complained about."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _is_local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in _LOCAL_SCHEMES or (u.hostname or "") in _LOCAL_HOSTS


@pytest.fixture
def browser_page(browser: Any) -> Iterator[BrowserPage]:
    """A fresh 1280×900 page with all non-local network aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bp = BrowserPage(page)

    def route(r: Any) -> None:
        if _is_local(r.request.url):
            r.continue_()
        else:
            bp.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: bp.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: bp.page_errors.append(str(e)))
    page.on("dialog", lambda d: (bp.dialogs.append(d.message), d.dismiss()))
    yield bp
    context.close()


SAMPLE_PROJECT = Path(__file__).resolve().parents[1] / "data" / "project.yaml"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """``ruian-land run`` on the bundled sample county, once per test session: (RunResult, out dir)."""
    if not SAMPLE_PROJECT.exists():
        pytest.skip("sample county data/project.yaml not generated")
    out = tmp_path_factory.mktemp("sample_out")
    return pipeline.run(SAMPLE_PROJECT, out), out
