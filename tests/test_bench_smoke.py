"""The benchmark still runs end to end on tiny sizes (it measures, it asserts no times)."""
from __future__ import annotations

import pytest

from bench import run


@pytest.mark.browser  # it drives Chromium itself
def test_bench_runs_on_a_tiny_store_and_prints_its_table(tmp_path, capsys):
    code = run.main(["--events", "20000", "--compare", "5000", "--customers", "600", "--runs", "3", "--query-runs", "12", "--viewers", "3",
                     "--viewer-requests", "2", "--page-runs", "1", "--http-batches", "1", "--port", "0", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    for measure in ("usage query, typical customer", "Dash callback round trip", "concurrent viewers", "p95 of each run",
                    "page: navigation to charts painted", "getEmbeddableUrl", "bulk load", "HTTP ingest", "senders at once", "peak RSS",
                    "bytes per event"):
        assert measure in out, measure
    # the store is left as it was built, for a run that reuses it: the HTTP ingest's events taken out again
    import duckdb

    with duckdb.connect(str(tmp_path / "store-20000.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM events WHERE id LIKE 'http-%'").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM events").fetchall() == [(20000,)]
