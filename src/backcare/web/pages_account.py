"""Accounts (server mode only): register, sign in, sign out, and delete the account with its data
after offering an export."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backcare.service import community
from backcare.web.context import render, require_user, sign_in, sign_out, web

router = APIRouter(include_in_schema=False)


def _server_only(request: Request) -> None:
    if web(request).settings.mode != "server":
        raise HTTPException(404, "This backcare runs in local mode for one person: there are no accounts.")


def _client(request: Request) -> str:
    """The address the rate limits count against: the peer, or behind a trusted reverse proxy the
    address it forwards (uvicorn's proxy headers; see docs/server.md)."""
    return request.client.host if request.client else "unknown"


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/account/register", response_class=HTMLResponse)
def register_form(request: Request) -> HTMLResponse:
    _server_only(request)
    return render(request, "register.html", {"errors": {}, "form": {}})


@router.post("/account/register", response_class=HTMLResponse)
def register(request: Request, username: str = Form(""), password: str = Form(""), confirm: str = Form("")) -> Response:
    _server_only(request)
    try:
        community.register(web(request).store, username.strip(), password, confirm, _client(request))
    except community.TooManyAttempts:
        errors = {"form": "Too many new accounts from this address. Please try again in an hour."}
        return render(request, "register.html", {"errors": errors, "form": {"username": username}}, status=429)
    except community.FormErrors as exc:
        return render(request, "register.html", {"errors": exc.errors, "form": {"username": username}}, status=400)
    sign_in(request, username.strip())  # a new session; only the check in progress carries over
    return RedirectResponse("/?account=created", status_code=303)


@router.get("/account/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    _server_only(request)
    return render(request, "login.html", {"error": "", "next": _safe_next(next), "form": {}})


@router.post("/account/login", response_class=HTMLResponse)
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    _server_only(request)
    try:
        ok = community.authenticate(web(request).store, username.strip(), password, _client(request))
    except community.TooManyAttempts:
        return render(
            request,
            "login.html",
            {
                "error": "Too many attempts. Please wait 15 minutes and try again.",
                "next": _safe_next(next),
                "form": {"username": username},
            },
            status=429,
        )
    if not ok:
        return render(
            request,
            "login.html",
            {
                "error": "That name and password do not match.",
                "next": _safe_next(next),
                "form": {"username": username},
            },
            status=400,
        )
    sign_in(request, username.strip())  # a new session; only the check in progress carries over
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/account/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/?account=signed-out", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request) -> HTMLResponse:
    _server_only(request)
    changed = request.query_params.get("password") == "changed"
    return render(request, "account.html", {"name": require_user(request), "error": "", "changed": changed})


@router.post("/account/delete", response_class=HTMLResponse)
def delete_account(request: Request, confirm: str = Form("")) -> Response:
    _server_only(request)
    name = require_user(request)
    if confirm.strip() != name:
        return render(request, "account.html", {"name": name, "error": "Type your user name to confirm."}, status=400)
    community.delete_account(web(request).store, name)
    sign_out(request)
    return RedirectResponse("/?account=deleted", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request) -> HTMLResponse:
    _server_only(request)
    require_user(request)
    return render(request, "password.html", {"errors": {}})


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, current: str = Form(""), new: str = Form(""), confirm: str = Form("")
) -> Response:
    """Needs the current password; signs out every other browser and starts a new session here."""
    _server_only(request)
    name = require_user(request)
    try:
        community.change_password(web(request).store, name, current, new, confirm)
    except community.TooManyAttempts:
        errors = {"current": "Too many attempts. Please wait 15 minutes and try again."}
        return render(request, "password.html", {"errors": errors}, status=429)
    except community.FormErrors as exc:
        return render(request, "password.html", {"errors": exc.errors}, status=400)
    sign_in(request, name)
    return RedirectResponse("/account?password=changed", status_code=303)
