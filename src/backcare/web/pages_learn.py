"""Learn pages: articles with sources, reading time, views and read-next links, and reader
comments held for moderation (email required, never shown)."""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt

from backcare import service
from backcare.service import community
from backcare.service.community import CITATION
from backcare.web.context import is_admin, render, web

router = APIRouter(include_in_schema=False)
# Articles are our own data, but raw HTML stays off anyway: the page CSP forbids inline script.
MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _html(body: str, numbers: dict[str, int]) -> str:
    html = MARKDOWN.render(body)

    # Source ids are internal names: a reader sees [1, 2] as superscript links to the numbered list.
    def marker(m: re.Match[str]) -> str:
        ids = [i.strip() for i in re.split(r"[;,]", m.group(1))]
        if not all(i in numbers for i in ids):
            return m.group(0)  # not a citation (the lint refuses an unknown source in one)
        links = ", ".join(f'<a href="#src-{numbers[i]}">{numbers[i]}</a>' for i in ids)
        return f'<sup class="cite">[{links}]</sup>'

    return CITATION.sub(marker, html)


@router.get("/learn", response_class=HTMLResponse)
def learn_index(request: Request) -> HTMLResponse:
    views = community.view_counts(web(request).store)
    articles = community.articles_in(web(request).settings.jurisdiction)
    return render(request, "learn_index.html", {"articles": list(articles.values()), "views": views})


def _article_page(
    request: Request,
    slug: str,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
    notice: str = "",
    count: bool = True,
) -> HTMLResponse:
    articles = community.articles_in(web(request).settings.jurisdiction)
    article = articles.get(slug)
    if article is None:
        raise HTTPException(404, "No such article.")
    store = web(request).store
    views = community.count_view(store, slug) if count else community.view_counts(store).get(slug, 0)
    known = service.engine().kb.sources
    order = [s for s in article.source_order() if s in known]
    numbers = {s: n for n, s in enumerate(order, 1)}
    # Shown like the result page's sources: the document's title, linked to the publisher's page.
    sources = [(numbers[s], known[s].title, known[s].canonical_url or known[s].url) for s in order]
    read_next = [articles[s] for s in article.meta.read_next if s in articles]
    return render(
        request,
        "learn_article.html",
        {
            "article": article,
            "html": _html(article.body, numbers),
            "views": views,
            "sources": sources,
            "read_next": read_next,
            "comments": community.approved_comments(store, slug),
            "errors": errors or {},
            "form": form or {},
            "notice": notice,
            "started": str(int(time.time())),  # floored, so the wait measured is never overstated
        },
        status=status,
    )


@router.get("/learn/{slug}", response_class=HTMLResponse)
def learn_article(request: Request, slug: str, notice: str = "") -> HTMLResponse:
    return _article_page(request, slug, notice=notice)


@router.post("/learn/{slug}/comments", response_class=HTMLResponse)
def learn_comment(
    request: Request,
    slug: str,
    name: str = Form(""),
    email: str = Form(""),
    body: str = Form(""),
    website: str = Form(""),
    started: str = Form(""),
) -> Response:
    try:
        started_at = float(started) if started else None
    except ValueError:
        started_at = None
    try:
        community.submit_comment(web(request).store, slug, name, email, body, website, started_at)
    except community.FormErrors as exc:
        form = {"name": name, "email": email, "body": body}
        return _article_page(request, slug, exc.errors, form, status=400, count=False)
    return RedirectResponse(f"/learn/{slug}?notice=held#comments", status_code=303)


@router.get("/admin/comments", response_class=HTMLResponse)
def moderation(request: Request) -> HTMLResponse:
    if not is_admin(request):
        raise HTTPException(403, "Only a moderator can see this page.")
    return render(request, "moderate.html", {"pending": community.pending_comments(web(request).store)})


@router.post("/admin/comments/{comment_id}")
def moderate(request: Request, comment_id: str, decision: str = Form(...)) -> Response:
    if not is_admin(request):
        raise HTTPException(403, "Only a moderator can do this.")
    if decision not in ("approve", "reject"):
        raise HTTPException(400, "Choose approve or reject.")
    if not community.moderate(web(request).store, comment_id, decision == "approve"):
        raise HTTPException(404, "No such comment.")
    return RedirectResponse("/admin/comments", status_code=303)
