"""HTML elements for hot callbacks, as the JSON Dash's renderer reads (`type`, `namespace`,
`props`). A `dash.html` component costs tens of microseconds to build and as much again to
serialise; a usage render returns over a hundred of them, several milliseconds of the one
core every callback shares. Layouts, built once a page, keep using `dash.html`."""
from __future__ import annotations

from typing import Any

Element = dict[str, Any]
_NAMESPACE = "dash_html_components"


def element(tag: str, children: Any = None, **props: Any) -> Element:
    """`element("Td", "12", className="eb-num")` renders like `html.Td("12", className="eb-num")`.
    Props that are None are left out, as Dash leaves out unset ones."""
    out = {k: v for k, v in props.items() if v is not None}
    if children is not None:
        out["children"] = children
    return {"type": tag, "namespace": _NAMESPACE, "props": out}


def table(head: list[str], rows: list[list[Any]], *, table_id: str, numeric: set[int], selected: int | None = None,
          cell_ids: list[str] | None = None) -> Element:
    """A themed table that scrolls sideways on its own when its columns outgrow the frame; `numeric` columns align right, `cell_ids[r]` names row r's second cell."""
    num = ["eb-num" if i in numeric else None for i in range(len(head))]
    thead = element("Thead", element("Tr", [element("Th", h, className=num[i]) for i, h in enumerate(head)]))
    # A cell's props made once a column, then copied: `element` a cell was most of a table's cost.
    props = [{"className": c} if c else {} for c in num]
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, v in enumerate(row):
            cell = props[i].copy()
            if i == 1 and cell_ids and cell_ids[r] is not None:
                cell["id"] = cell_ids[r]
            if v is not None:
                cell["children"] = v
            cells.append({"type": "Td", "namespace": _NAMESPACE, "props": cell})
        body.append(element("Tr", cells, className="eb-selected" if r == selected else None))
    return element("Div", element("Table", [thead, element("Tbody", body)], className="eb-table", id=table_id),
                   className="eb-scroll")
