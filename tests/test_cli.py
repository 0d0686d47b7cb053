"""The `embedash` command line."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from click.testing import CliRunner

from api.cli import main
from conftest import SECRET
from data import Store
from data.events import count_events, event_properties

SMALL = ["--customers", "3", "--days", "10", "--events", "2000"]


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("EMBEDASH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("EMBEDASH_SECRET_KEYS", SECRET)
    monkeypatch.setenv("EMBEDASH_API_KEYS", "k1")
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_seed_demo_writes_a_store_and_refuses_to_overwrite(env):
    db = str(env / "demo.duckdb")
    first = run("seed-demo", "--db", db, *SMALL)
    assert first.exit_code == 0 and "2,000 events" in first.output
    again = run("seed-demo", "--db", db, *SMALL)
    assert again.exit_code != 0 and "--force" in again.output
    assert run("seed-demo", "--db", db, *SMALL, "--force").exit_code == 0


def test_seed_demo_is_deterministic(env):
    totals = []
    for name in ("one", "two"):
        db = str(env / f"{name}.duckdb")
        run("seed-demo", "--db", db, *SMALL, "--seed", "3")
        store = Store(db)
        totals.append(event_properties(store))
        store.close()
    assert totals[0] == totals[1] and totals[0]


def test_url_prints_a_signed_url_validated_like_the_api(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    out = run("url", "acme-corp", "--db", db, "--color", "UsageLine_0=#f00", "--option", "default_window=60")
    assert out.exit_code == 0
    url = out.output.strip()
    assert url.startswith("http://127.0.0.1:8050/embed/usage?token=") and parse_qs(urlparse(url).query)["token"]
    bad = run("url", "acme-corp", "--db", db, "--color", "Teal=#f00")
    assert bad.exit_code != 0 and "color_overrides[0].name" in bad.output and "UsageLine_0" in bad.output
    missing = run("url", "nobody", "--db", db)
    assert missing.exit_code != 0 and "no customer" in missing.output


def test_serve_refuses_to_start_without_a_secret_key(env, monkeypatch):
    monkeypatch.delenv("EMBEDASH_SECRET_KEYS")
    out = run("serve", "--db", str(env / "x.duckdb"))
    assert out.exit_code != 0 and "EMBEDASH_SECRET_KEYS is missing" in out.output


@contextmanager
def serving(db: str):
    """`embedash serve` on a free port, in its own process; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "serve", "--db", db, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    try:
        line = proc.stdout.readline()
        yield re.search(r"at (http://\S+)", line).group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_url_asks_a_running_server_for_a_store_it_holds(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with serving(db) as base:
        locked = run("url", "acme-corp", "--db", db)
        assert locked.exit_code != 0 and "--server http://HOST:PORT" in locked.output
        out = run("url", "acme-corp", "--server", base, "--option", "default_window=60")
        assert out.exit_code == 0 and out.output.startswith(f"{base}/embed/usage?token=")
        assert requests.get(out.output.strip(), timeout=10).status_code == 200
        bad = run("url", "acme-corp", "--server", base, "--color", "Teal=#f00")
        assert bad.exit_code != 0 and "color_overrides[0].name" in bad.output and "UsageLine_0" in bad.output


def test_url_names_a_server_it_cannot_reach(env):
    out = run("url", "acme-corp", "--server", "http://127.0.0.1:9")
    assert out.exit_code != 0 and "cannot reach http://127.0.0.1:9" in out.output


class _NotEmbedash(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        status, body = (200, b"hello") if self.path.startswith("/ok") else (502, b'{"error": "bad gateway"}')
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("prefix, message", [("/ok", "did not answer like an embedash server"),
                                             ("/bad", "answered 502, not an embedash error")])
def test_url_says_when_a_server_is_not_embedash(env, prefix, message):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotEmbedash)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = run("url", "acme-corp", "--server", f"http://127.0.0.1:{server.server_port}{prefix}")
    finally:
        server.shutdown()
    assert out.exit_code != 0 and message in out.output


def test_serve_runs_waitress_and_answers(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with serving(db) as base:
        r = requests.get(f"{base}/healthz", timeout=10)
        assert r.status_code == 200 and r.headers["Server"] == "embedash"  # waitress, not Flask's dev server
        r = requests.get(f"{base}/v1/customers", headers={"Authorization": "Bearer k1"}, timeout=10)
        assert len(r.json()["data"]) == 3


def test_a_second_process_cannot_open_a_store_in_use(env):
    db = str(env / "busy.duckdb")
    holder = Store(db)
    try:
        code = "from data import Store\nfrom data.store import StoreLocked\ntry:\n Store(%r)\nexcept StoreLocked as e:\n print(e)" % db
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert "in use by another process" in out.stdout
    finally:
        holder.close()
    assert count_events(Store(db)) == 0
