"""Signing in through the login form, as a person does."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def sign_in(
    page: Page, base: str, username: str, password: str, *, lands_on: str = r"/cases$"
) -> None:
    """Open the login page, sign in, and wait for the page the sign-in lands on."""
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(lands_on))
