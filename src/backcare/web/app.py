"""The web app factory: FastAPI pages and REST API over the same service layer as the CLI.

``create_app`` does no work at import time and reads no environment: the ``serve`` entry point
passes ``Settings`` in. Local mode serves one person without accounts; server mode adds accounts,
and any number of workers can share one PostgreSQL database (the signed session cookie holds a
session id whose record, like the rate limits, lives in the database).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcare import __version__
from backcare.config import Settings
from backcare.service import community, sessions
from backcare.service.diary import Store
from backcare.web import api, pages_account, pages_check, pages_diary, pages_learn
from backcare.web.context import Web, render
from backcare.web.cross_site import CrossOriginProtection
from backcare.web.limits import RequestLimits, SignedInImports

STATIC = Path(__file__).parent / "static"
LOOPBACK = ["127.0.0.1", "localhost", "[::1]", "::1"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every response (pages, API, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, add_headers)


def create_app(settings: Settings, store: Store, secret: str | None = None) -> ASGIApp:
    """``secret`` signs the session cookie: the server's key, or (local mode) one kept beside
    the database by the composition root; without one, a fresh secret for this process."""
    if settings.mode == "server" and not settings.secret_key:
        raise ValueError("server mode needs BACKCARE_SECRET_KEY (the same value on every worker)")
    secret = secret or settings.secret_key or secrets.token_urlsafe(48)
    app = FastAPI(
        title="backcare API",
        version=__version__,
        description="Back pain triage, self-care plan, diary and records. Not a diagnosis; not for emergencies.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = Web(settings=settings, store=store)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages_check, pages_diary, pages_learn, pages_account):
        app.include_router(module.router)
    app.include_router(api.router)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:  # sync: render() may query the DB
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": exc.status_code, "message": str(exc.detail)}}, exc.status_code)
        if exc.status_code in (302, 303) and exc.headers:
            return Response(status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", {"status": exc.status_code, "message": exc.detail}, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": 422, "message": "invalid request", "problems": problems}}, 422)
        return render(request, "error.html", {"status": 400, "message": "; ".join(problems)}, status=400)

    @app.exception_handler(community.Busy)
    async def busy(request: Request, exc: community.Busy) -> Response:
        message = "The server is busy checking passwords. Please try again in a few seconds."
        retry = {"retry-after": "5"}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": 503, "message": message}}, 503, headers=retry)
        page = render(request, "error.html", {"status": 503, "message": message}, status=503)
        page.headers.update(retry)
        return page

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        # Rendered on the server from the OpenAPI document: the stock Swagger page loads its
        # script from a CDN, which the CSP (and an offline machine) would block.
        return render(request, "api_docs.html", {"spec": app.openapi()})

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> HTMLResponse:
        return HTMLResponse(status_code=204)

    # In server mode the import upload is read only once the session names a live account.
    gated = SignedInImports(app, lambda sid: sessions.signed_in(store, sid)) if settings.mode == "server" else app
    session = SessionMiddleware(
        gated,
        secret_key=secret,
        session_cookie="backcare_session",
        same_site="lax",
        https_only=settings.mode == "server" and settings.secure_cookies,
    )
    # DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach local data.
    hosts = (
        list(settings.allowed_hosts) if settings.allowed_hosts else (["*"] if settings.mode == "server" else LOOPBACK)
    )
    # Outside in: the host check, the cross-site check (headers only, so a forged upload is refused
    # before a byte of it is read), then size and NUL limits, then the sessions.
    return SecurityHeaders(TrustedHostMiddleware(CrossOriginProtection(RequestLimits(session)), allowed_hosts=hosts))
