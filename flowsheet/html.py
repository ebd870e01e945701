"""Small HTML tables for the ``_repr_html_`` of formulas, reactions, flowsheets and results."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

STYLE = "border-collapse:collapse;font-size:90%"


def table(header: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "") -> str:
    """Return an HTML table; every cell is escaped, numbers are shown as given."""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    title = f"<caption style='text-align:left;font-weight:bold'>{escape(caption)}</caption>" if caption else ""
    return f"<table style='{STYLE}'>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def paragraph(text: str) -> str:
    """Return an escaped paragraph."""
    return f"<p style='margin:4px 0'>{escape(text)}</p>"
