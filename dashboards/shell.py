"""The page shell every dashboard shares: the token gate in front of the page, the themed
denial page, the theme injected into the page head, and the router callback.

The browser never names a customer: every callback re-verifies the token from the page URL
and takes the customer from its claims.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import DependencyException
from flask import Flask, g, request
from werkzeug.exceptions import NotFound

from dashboards.formatting import parsed
from dashboards.options import DASHBOARDS, option_value
from data import Store
from data.customers import get_customer
from data.models import Customer
from theme import css_variables, palette

log = logging.getLogger("embedash.embed")
ASSETS = str(Path(__file__).with_name("assets"))
PREFIX = "/embed/"

# verify(token) -> claims with .customer_id, .dashboard, .options, .colors, .group_overrides;
# raises PermissionError (with .status and optionally .claims) when the token is no good.
Verifier = Callable[[str | None], Any]


@dataclass(frozen=True)
class EmbedDeps:
    store: Store
    verify: Verifier
    # Runs a render's independent queries side by side (DuckDB releases the GIL while it works).
    queries: Executor = field(default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="embedash-query"))


@dataclass(frozen=True)
class Look:
    """How a token's pages look and where they are: palette, font, time zone and locale."""

    colors: dict[str, str]
    font: str
    tz: str
    locale: str


def look_of(claims: Any | None, customer: Customer | None = None) -> Look:
    """The preset the token chose with its colour overrides on top; its zone and locale,
    else the customer's own."""
    if claims is None:
        return Look(palette({}), "system", "UTC", "en_US")
    name, options = claims.dashboard, claims.options
    colors = palette(claims.colors, preset=option_value(name, options, "theme"))
    return Look(
        colors=colors,
        font=option_value(name, options, "font_family"),
        tz=option_value(name, options, "timezone") or (customer.timezone if customer else "UTC"),
        locale=option_value(name, options, "locale") or (customer.locale if customer else "en_US"),
    )


def page_language(locale: str) -> str:
    """The `lang` of a page, from its locale (`en` for en_US, `zh-Hant` for zh_Hant_TW): a screen
    reader then reads its numbers, money and dates, formatted in that locale, in its language."""
    language = parsed(locale)
    return "-".join(filter(None, (language.language, language.script)))


def token_from_search(search: Any) -> str | None:
    if not isinstance(search, str):  # sent by the browser, so whatever a request says
        return None
    values = parse_qs(search.lstrip("?")).get("token")
    return values[0] if values else None


def verified(deps: EmbedDeps, search: str | None, *dashboards: str) -> Any | None:
    """The claims of the page's token if it is still good and for one of these dashboards, else
    None, with why kept for `refused_notice` (in this request's `g`)."""
    try:
        claims = deps.verify(token_from_search(search))
    except PermissionError as exc:
        log.info("callback refused: %s", exc)
        g.embed_refusal = (getattr(exc, "status", 401), getattr(exc, "expired", False))
        return None
    if claims.dashboard not in dashboards:
        g.embed_refusal = (403, False)
        return None
    return claims


RELOAD_HINT = "Reload the page you came from to see this dashboard again."


def denied_title(status: int, *, expired: bool = False) -> str:
    """401: a link that has expired, or one that never was good (missing, forged, cut short or
    signed with another key: said so, so an integrator does not go looking for a clock);
    403: a link that was good and is no more (revoked, or for another dashboard); 404."""
    if status == 403:
        return "This link is no longer valid"
    if status == 404:
        return "No such dashboard"
    return "This link has expired" if expired else "This link is not valid"  # 401, and any refusal without a status


def refused_notice() -> html.Div:
    """What a page shows in place of data once its token stops working, saying why as the gate
    would (frame.js tells the host by the class): why `verified` refused it in this request; a
    token it took whose customer is no longer there is no longer valid."""
    status, expired = g.get("embed_refusal", (403, False))
    return html.Div([html.H2(denied_title(status, expired=expired)), html.P(RELOAD_HINT)], className="eb-expired eb-denied")


