"""`python -m bench.run --events N --compare M`: build seeded stores of M and N events, then
measure queries in-process and everything else against a real `embedash serve`, printing
one table. Every figure is measured in the same run as its baseline, so ratios hold on a
noisy machine. Not a test: nothing here asserts a time."""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import requests

from bench import store as bench_store
from bench.load import closed_loop, post_request
from data import Store
from data.columns import number_sql, property_columns, text_sql
from data.metrics import get_metric
from data.usage import trailing_days, usage_series

HERE = Path(__file__).resolve().parent
SECRET, KEY = "bench-secret-key-0123456789abcdef", "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
SENDERS = 4  # HTTP ingest's second measure: this many batches in flight at once
LARGEST = "c00000"


def typical(customers: int) -> str:
    """The customer at 5% of the ranking: c00500 of 10,000, a mid-sized one under the skew."""
    return f"c{customers // 20:05d}"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn, runs: int, *, warm_up: bool = True) -> list[float]:
    if warm_up:
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def same_size_customer(big: Path, small: Path, customer: str) -> tuple[str, int]:
    """The customer of the big store whose last 90 days of m01's events number closest to
    `customer`'s in the small one (and that number): the big store's typical customer has ten
    times the events, so this is the one whose cost shows what the store's size alone does."""
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=90)
    with duckdb.connect(str(small), read_only=True) as con:
        (wanted,) = con.execute("SELECT count(*) FROM events WHERE customer_id = ? AND type = 'type01' AND time >= ?",
                                [customer, since]).fetchone()
    with duckdb.connect(str(big), read_only=True) as con:
        peer, _ = con.execute("""SELECT customer_id, abs(count(*) - ?) AS gap FROM events WHERE type = 'type01' AND time >= ?
                                 GROUP BY customer_id ORDER BY gap, customer_id LIMIT 1""", [wanted, since]).fetchone()
    return peer, wanted


def question(store: Store, customer: str) -> tuple:
    """What every usage-query measure asks: m01 (a SUM), the customer's zone, its last 90 days."""
    tz = store.cursor().execute("SELECT timezone FROM customers WHERE id = ?", [customer]).fetchall()[0][0]
    return get_metric(store, "m01"), tz, *trailing_days(90, tz, datetime.now(UTC))


def series_question(store: Store, customer: str):
    """embedash's data function: one customer's 90-day daily series of m01 by region."""
    metric, tz, start, end = question(store, customer)
    kw = {"customer_id": customer, "metric": metric, "start": start, "end": end, "tz": tz, "group_by": "region"}
    return lambda: usage_series(store, **kw)


def raw_question(con: duckdb.DuckDBPyConnection, store: Store, customer: str):
    """The same question asked in DuckDB of the events as they arrived (append order, JSON text)."""
    metric, tz, start, end = question(store, customer)
    sql = """SELECT date_trunc('day', timezone(?, timezone('UTC', time))) AS day, json_extract_string(data, '$.region'),
                    sum(TRY_CAST(json_extract_string(data, '$.value') AS DECIMAL(38, 9)))
             FROM events WHERE subject = ? AND type = ? AND time >= ? AND time < ? GROUP BY ALL"""
    params = [tz, customer, metric.event_type, start.replace(tzinfo=None), end.replace(tzinfo=None)]
    return lambda: con.execute(sql, params).fetchall()


