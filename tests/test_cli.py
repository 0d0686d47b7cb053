"""The `embedash` command line."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

import duckdb
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
    out = url_from_server(_NotEmbedash, prefix)
    assert out.exit_code != 0 and message in out.output


def url_from_server(handler, prefix: str = ""):
    """`embedash url acme-corp --server` against a stand-in server that answers with `handler`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return run("url", "acme-corp", "--server", f"http://127.0.0.1:{server.server_port}{prefix}")
    finally:
        server.shutdown()


def test_serve_runs_waitress_and_answers(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with serving(db) as base:
        r = requests.get(f"{base}/healthz", timeout=10)
        assert r.status_code == 200 and r.headers["Server"] == "embedash"  # waitress, not Flask's dev server
        r = requests.get(f"{base}/v1/customers", headers={"Authorization": "Bearer k1"}, timeout=10)
        assert len(r.json()["data"]) == 3


def test_serve_logs_a_refused_link_as_one_utc_stamped_line(env, tmp_path):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    log = tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        proc = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "serve", "--db", db, "--port", "0"],
                                stdout=subprocess.PIPE, stderr=stderr, text=True, env=os.environ.copy())
        try:
            base = re.search(r"at (http://\S+)", proc.stdout.readline()).group(1)
            assert requests.get(f"{base}/embed/usage?token=forged", timeout=10).status_code == 401
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}Z INFO embedash\.embed: page refused: bad signature$",
                     log.read_text(), re.MULTILINE), log.read_text()


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


