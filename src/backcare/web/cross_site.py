"""Cross-site request forgery protection from the headers browsers send (no tokens).

The rule, for every method that can change something (anything but GET, HEAD, OPTIONS), on pages
and API alike, decided before any of the body is read:

1. ``Sec-Fetch-Site`` present (every current browser sends it): accept ``same-origin`` and
   ``none`` (the person typed the address or used a bookmark); refuse ``cross-site`` and
   ``same-site``. Same-site is refused too: it means another origin under the same registrable
   domain (``blog.clinic.example`` posting to ``backcare.clinic.example``, or another port on
   this machine in local mode), which backcare has no reason to trust with someone's health data.
2. Otherwise ``Origin`` present (older browsers on cross-origin and most same-origin POSTs):
   accept only if its host and port are this request's ``Host``; ``Origin: null`` is refused.
3. Neither header: not a browser form or ``fetch`` (browsers send at least ``Origin`` across
   sites). Accept it only if it carries no cookies, so a program talking to the API works with
   no ceremony, while a request that could ride on a signed-in browser's cookies must say where it
   comes from. A script that signs in with a cookie sends ``Origin: http(s)://<this host>``.

This is the rule of Go's ``net/http.CrossOriginProtection`` and of datasette, plus rule 3's
cookie condition. It holds for multipart uploads and malformed bodies alike, because it never
parses the body. (The session cookie is also ``SameSite=Lax``: browsers that know SameSite do not
send it on a cross-site POST in the first place.)
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refusal(method: str, headers: dict[bytes, bytes]) -> str | None:
    """Why this request is refused as cross-site, or None to let it through."""
    if method in SAFE_METHODS:
        return None
    site = headers.get(b"sec-fetch-site")
    if site is not None:
        if site.strip().lower() in (b"same-origin", b"none"):
            return None
        return "it was sent from another website"
    origin = headers.get(b"origin")
    if origin is not None:
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        try:
            origin_host = urlsplit(origin.decode("latin-1").strip()).netloc.lower()
        except ValueError:
            origin_host = ""
        if host and origin_host == host:
            return None
        return "it was sent from another website"
    if b"cookie" in headers:
        return "it carries cookies but does not say which site sent it (send an Origin header)"
    return None


async def refuse(scope: Scope, send: Send, reason: str) -> None:
    """403: JSON under /api/, a plain page otherwise (sent before the app or the body is touched)."""
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps({"error": {"status": 403, "message": f"cross-site request refused: {reason}"}}).encode()
        kind = b"application/json"
    else:
        body = (
            b"<!doctype html><html lang=en><meta charset=utf-8><title>Not accepted from another website</title>"
            b"<link rel=stylesheet href=/static/css/app.css><main><h1>This form was not accepted</h1>"
            b"<p>For your safety, backcare only accepts forms sent from its own pages, and this one came from "
            b"somewhere else. Nothing was changed.</p><p>If you were using backcare, open it again from its own "
            b"address and try once more.</p><p><a href=/>Back to the start</a></p></main>"
        )
        kind = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the body was not read, so the connection cannot be reused
        (b"vary", b"Origin, Sec-Fetch-Site"),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CrossOriginProtection:
    """ASGI middleware applying ``refusal`` to every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            reason = refusal(str(scope.get("method", "GET")).upper(), dict(scope.get("headers") or []))
            if reason is not None:
                await refuse(scope, send, reason)
                return
        await self.app(scope, receive, send)
