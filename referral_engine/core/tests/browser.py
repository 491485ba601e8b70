"""Helpers for the browser tests (fixtures `page`, `phone_page` and `browser` are in the root conftest.py)."""

from pathlib import Path

from playwright.sync_api import Page

from referral_engine.core.testing import PASSWORD


def sign_in(page: Page, email: str, password: str = PASSWORD, next_path: str = "") -> None:
    """Sign in through the real sign-in form and wait until the next page has loaded."""
    page.goto(f"/signin/?next={next_path}" if next_path else "/signin/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin/" not in url)


SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def snap(page: Page, name: str) -> None:
    """Save a screenshot of an intermediate state as var/screenshots/<name>.png (the final state of every
    browser test is saved by the `page` fixture)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