@contextmanager
def held(db: str):
    """The store open in another process, as a running server holds it, until the block ends."""
    code = f"from data import Store\nimport sys\ns = Store({db!r})\nprint('open', flush=True)\nsys.stdin.read()\ns.close()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_seed_demo_force_refuses_to_replace_a_store_in_use(env):
    db = str(env / "live.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with held(db):
        out = run("seed-demo", "--db", db, *SMALL, "--seed", "3", "--force")
    assert out.exit_code != 0 and "in use by another process" in out.output
    store = Store(db)
    assert count_events(store) == 2000
    store.close()


def test_seed_demo_without_force_says_a_store_in_use_is_in_use(env):
    db = str(env / "live.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with held(db):
        out = run("seed-demo", "--db", db, *SMALL)
    assert out.exit_code != 0 and "in use by another process" in out.output and "--force" not in out.output


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _interrupt_a_query(*args, **kwargs):
    raise RuntimeError("Query interrupted")  # what DuckDB raises for Ctrl-C during a query


@pytest.mark.parametrize("interrupt", [_interrupt, _interrupt_a_query])
def test_interrupted_seeding_leaves_no_store(env, monkeypatch, interrupt):
    monkeypatch.setattr("data.demo.upsert_prices", interrupt)  # after the events are in
    db = env / "demo.duckdb"
    out = CliRunner().invoke(main, ["seed-demo", "--db", str(db), *SMALL])
    assert out.exit_code == 1 and out.output.endswith("Aborted!\n")
    assert sorted(p.name for p in env.iterdir()) == []


def test_interrupted_reseeding_keeps_the_old_store(env, monkeypatch):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    monkeypatch.setattr("data.demo.upsert_prices", _interrupt)
    out = run("seed-demo", "--db", db, "--customers", "5", "--days", "10", "--events", "500", "--force")
    assert out.exit_code != 0
    assert sorted(p.name for p in env.iterdir()) == ["demo.duckdb"]
    store = Store(db)
    assert count_events(store) == 2000
    store.close()


def test_seed_demo_with_no_events_seeds_the_rest(env):
    out = run("seed-demo", "--db", str(env / "demo.duckdb"), "--customers", "2", "--days", "10", "--events", "0")
    assert out.exit_code == 0 and "2 customers" in out.output and "0 events" in out.output


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_serving_on_a_port_in_use_says_so_and_how_to_choose_another(env, command):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run(command, "--db", db, "--port", str(port))
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert f"port {port}" in out.output and "--port" in out.output and "make demo PORT=" in out.output


def test_demo_on_a_port_in_use_says_so_before_seeding_a_store(env):
    db = env / "demo.duckdb"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run("demo", "--db", str(db), "--port", str(port))
    assert out.exit_code != 0 and f"port {port}" in out.output and "seeding" not in out.output
    assert not db.exists()


def test_serve_on_a_host_it_cannot_resolve_says_so_and_leaves_no_store(env):
    db = env / "new.duckdb"
    out = run("serve", "--db", str(db), "--host", "nowhere.invalid", "--port", "8123")
    assert out.exit_code == 1 and "nowhere.invalid is not an address" in out.output and "Traceback" not in out.output
    assert not db.exists()


class _Bound:
    """Stands in for waitress's server: "bound", and its `run` returns at once."""

    def __init__(self, app, *, host, port, threads):
        self.app, self.effective_port = app, port or 8100

    def run(self):
        pass

    def close(self):
        pass


@pytest.fixture
def bound(monkeypatch):
    """`serve` and `demo` return once started, instead of serving; yields the servers made."""
    made = []
    monkeypatch.setattr("api.server.make_server", lambda app, **kw: made.append(_Bound(app, **kw)) or made[-1])
    return made


def test_a_port_past_65535_is_refused(env, bound):
    out = run("serve", "--db", str(env / "x.duckdb"), "--port", "70000")
    assert out.exit_code == 2 and "0<=x<=65535" in out.output


EVERY_COMMAND = [["seed-demo"], ["serve"], ["demo"], ["url", "acme-corp"], ["load", "events", "e.csv"], ["cluster"]]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
@pytest.mark.parametrize("name, value", [("EMBEDASH_TOKEN_TTL", "1h"), ("EMBEDASH_COMPACT_ROWS", "abc")])
def test_a_bad_setting_is_one_line_for_every_command(env, bound, monkeypatch, command, name, value):
    monkeypatch.setenv("EMBEDASH_DATABASE", str(env / "s.duckdb"))
    monkeypatch.setenv(name, value)
    out = run(*command)
    assert out.exit_code == 1 and out.output.startswith(f"Error: {name} must be a whole number")
    assert "Traceback" not in out.output


@pytest.mark.parametrize("command", ["serve", "demo", "seed-demo"])
@pytest.mark.parametrize("via", ["--db", "EMBEDASH_DATABASE"])
def test_a_store_in_a_missing_directory_is_one_line(env, bound, monkeypatch, command, via):
    path = str(env / "nowhere" / "x.duckdb")
    if via == "--db":
        out = run(command, "--db", path, *(SMALL if command == "seed-demo" else []))
    else:
        monkeypatch.setenv("EMBEDASH_DATABASE", path)
        out = run(command, *(SMALL if command == "seed-demo" else []))
    assert out.exit_code == 1 and f"no directory {env / 'nowhere'}" in out.output
    assert not (env / "nowhere").exists()


@pytest.mark.parametrize("command", [["url", "acme-corp"], ["cluster"], ["load", "events", "e.csv"]], ids=lambda c: c[0])
@pytest.mark.parametrize("via", ["--db", "default"])
def test_commands_that_read_a_store_refuse_a_missing_one_and_create_nothing(env, monkeypatch, command, via):
    monkeypatch.chdir(env)
    (env / "e.csv").write_text("id,source,type,subject,time\n")
    path = "typo.duckdb" if via == "--db" else "./embedash.duckdb"
    where = ["--db", path] if via == "--db" else []
    args = [command[0], *where, *command[1:]] if command[0] != "load" else ["load", *where, *command[1:]]
    out = run(*args)
    assert out.exit_code == 1 and f"no store at {path}" in out.output
    assert sorted(p.name for p in env.iterdir()) == ["e.csv"]


def test_serve_creates_a_new_store(env, bound):
    db = env / "new.duckdb"
    out = run("serve", "--db", str(db))
    assert out.exit_code == 0 and db.exists()


def test_demo_on_an_empty_store_says_it_has_no_customers(env, bound):
    db = str(env / "empty.duckdb")
    Store(db).close()
    out = run("demo", "--db", db)
    assert out.exit_code == 0, out.output
    assert f"{db} has no customers" in out.output and f"embedash seed-demo --db {db} --force" in out.output


NO_KEYS_WARNING = "no EMBEDASH_API_KEYS: the integrator API will refuse every request"


def test_serve_without_api_keys_warns_that_the_api_refuses_every_request(env, bound, monkeypatch):
    monkeypatch.delenv("EMBEDASH_API_KEYS")
    out = run("serve", "--db", str(env / "new.duckdb"))
    assert out.exit_code == 0 and NO_KEYS_WARNING in out.output


def test_demo_without_api_keys_makes_its_own_and_does_not_warn(env, bound, monkeypatch):
    monkeypatch.delenv("EMBEDASH_API_KEYS")
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    out = run("demo", "--db", db)
    assert out.exit_code == 0 and re.search(r"API key: +demo_\S+", out.output) and NO_KEYS_WARNING not in out.output


class _UnknownKey(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": {"code": "unauthorized", "message": "unknown API key", "field": "Authorization"}}')

    def log_message(self, *args):
        pass


def test_url_from_a_server_that_refuses_the_key_says_where_the_key_comes_from(env):
    out = url_from_server(_UnknownKey)
    assert out.exit_code == 1 and "unknown API key" in out.output and "EMBEDASH_API_KEYS" in out.output


def events_csv(path, *rows: str) -> str:
    path.write_text("id,source,type,subject,time,tokens\n" + "".join(row + "\n" for row in rows))
    return str(path)


def test_load_of_one_row_says_row(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    one = events_csv(env / "one.csv", "1,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,5")
    out = run("load", "--db", db, "events", one)
    assert out.exit_code == 0 and f"{one}: 1 row, 1 new, 0 skipped" in out.output


def test_load_stopped_by_a_bad_file_says_which_files_were_loaded_and_which_not(env):
    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    a = events_csv(env / "a.csv", "1,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,5")
    bad = events_csv(env / "bad.csv", "2,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,x")
    c = events_csv(env / "c.csv", "3,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,7")
    out = run("load", "--db", db, "events", a, bad, c)
    assert out.exit_code == 1 and "nothing of that file was written" in out.output
    assert f"loaded: {a}" in out.output and f"not attempted: {c}" in out.output


def test_load_interrupted_at_a_file_says_which_files_were_loaded_and_writes_nothing_of_it(env, monkeypatch):
    import data.bulk

    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    a = events_csv(env / "a.csv", "1,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,5")
    b = events_csv(env / "b.csv", "2,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,6")
    c = events_csv(env / "c.csv", "3,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,7")
    real = data.bulk.load_events_file

    def ctrl_c_at_b(store, path, **kw):
        if path == b:
            raise KeyboardInterrupt  # as Python raises Ctrl-C in the main thread
        return real(store, path, **kw)

    monkeypatch.setattr(data.bulk, "load_events_file", ctrl_c_at_b)
    out = run("load", "--db", db, "events", a, b, c)
    assert out.exit_code == 1
    assert f"{a}: 1 row, 1 new" in out.output and f"interrupted while loading {b}" in out.output
    assert f"loaded: {a}" in out.output and f"not attempted: {c}" in out.output
    store = Store(db)
    assert store.cursor().execute("SELECT id FROM events WHERE source = 'f'").fetchall() == [("1",)]
    store.close()


def test_load_interrupted_inside_duckdbs_statement_says_so_and_writes_nothing_of_that_file(env, monkeypatch):
    """Ctrl-C while DuckDB runs the load's statement: Python's signal, raised by DuckDB as its
    "Query interrupted" error (not a KeyboardInterrupt)."""
    import _thread

    import data.bulk

    db = str(env / "demo.duckdb")
    run("seed-demo", "--db", db, *SMALL)
    a = events_csv(env / "a.csv", "1,f,llm_completion,acme-corp,2025-06-01T10:00:00Z,5")
    big = str(env / "big.csv")  # long enough to be polled for its progress (every 0.2 s)
    duckdb.sql(f"""COPY (SELECT 'b' || i AS id, 'f' AS source, 'llm_completion' AS type, 'acme-corp' AS subject,
                         '2025-06-01T10:00:00Z' AS time, 5 AS tokens FROM range(1000000) t(i)) TO '{big}' (HEADER)""")
    real = data.bulk.load_events_file

    pressed = threading.Event()

    def ctrl_c_while_reading(store, path, progress=None):
        def report(fraction: float) -> None:
            progress(fraction)
            if path == big and threading.current_thread() is not threading.main_thread() and not pressed.is_set():
                pressed.set()
                _thread.interrupt_main()  # the SIGINT a terminal's Ctrl-C sends, as its statement runs

        return real(store, path, progress=report)

    monkeypatch.setattr(data.bulk, "load_events_file", ctrl_c_while_reading)
    out = run("load", "--db", db, "events", a, big)
    assert out.exit_code == 1
    assert f"{a}: 1 row, 1 new" in out.output and f"interrupted while loading {big}" in out.output
    store = Store(db)
    assert store.cursor().execute("SELECT count(*) FROM events WHERE source = 'f'").fetchall() == [(1,)]
    store.close()


def test_the_heap_a_server_starts_with_is_frozen_out_of_later_collections():
    import gc

    from api.server import settle_heap

    try:
        settle_heap()
        assert gc.get_freeze_count() > 10_000  # the modules and what they built: no full collection walks them again
    finally:
        gc.unfreeze()
