import email
import os
import shutil
import socket
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import httpx
import pytest

from referral_engine.core.testing import Firm, make_firm

# The real HTTP server standing in for a firm's webhook receiver (it verifies signatures from the raw body), for
# the webhook tests of every app, not only integrations'.
from referral_engine.integrations.tests.conftest import other_receiver, receiver  # noqa: F401

ROOT = Path(__file__).resolve().parent
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config):
    # WhiteNoise warns that STATIC_ROOT is empty: tests serve static files from the apps, not from collectstatic.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning:django.core.handlers.base")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # django-axes counts failed sign-ins across tests; the one test of the lock-out switches it back on.
    settings.AXES_ENABLED = False
    # Pages are rendered without running collectstatic first, so static URLs need no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def firm(db) -> Firm:
    return make_firm()


# --------------------------------------------------------------------------------------------------- e-mail


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; what it receives is in `messages`."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls handle_DATA by this name
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def body(self, index: int = -1) -> str:
        message = self.messages[index]
        part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


@pytest.fixture
def groups(firm):
    """Acme's chapter and chamber, and Globex's chapter, which Acme must never be able to name."""
    from referral_engine.partners.models import NetworkingGroup

    return (
        NetworkingGroup.objects.create(workspace=firm.workspace, name="BNI Riverside", kind="bni"),
        NetworkingGroup.objects.create(workspace=firm.workspace, name="Riverside Chamber", kind="chamber"),
        NetworkingGroup.objects.create(workspace=firm.other_workspace, name="BNI Globex Gold", kind="bni"),
    )


@pytest.fixture
def connect(live_server):
    """`connect(token)` gives a real HTTP client (httpx) on the live server's /api/v1, signed in with the token
    (or anonymous with None); extra keyword arguments are headers. Clients are closed after the test."""
    clients = []

    def connect(token: str | None = None, **headers) -> httpx.Client:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        # Without it, a kept-alive connection to the test server waits ~40 ms per request on delayed ACKs.
        headers.setdefault("Connection", "close")
        client = httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers, timeout=30)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Start an SMTP server and point Django's SMTP backend at it for this test."""
    from aiosmtpd.controller import Controller

    server = SmtpServer(host="127.0.0.1", port=_free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        controller.stop()


# -------------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Skipped only where Chromium is absent and CI is not "true"."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = (
            f"Chromium is not installed at {CHROMIUM} (`make install` installs it with apt-get when it can)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI requires the browser tests to run.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django's ORM, called by the test while
    # the browser waits, would otherwise refuse to run "from an async context".
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser tab (own cookies) at desktop size; the screenshot of its last state is saved under
    var/screenshots/<test name>.png when the test ends, pass or fail."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        finally:
            context.close()


@pytest.fixture
def phone_page(browser, live_server, request):
    """Like `page`, at a phone's size (390 x 844, touch)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        finally:
            context.close()