def interleaved(questions: dict[str, tuple], rounds: int = 10) -> dict[str, list[float]]:
    """{name: (ask, runs)} -> each question's times (ms). The runs are taken in rounds that
    alternate between the questions, so the machine's drift during the measure (it moves by
    tens of percent within minutes here) falls on each alike and the ratios hold."""
    out: dict[str, list[float]] = {name: [] for name in questions}
    for ask, _ in questions.values():
        ask()  # warm up
    for r in range(rounds):
        for name, (ask, runs) in questions.items():
            out[name] += timed(ask, runs // rounds + (r < runs % rounds), warm_up=False)
    return out


PANDAS_MAX_EVENTS = 20_000_000  # pandas holds the whole table in memory, its strings as Python objects (no pyarrow)


def pandas_samples(db: Path, customer: str, runs: int) -> dict[str, list[float]]:
    """The series against pandas over the whole table loaded in memory, side by side."""
    store = Store(str(db))
    try:
        metric, tz, start, end = question(store, customer)
        columns = property_columns(store)
        region, region_params = text_sql(columns, "region")
        value, value_params = number_sql(columns, "value")
        frame = store.cursor().execute(f"SELECT customer_id, type, time, {region} AS region, CAST({value} AS DOUBLE) AS value FROM events",
                                       [*region_params, *value_params]).df()
        s, e = start.replace(tzinfo=None), end.replace(tzinfo=None)

        def with_pandas():
            rows = frame[(frame.customer_id == customer) & (frame.type == metric.event_type) & (frame.time >= s) & (frame.time < e)]
            days = rows.time.dt.tz_localize("UTC").dt.tz_convert(tz).dt.floor("D")
            return rows.groupby([days, rows.region])["value"].sum()

        return interleaved({"embedash": (series_question(store, customer), runs), "pandas": (with_pandas, max(3, runs // 30))},
                           rounds=3)
    finally:
        store.close()


def query_samples(big: Path, small: Path, customers: int, runs: int) -> tuple[dict[str, list[float]], str]:
    """Every usage-query figure of the table, in one interleaved measure: the typical customer
    of both stores, the largest and the same-size customer of the big one, and the baseline
    (the typical customer's question asked of the big store's events as they arrived).
    Returns the samples and the same-size customer."""
    peer, _ = same_size_customer(big, small, typical(customers))
    stores = {"big": Store(str(big)), "small": Store(str(small))}
    arrival = duckdb.connect(str(bench_store.arrival_copy(big)), read_only=True)
    try:
        return interleaved({
            "typical, big": (series_question(stores["big"], typical(customers)), runs),
            "typical, small": (series_question(stores["small"], typical(customers)), runs),
            "same size, big": (series_question(stores["big"], peer), runs),
            "largest, big": (series_question(stores["big"], LARGEST), runs),
            "raw events, big": (raw_question(arrival, stores["big"], typical(customers)), max(5, runs // 20)),
        }), peer  # fmt: skip
    finally:
        arrival.close()
        for store in stores.values():
            store.close()


class Server:
    """`embedash serve` on the store, in its own process (so its memory can be read). Its log
    is read as it comes, the last lines kept for an error: a pipe nobody reads fills, and a
    server that then writes a log line stops."""

    def __init__(self, db: Path, port: int, threads: int = 8):
        env = {**os.environ, "EMBEDASH_SECRET_KEYS": SECRET, "EMBEDASH_API_KEYS": KEY, "EMBEDASH_COMPACT_ROWS": "0"}
        self.proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--db", str(db), "--port", str(port),
                                      "--threads", str(threads)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.log: deque[str] = deque(maxlen=50)
        for line in self.proc.stdout:  # log lines may come before "embedash serving DB at http://HOST:PORT (N threads)"
            self.log.append(line.decode(errors="replace"))
            if match := re.search(r"^embedash serving .* at (http://\S+)", self.log[-1]):
                break
        else:
            raise RuntimeError("the server did not start:\n" + "".join(self.log))
        threading.Thread(target=self._read_log, name="bench-server-log", daemon=True).start()
        self.base = match.group(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start:\n" + "".join(self.log))

    def _read_log(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line.decode(errors="replace"))

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """CPU the server has used so far, all its threads (DuckDB's too)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def embed_url(http: requests.Session, base: str, customer: str) -> str:
    r = http.post(f"{base}/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": customer, "dashboard": "usage",
                  "dashboard_options": [{"key": "default_window", "value": "90"}]}, timeout=30)  # fmt: skip
    r.raise_for_status()
    return r.json()["data"]["url"]


def render_body(url: str, metric: str = "m01", group_by: str = "region") -> dict:
    """The usage page's render callback as the browser posts it: 90 days, quantity."""
    token = parse_qs(urlparse(url).query)["token"][0]
    return {
        "output": "..usage-chart.figure...usage-totals.children...usage-breakdown.children...usage-caption.children..",
        "outputs": [{"id": i, "property": p} for i, p in (("usage-chart", "figure"), ("usage-totals", "children"),
                                                           ("usage-breakdown", "children"), ("usage-caption", "children"))],
        "inputs": [{"id": "usage-window", "property": "value", "value": "90"}, {"id": "usage-metric", "property": "value", "value": metric},
                   {"id": "usage-group-by", "property": "value", "value": group_by}, {"id": "usage-value", "property": "value", "value": "quantity"}],
        "changedPropIds": ["usage-metric.value"],
        "state": [{"id": "eb-url", "property": "search", "value": f"?token={token}"}],
    }  # fmt: skip


def succeeded(outcome) -> list[float]:
    """The latencies of a run that must not fail: a measure of errors is no measure."""
    if outcome.errors:
        raise RuntimeError(f"{len(outcome.errors)} requests failed, e.g. {outcome.errors[0]}")
    return outcome.latencies_ms


def viewer_script(callback_url: str, page_url: str, viewer: int, requests_: int, metrics: int) -> list[bytes]:
    """What one viewer clicks through: a different metric each time, grouped by region, by
    model or not at all, so no two of its renders ask for the same chart."""
    groups = ("region", "model", "")
    return [post_request(callback_url, render_body(page_url, f"m{(viewer + r) % metrics:02d}", groups[r % 3]))
            for r in range(requests_)]


# Runs in the page after navigation: resolves, on the first animation frame that shows the
# chart's bars (or the caption saying the window has none) and the totals filled, with the time
# since navigation began (the page's performance clock starts there). Measured in the page,
# because a WebDriverWait polls every 0.5 s and would add up to that much to each sample.
PAINTED = """
const done = arguments[arguments.length - 1];
(function check() {
  const total = document.getElementById("usage-total-m01");
  const chart = document.querySelector("#usage-chart .barlayer .point, #usage-caption .eb-empty");
  if (chart && total && total.textContent.trim()) done(performance.now());
  else requestAnimationFrame(check);
})();
"""


def page_samples(url: str, runs: int) -> list[float]:
    """Headless Chromium: from navigation to the chart's bars drawn and the totals filled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.set_script_timeout(30)
    out = []
    try:
        for i in range(runs + 1):
            driver.get(url)
            painted = driver.execute_async_script(PAINTED)
            if i:  # the first load fills the browser cache, as a returning viewer's would be
                out.append(float(painted))
    finally:
        driver.quit()
    return out


def served_samples(db: Path, args) -> tuple[dict, float]:
    server = Server(db, args.port)
    results: dict[str, object] = {}
    try:
        with requests.Session() as http:
            url = embed_url(http, server.base, typical(args.customers))
            results["getEmbeddableUrl over HTTP"] = timed(lambda: embed_url(http, server.base, typical(args.customers)), args.runs * 2)
            # Viewers of the customers just after the typical one in the ranking (whose totals the
            # round trips below warm), each its own token and data: run k's viewer i takes every
            # viewer_runs-th of them from k, so the runs' customers are alike in size.
            after = args.customers // 20 + 1
            viewer_urls = [[embed_url(http, server.base, f"c{after + i * args.viewer_runs + k:05d}") for i in range(args.viewers)]
                           for k in range(args.viewer_runs)]
        cb = f"{server.base}/embed/_dash-update-component"
        closed_loop(cb, [viewer_script(cb, url, 0, 3, args.metrics)])  # warm up
        results["Dash callback round trip (figure JSON)"] = succeeded(closed_loop(cb, [viewer_script(cb, url, 0, args.runs, args.metrics)]))
        # A customer's first view: nothing of theirs remembered (their totals read cold), one
        # after another, customers no other measure reads (the next after the viewers').
        with requests.Session() as http:
            fresh = [embed_url(http, server.base, f"c{after + args.viewers * args.viewer_runs + i:05d}") for i in range(args.runs)]
        results["first view of a customer"] = succeeded(closed_loop(cb, [sum((viewer_script(cb, u, i, 1, args.metrics)
                                                                               for i, u in enumerate(fresh)), [])]))
        # The viewers all start at once, so a run's tail is its first clicks (fifty first views
        # queued together) and one run's p95 moves by tens of ms: runs are pooled.
        latencies, errors, each_p95, elapsed, cpu = [], 0, [], 0.0, 0.0
        for urls in viewer_urls:
            scripts = [viewer_script(cb, u, i, args.viewer_requests, args.metrics) for i, u in enumerate(urls)]
            cpu_before, started = server.cpu_seconds(), time.perf_counter()
            viewers = closed_loop(cb, scripts)
            elapsed, cpu = elapsed + time.perf_counter() - started, cpu + server.cpu_seconds() - cpu_before
            latencies += viewers.latencies_ms
            errors += len(viewers.errors)
            each_p95.append(pct(viewers.latencies_ms, 0.95) if viewers.latencies_ms else float("nan"))
        results[f"{args.viewers} concurrent viewers (callbacks)"] = latencies
        results["p95 of each run of viewers"] = each_p95
        results["callbacks per second under load"] = len(latencies) / elapsed
        results["server CPU per callback under load (ms)"] = cpu * 1000 / max(1, len(latencies))
        results["errors among concurrent viewers"] = errors

        if args.page_runs:
            results["page: navigation to charts painted"] = page_samples(url, args.page_runs)

        # HTTP ingest: batches of 1,000 from one sender (one customer's events, as before), then
        # from SENDERS at once, each batch holding the events of SENDERS customers in turn, as a
        # feed that multiplexes customers sends them (batches whose customers overlap are what
        # the server writes together). Customers no other measure reads, ids new in every run (a
        # re-sent event would be a cheap no-op), a time of its own for each event. Sent by the
        # same light load generator as the viewers, so the client's own cost stays small.
        run, events_url = time.time_ns(), f"{server.base}/v1/events"
        base = after + args.viewers * args.viewer_runs + args.runs  # the next after the first views'

        def batch(sender: int, b: int, customers: list[str]) -> bytes:
            now = datetime.now(UTC)
            events = [{"specversion": "1.0", "id": f"http-{run}-{sender}-{b}-{i}", "source": "bench", "type": "type01",
                       "subject": customers[i % len(customers)], "time": (now - timedelta(milliseconds=i)).isoformat(),
                       "data": {"region": "eu-west", "model": "atlas", "value": 1}} for i in range(1000)]
            return post_request(events_url, events, AUTH)

        for senders, label, customers in (
                (1, "HTTP ingest, batches of 1,000 (events/s)", [f"c{base:05d}"]),
                (SENDERS, f"HTTP ingest, {SENDERS} senders at once (events/s)",
                 [f"c{base + 1 + k:05d}" for k in range(SENDERS)])):
            scripts = [[batch(100 * senders + s, b, customers) for b in range(max(1, args.http_batches // senders))]
                       for s in range(senders)]
            started = time.perf_counter()
            outcome = closed_loop(events_url, scripts)
            succeeded(outcome)
            results[label] = 1000 * sum(map(len, scripts)) / (time.perf_counter() - started)
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    forget_http_events(db)
    return results, rss


def forget_http_events(db: Path) -> None:
    """Take the HTTP ingest's events out of the store again, so a store kept for the next run
    (`--reuse`) is the one built: left in, each run's 130,000 added to an unclustered tail that
    every later batch's dedup reads (eight runs took one sender from 52,364 to 37,984 events a
    second at 100M; the store rid of them, 57,869)."""
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM events WHERE id LIKE ?", ["http-%"])
        con.execute("CHECKPOINT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--compare", type=int, default=1_000_000, help="a smaller store, to show query cost does not grow")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--query-runs", type=int, default=400, help="runs of each usage query (a few ms each)")
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--viewer-requests", type=int, default=10)
    parser.add_argument("--viewer-runs", type=int, default=3, help="runs of the concurrent viewers, pooled (each its own customers)")
    parser.add_argument("--page-runs", type=int, default=10)
    parser.add_argument("--http-batches", type=int, default=40, help="batches of 1,000 events, in each HTTP ingest measure")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--dir", type=Path, default=HERE / ".data")
    parser.add_argument("--reuse", action="store_true", help="keep stores a previous run built (the load is not measured)")
    args = parser.parse_args(argv)
    if args.viewer_runs < 1:
        parser.error("--viewer-runs must be at least 1")
    if args.customers // 20 + 1 + args.viewers * args.viewer_runs + args.runs + 1 + SENDERS > args.customers:
        parser.error("--customers is too few for the viewers, the first views and the HTTP ingest to have customers of "
                     f"their own (the typical customer's rank, 5%, + viewers x viewer-runs + runs + {1 + SENDERS})")
    args.dir.mkdir(parents=True, exist_ok=True)

    sizes = {"small": args.compare, "big": args.events}
    built = {}
    for name, events in sizes.items():
        db = args.dir / f"store-{events}.duckdb"
        if args.reuse and db.exists() and bench_store.arrival_copy(db).exists():
            built[name] = {"load_s": float("nan"), "floor_s": float("nan"), "clustered_floor_s": float("nan")}
        else:
            print(f"building {events:,} events ({name})...", file=sys.stderr)
            built[name] = bench_store.build(db, events=events, customer_count=args.customers, metric_count=args.metrics,
                                            days=args.days)
    big_db, small_db = args.dir / f"store-{args.events}.duckdb", args.dir / f"store-{args.compare}.duckdb"
    print("querying...", file=sys.stderr)
    q, peer = query_samples(big_db, small_db, args.customers, args.query_runs)
    # pandas holds the whole table in memory: asked of the store that fits (10M events in bench-full).
    pandas_events = next((n for n in (args.events, args.compare) if n <= PANDAS_MAX_EVENTS), None)
    versus_pandas = pandas_events and pandas_samples(args.dir / f"store-{pandas_events}.duckdb", typical(args.customers), args.runs)
    bytes_per_event = big_db.stat().st_size / args.events
    print("serving...", file=sys.stderr)
    served, rss = served_samples(big_db, args)

    N, M = f"{args.events / 1e6:g}M", f"{args.compare / 1e6:g}M"
    rows = [("measure", "p50 ms", "p95 ms", "baseline", "ratio", "target")]

    def add(label, samples, baseline=None, target=""):
        base_txt = ratio = ""
        if baseline is not None:
            base_txt = f"{pct(baseline[1], 0.5):.1f} ms ({baseline[0]})"
            ratio = f"{pct(baseline[1], 0.5) / pct(samples, 0.5):.1f}x faster"
        rows.append((label, f"{pct(samples, 0.5):.1f}", f"{pct(samples, 0.95):.1f}", base_txt, ratio, target))

    add(f"usage query, typical customer, {N} events", q["typical, big"], ("events as they arrived", q["raw events, big"]),
        "p95 <= 5 ms")
    if versus_pandas:
        add(f"usage query vs pandas, {pandas_events / 1e6:g}M events", versus_pandas["embedash"], ("pandas", versus_pandas["pandas"]))
    add(f"usage query, largest customer, {N} events", q["largest, big"])
    add(f"usage query, typical customer, {M} events", q["typical, small"])
    add(f"usage query, {peer} (its events as typical's at {M}), {N} events", q["same size, big"])
    small = q["typical, small"]
    rows.append((f"usage query {M} -> {N} events, same customer size (p95)", "", "", f"{pct(small, 0.95):.1f} ms at {M}",
                 f"{pct(q['same size, big'], 0.95) / pct(small, 0.95):.2f}x", "<= 1.5x"))
    rows.append((f"usage query {M} -> {N} events, typical customer (p95)", "", "", f"{pct(small, 0.95):.1f} ms at {M}",
                 f"{pct(q['typical, big'], 0.95) / pct(small, 0.95):.2f}x", f"<= 1.5x ({args.events / args.compare:g}x its events)"))
    add("Dash callback round trip over HTTP", served["Dash callback round trip (figure JSON)"], target="p95 <= 25 ms")
    add("  the same, a customer's first view (totals read cold)", served["first view of a customer"], target="p95 <= 25 ms")
    if "page: navigation to charts painted" in served:
        add("page: navigation to charts painted (Chromium)", served["page: navigation to charts painted"], target="<= 1000 ms")
    add(f"{args.viewers} concurrent viewers, callback latency ({args.viewer_runs} runs)",
        served[f"{args.viewers} concurrent viewers (callbacks)"], target="p95 <= 250 ms")
    rows.append(("  p95 of each run (ms)", " / ".join(f"{p:.0f}" for p in served["p95 of each run of viewers"]), "", "", "", ""))
    rows.append(("errors among concurrent viewers", str(served["errors among concurrent viewers"]), "", "", "", "0"))
    rows.append(("  callbacks served per second", f"{served['callbacks per second under load']:,.0f}", "", "", "", ""))
    rows.append(("  server CPU per callback (ms, all threads)", f"{served['server CPU per callback under load (ms)']:.1f}",
                 "", "", "", ""))
    add("getEmbeddableUrl over HTTP", served["getEmbeddableUrl over HTTP"], target="p95 <= 10 ms")
    bulk, floor, clustered = (args.events / built["big"][k] for k in ("load_s", "floor_s", "clustered_floor_s"))
    rows.append(("bulk load (Parquet, rows/s)", f"{bulk:,.0f}", "", f"{floor:,.0f} rows/s (DuckDB copy, no checks)",
                 f"{bulk / floor:.2f}x", ">= 2,000,000"))
    rows.append(("  the same against a copy in the order a load writes", "", "",
                 f"{clustered:,.0f} rows/s (DuckDB copy sorted by customer, type, time)", f"{bulk / clustered:.2f}x", ""))
    rows.append(("HTTP ingest, batches of 1,000 (events/s)", f"{served['HTTP ingest, batches of 1,000 (events/s)']:,.0f}", "", "", "", ">= 50,000"))
    rows.append((f"  the same, {SENDERS} senders at once", f"{served[f'HTTP ingest, {SENDERS} senders at once (events/s)']:,.0f}",
                 "", "", "", ">= 50,000"))
    rows.append(("server peak RSS (MB)", f"{rss:,.0f}", "", "", "", "<= 1,536"))
    rows.append(("bytes per event on disk", f"{bytes_per_event:.1f}", "", "", "", "<= 20"))

    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    print(f"\nembedash bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"{args.customers:,} customers, {args.metrics} metrics, {args.days} days\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