_DENIED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>{title}</title>
<style>{css}
body{{margin:0;font-family:var(--eb-font);background:var(--eb-white);color:var(--eb-gray-dark)}}
.eb-denied{{padding:32px;text-align:center}} h2{{margin:0 0 8px;color:var(--eb-primary-red);font-size:18px}}
p{{margin:0;color:var(--eb-gray-medium);font-size:14px}}</style></head>
<body><div class="eb-denied"><h2>{title}</h2><p>{message}</p></div>{script}
</body></html>"""
# A new link can mend a 401 or 403; a 404 (no such dashboard) it cannot, so only those ask for one.
_ASK_FOR_A_NEW_LINK = '<script>window.parent!==window&&window.parent.postMessage({type:"embedash:expired"},"*");</script>'


def denied_page(status: int, claims: Any | None = None, *, expired: bool = False) -> tuple[str, int, dict[str, str]]:
    """The page the gate answers a refused link with: its title as `denied_title` says."""
    look = look_of(claims if claims is not None and claims.dashboard in DASHBOARDS else None)
    body = _DENIED.format(title=denied_title(status, expired=expired), message=RELOAD_HINT,
                          css=css_variables(look.colors, look.font), script=_ASK_FOR_A_NEW_LINK if status in (401, 403) else "")
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


class EmbedDash(dash.Dash):
    """Dash with the verified token's palette written into the page head, so the first paint is
    themed, and the language of its locale on <html>; without the server's Python version in
    the page's config; and with a 404 for a script it does not serve."""

    def init_app(self, app: Any = None, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        # Dash raises this for a `_dash-component-suites/` path it has not registered: a 404,
        # not a 500 with a traceback in the log.
        self.server.register_error_handler(DependencyException, lambda _: NotFound().get_response())

    def _config(self) -> dict:
        config = super()._config()
        config.pop("python_version", None)  # the renderer needs none of it; it only tells every viewer the build
        return config

    def interpolate_index(self, **kwargs: Any) -> str:
        page = super().interpolate_index(**kwargs)
        look = g.get("embed_look") or look_of(None)
        style = f'<style id="eb-theme">{css_variables(look.colors, look.font)}</style>'
        page = page.replace("<html", f'<html lang="{page_language(look.locale)}"', 1)
        return page.replace("</head>", f'<meta name="referrer" content="no-referrer">{style}</head>', 1)


def install_gate(server: Flask, deps: EmbedDeps) -> None:
    """Verify the token before a dashboard page is served; refuse with the denial page."""

    @server.before_request
    def _gate():
        path = request.path
        if not path.startswith(PREFIX):
            return None
        name = path[len(PREFIX):]
        if name.startswith(("_", "assets/")):  # Dash's own endpoints; callbacks verify for themselves
            return None
        if name not in DASHBOARDS:
            return denied_page(404)
        try:
            claims = deps.verify(request.args.get("token"))
        except PermissionError as exc:
            log.info("page refused: %s", exc)
            return denied_page(getattr(exc, "status", 401), getattr(exc, "claims", None),
                               expired=getattr(exc, "expired", False))
        if claims.dashboard != name:
            return denied_page(403, claims)
        g.embed_look = look_of(claims, get_customer(deps.store, claims.customer_id))
        return None


def shell_layout() -> html.Div:
    return html.Div([dcc.Location(id="eb-url", refresh=False), html.Div(id="eb-page")], className="eb-root")


def view_state(fragment: str | None) -> dict[str, str]:
    """What a page was showing before its link was refreshed (`#window=90&group_by=region`,
    added by embed.js). Only a starting point: each page keeps what is valid for it."""
    return {k: v[0] for k, v in parse_qs(fragment.lstrip("#") if isinstance(fragment, str) else "").items()}


def register_router(app: dash.Dash, deps: EmbedDeps, pages: dict[str, Any]) -> None:
    """`pages`: dashboard name -> its module, whose `layout(claims, deps, state)` renders it."""
    @app.callback(Output("eb-page", "children"), Input("eb-url", "pathname"), Input("eb-url", "search"),
                  State("eb-url", "hash"))
    def _route(pathname: str | None, search: str | None, fragment: str | None):
        name = pathname[len(PREFIX):] if isinstance(pathname, str) else ""
        claims = verified(deps, search, name)
        if claims is None or name not in pages:
            return refused_notice()
        return pages[name].layout(claims, deps, view_state(fragment))
