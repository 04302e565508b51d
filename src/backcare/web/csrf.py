"""The CSRF check for the one form asgi-csrf cannot read (the multipart import upload).

It is asgi-csrf's own double-submit rule, applied to the parsed form: the hidden ``csrftoken``
field must equal the ``csrftoken`` cookie, and the cookie must carry the app's signature.
"""

from __future__ import annotations

import secrets

from asgi_csrf import DEFAULT_SIGNING_NAMESPACE
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeSerializer


def check_form_token(request: Request, field: object) -> None:
    cookie = request.cookies.get("csrftoken", "")
    if not cookie or not isinstance(field, str) or not secrets.compare_digest(cookie, field):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")
    try:
        URLSafeSerializer(request.app.state.csrf_secret).loads(cookie, DEFAULT_SIGNING_NAMESPACE)
    except BadSignature:
        raise HTTPException(403, "This form has expired. Reload the page and try again.") from None
