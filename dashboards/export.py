"""CSV downloads: exactly the rows a table shows, handed to a `dcc.Download`."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any


def csv_download(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return {"content": out.getvalue(), "filename": filename, "type": "text/csv"}
