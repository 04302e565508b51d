"""Request limits applied before anything parses a request: body size and NUL characters.

``RequestLimits`` is ASGI middleware outside the CSRF check, the sessions and FastAPI, so a
100 MB sign-in form is refused after reading at most the limit (at once, when Content-Length says
so), and a NUL character, which PostgreSQL cannot store in text, is refused with a message
rather than failing deep in a query. Ordinary bodies are small: they are read whole here, checked,
and handed on. The import upload may be larger; it is streamed on and counted as it goes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcare.service.entries import NUL, clip, nul_paths
from backcare.web.context import SESSION_KEY

BODY_LIMIT = 64 * 1024
"""Forms and API bodies: the largest real one (a 5,000-character note in emoji, percent-encoded)
is about 60 KB; an assessment with every question answered is about 10 KB."""
IMPORT_LIMIT = 16 * 1024 * 1024
"""The JSON import upload: about 50,000 diary entries, or 400 saved checks with their results.
``backcare import FILE`` in the terminal takes up to 64 MB."""
IMPORT_PATHS = frozenset({"/import", "/api/v1/import"})

# A JSON escape for U+0000 that is not itself escaped (an even number of backslashes before it).
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_MESSAGE = NUL


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


class TooLarge(Exception):
    """The body passed its limit while the app was reading it."""


async def _refuse(scope: Scope, send: Send, status: int, message: str, problems: list[str], title: str) -> None:
    """A small answer sent before the app saw the request: JSON under /api/, a plain page otherwise."""
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps({"error": {"status": status, "message": message, "problems": problems}}).encode()
        kind = b"application/json"
    else:
        from html import escape

        items = "".join(f"<li>{escape(p)}</li>" for p in problems)
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>" + escape(title) + "</title>"
            "<link rel=stylesheet href=/static/css/app.css><main><h1>" + escape(title) + "</h1>"
            "<p>" + escape(message) + "</p>" + (f"<ul>{items}</ul>" if items else "") + "<p>Go back, change it and "
            "try again.</p><p><a href=/>Back to the start</a></p></main>"
        ).encode()
        kind = b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if status in (401, 413, 415):  # the rest of the body is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def too_large(scope: Scope, send: Send, limit: int) -> None:
    await _refuse(
        scope,
        send,
        413,
        f"The request is larger than backcare accepts here ({_size(limit)}).",
        [],
        "That was too large",
    )


async def has_nul(scope: Scope, send: Send, problems: list[str]) -> None:
    api = str(scope.get("path", "")).startswith("/api/")
    await _refuse(
        scope,
        send,
        422 if api else 400,
        f"The request {NUL_MESSAGE}; remove it and try again.",
        problems,
        "Something is not right",
    )


def nul_problems(body: bytes, content_type: str) -> list[str] | None:
    """Where the body carries a NUL character (as "field: message" lines), or None if it does not.

    A form encodes NUL as %00 (a literal % is %25), JSON as \\u0000; a raw zero byte is NUL in
    any text (and a sign of UTF-16, which backcare does not accept either)."""
    form = content_type.startswith("application/x-www-form-urlencoded")
    if b"\x00" in body:
        return [f"body: {NUL_MESSAGE} (send UTF-8 text)"]
    if form and b"%00" in body:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        names = dict.fromkeys(clip(k.replace("\x00", "\\u0000")) for k, v in pairs if "\x00" in k + v)
        return [f"{n}: {NUL_MESSAGE}" for n in list(names)[:20]] or [f"form: {NUL_MESSAGE}"]
    if not form and JSON_NUL.search(body):
        try:
            where = nul_paths(json.loads(body))
        except (ValueError, RecursionError):
            where = []
        return [f"{w}: {NUL_MESSAGE}" for w in where[:20]] or [f"body: {NUL_MESSAGE}"]
    return None


class RequestLimits:
    """Body-size limits (413), multipart bodies outside the import (415) and NUL refusal (422 for
    the API, 400 for pages) before parsing."""

    def __init__(self, app: ASGIApp, body_limit: int = BODY_LIMIT, import_limit: int = IMPORT_LIMIT) -> None:
        self.app = app
        self.body_limit = body_limit
        self.import_limit = import_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            await has_nul(scope, send, [f"address: {NUL_MESSAGE}"])
            return
        headers = dict(scope.get("headers") or [])
        streamed = path in IMPORT_PATHS
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind == b"multipart/form-data" and not streamed and scope.get("method") not in ("GET", "HEAD"):
            # Only the import form uploads a file; elsewhere a multipart body would only be parsed
            # (and spooled to disk) to be ignored.
            await _refuse(
                scope,
                send,
                415,
                "Files can only be sent to the import form; this address takes a plain form or JSON.",
                [],
                "Not accepted here",
            )
            return
        limit = self.import_limit if streamed else self.body_limit
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await too_large(scope, send, limit)
            return
        if streamed:
            await self._streamed(scope, receive, send, limit)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending the body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(scope, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problems = nul_problems(body, headers.get(b"content-type", b"").decode("latin-1").lower()) if body else None
        if problems is not None:
            await has_nul(scope, send, problems)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count the body as the app reads it; past the limit, stop it and answer 413 instead."""
        size, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal size, over
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    over = True
                    raise TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # whatever the app answers to a cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await too_large(scope, send, limit)


class SignedInImports:
    """Server mode: the import upload (up to ``IMPORT_LIMIT``) is read only for a signed-in person.

    Sits between the sessions and the app, so it sees the session but nothing has read the body
    yet: without a live session the request is answered at once (401 for the API, a redirect to
    sign in for the page) and the upload is never parsed or spooled to disk. The cross-site check
    runs before this, outside the size limits."""

    def __init__(self, app: ASGIApp, signed_in: Callable[[object], str | None]) -> None:
        self.app = app
        self.signed_in = signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in IMPORT_PATHS:
            session = scope.get("session") or {}
            if await run_in_threadpool(self.signed_in, session.get(SESSION_KEY)) is None:
                if str(scope["path"]).startswith("/api/"):
                    await _refuse(scope, send, 401, "sign in first (POST /account/login)", [], "Sign in first")
                else:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 303,
                            "headers": [
                                (b"location", b"/account/login?next=/report"),
                                (b"content-length", b"0"),
                                (b"connection", b"close"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
