"""What every page and API route shares: settings, the store, templates and the current person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backcare import __version__, service
from backcare.config import Settings
from backcare.domain import EMERGENCY_NUMBER
from backcare.service import sessions, shown_answer
from backcare.service.check import plan_groups
from backcare.service.diary import LOCAL_USER, DiaryService, Store
from backcare.service.diary_view import Banner

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals["shown_answer"] = shown_answer
TEMPLATES.globals["plan_groups"] = plan_groups


@dataclass
class Web:
    settings: Settings
    store: Store


def web(request: Request) -> Web:
    state: Web = request.app.state.web
    return state


_UNKNOWN = object()
SESSION_KEY = "sid"  # the cookie's session id; the account is found through the sessions table


def current_user(request: Request) -> str | None:
    """The signed-in person (server mode) or the single local person. In server mode a cookie
    whose session is unknown, expired, revoked or whose account is gone counts as signed out,
    and the cookie is cleared."""
    w = web(request)
    if w.settings.mode == "local":
        return LOCAL_USER
    cached = getattr(request.state, "signed_in", _UNKNOWN)
    if cached is not _UNKNOWN:
        return str(cached) if cached is not None else None
    user = sessions.signed_in(w.store, request.session.get(SESSION_KEY))
    if user is None and (SESSION_KEY in request.session or "user" in request.session):
        request.session.clear()  # a stale session (or one from before server-side sessions)
    request.state.signed_in = user
    return user


def sign_in(request: Request, name: str) -> None:
    """A new session for ``name``; only the check in progress carries over from before."""
    draft = request.session.get("check")
    request.session.clear()
    request.session[SESSION_KEY] = sessions.start(web(request).store, name)
    if draft:
        request.session["check"] = draft
    request.state.signed_in = name


def sign_out(request: Request) -> None:
    if web(request).settings.mode == "server":
        sessions.revoke(web(request).store, request.session.get(SESSION_KEY))
    request.session.clear()
    request.state.signed_in = None


def require_user(request: Request) -> str:
    user = current_user(request)
    if user is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "sign in first (POST /account/login)")
        raise HTTPException(303, "sign in first", headers={"Location": f"/account/login?next={request.url.path}"})
    return user


def diary_for(request: Request) -> DiaryService:
    w = web(request)
    return DiaryService(w.store, w.settings.jurisdiction, user=require_user(request))


def is_admin(request: Request) -> bool:
    from backcare.service.community import is_admin as admin

    user = current_user(request)
    if user is None:
        return False
    return web(request).settings.mode == "local" or admin(web(request).store, user)


# The pages that show an urgent diary alert at their top (base.html includes the banner): the
# result, the plan and the pages around them, so none of them shows a calmer answer alone.
BANNER_PAGES = frozenset(
    {"home.html", "plan.html", "result.html", "emergency.html", "checks.html", "prevent.html", "report.html"}
)


def diary_banner(request: Request) -> Banner | None:
    """The signed-in person's urgent diary alert as a page banner (never for the API)."""
    user = current_user(request)
    if user is None:
        return None
    w = web(request)
    return DiaryService(w.store, w.settings.jurisdiction, user=user).banner()


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    w = web(request)
    banner = diary_banner(request) if template in BANNER_PAGES and status < 400 else None
    values = {
        "request": request,
        "user": current_user(request),
        "mode": w.settings.mode,
        "jurisdiction": w.settings.jurisdiction.value,
        "emergency_number": EMERGENCY_NUMBER[w.settings.jurisdiction],
        "intended_use": service.INTENDED_USE,
        "version": __version__,
        "path": request.url.path,
        "now": datetime.now(),
        "banner": banner,
        **(context or {}),
    }
    html = TEMPLATES.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
