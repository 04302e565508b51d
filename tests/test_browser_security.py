"""The cross-site check in a real browser: chromium itself sends the Sec-Fetch-Site and Origin
headers the rule reads, so a page on another site cannot post to backcare, while backcare's own
forms keep working (the rest of tests/test_browser.py)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.test_browser import base, browser, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def entries(base_url: str) -> int:
    with urllib.request.urlopen(f"{base_url}/api/v1/diary/entries") as r:
        return int(json.load(r)["count"])


EVIL_PAGES: dict[str, str] = {}


class EvilSite(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = EVIL_PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def evil() -> Iterator[str]:
    """Another website on this machine, at ``localhost``: a different site from ``127.0.0.1``
    where backcare runs (and, on this machine too, not held back by chromium's private-network
    rules, so its requests really reach backcare)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EvilSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_a_form_on_another_site_cannot_post_to_backcare(base: str, page: Any, evil: str) -> None:  # noqa: F811
    before = entries(base)
    form = (
        f'<form id=f method=post action="{base}/diary"><input name=pain value=9>'
        "<input name=note value=forged><input name=tz value=UTC></form>"
    )
    EVIL_PAGES["/prize"] = f"<!doctype html><title>prize</title>{form}"
    page.goto(f"{evil}/prize")
    with page.expect_response(f"{base}/diary") as answer:
        page.evaluate("document.getElementById('f').submit()")
    assert answer.value.status == 403
    page.wait_for_selector("text=This form was not accepted")
    assert entries(base) == before


def test_a_script_on_another_site_cannot_post_to_the_api(base: str, page: Any, evil: str) -> None:  # noqa: F811
    before = entries(base)
    EVIL_PAGES["/news"] = "<!doctype html><title>news</title><p>hello"
    page.goto(f"{evil}/news")
    with page.expect_response(f"{base}/api/v1/diary/episodes") as answer:
        page.evaluate(
            """async (url) => {
                await fetch(url, {method: "POST", mode: "no-cors", credentials: "include",
                                  headers: {"content-type": "text/plain"}, body: '{"pain": 9}'});
            }""",
            f"{base}/api/v1/diary/episodes",
        )
    assert answer.value.status == 403  # refused by backcare, seen on the wire (the page cannot read it)
    assert entries(base) == before


def test_backcares_own_form_still_saves(base: str, page: Any) -> None:  # noqa: F811
    before = entries(base)
    page.goto(f"{base}/diary")
    page.click(".scale label.pain-4")
    page.check("input[name=locations][value=lower]")
    page.click("text=Save entry")
    page.wait_for_selector("text=pain 4/10")
    assert entries(base) == before + 1
