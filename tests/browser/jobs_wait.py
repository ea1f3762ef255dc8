"""Waiting in the browser for an upload's background job to end."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

ENDED = ", ".join(f'#job[data-job-status="{s}"]' for s in ("done", "failed", "cancelled"))


def upload_finished(page: Page, timeout: float = 180_000) -> None:
    """After "Upload and load": the job's page, reloaded by its script once the job has
    ended (generous timeouts: a loaded test machine can take a while)."""
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"), timeout=60_000)
    expect(page.locator(ENDED)).to_be_attached(timeout=timeout)
