"""`/demo`: a host page that embeds the dashboards the way a real host does. Its server side
asks the integrator API for URLs with an API key; the page mounts them with embed.js.
Only mounted by `embedash demo` (it mints URLs for any customer, so never in production)."""
from __future__ import annotations

import html
import json

from flask import Blueprint, current_app, jsonify, request

from api.services import services
from data.customers import list_customers

bp = Blueprint("demo", __name__)
SHOWN = ("usage", "invoices", "commits_and_credits")  # `credits` is the same page, credits only

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Northwind Cloud · Billing</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f5f5f4;color:#1c1917}}
header{{background:#1c1917;color:#fafaf9;padding:14px 28px;display:flex;gap:24px;align-items:center}}
header b{{font-size:17px}} header form{{margin-left:auto}} select{{font:inherit;padding:4px 8px}}
main{{max-width:1100px;margin:24px auto;padding:0 20px}} h2{{font-size:15px;color:#57534e;margin:28px 0 8px}}
.frame{{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);overflow:hidden}}
</style></head>
<body><header><b>Northwind Cloud</b><span>Billing</span>
<form method="get"><label>Customer <select name="customer" onchange="this.form.submit()">{options}</select></label></form>
</header><main>{sections}</main>
<script src="/embed.js"></script>
<script>
const urls = {urls};
window.embedashMessages = [];
for (const [dashboard, url] of Object.entries(urls)) {{
  Embedash.mount(document.getElementById("embed-" + dashboard), {{
    url,
    refresh: () => fetch("/demo/url?customer={customer_q}&dashboard=" + dashboard).then(r => r.json()).then(b => b.url),
    onMessage: (message) => window.embedashMessages.push({{dashboard, ...message}}),  // for a look in the console
  }});
}}
</script></body></html>"""


def _embed_url(customer_id: str, dashboard: str) -> str:
    """Ask the integrator API, as a host's backend would (in-process, through the same route)."""
    key = services().config.api_keys[0]
    with current_app.test_client() as client:
        response = client.post(
            "/v1/dashboards/getEmbeddableUrl",
            json={"customer_id": customer_id, "dashboard": dashboard},
            headers={"Authorization": f"Bearer {key}"},
            base_url=request.host_url,
        )
    return response.get_json()["data"]["url"]


@bp.get("/demo")
def demo_page():
    customers = list_customers(services().store)
    if not customers:
        return "The store has no customers: run `embedash seed-demo` first.", 404
    chosen = request.args.get("customer") or customers[0].id
    if chosen not in {c.id for c in customers}:
        chosen = customers[0].id
    options = "".join(
        f'<option value="{html.escape(c.id)}"{" selected" if c.id == chosen else ""}>{html.escape(c.name)}</option>'
        for c in customers
    )
    sections = "".join(
        f'<h2>{d.replace("_and_", " & ").replace("_", " ").capitalize()}</h2><div class="frame" id="embed-{d}"></div>' for d in SHOWN
    )
    urls = {d: _embed_url(chosen, d) for d in SHOWN}
    return _PAGE.format(options=options, sections=sections, urls=json.dumps(urls).replace("</", "<\\/"),
                        customer_q=html.escape(chosen))


@bp.get("/demo/url")
def demo_url():
    return jsonify({"url": _embed_url(request.args.get("customer", ""), request.args.get("dashboard", "usage"))})
