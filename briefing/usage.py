"""``briefing usage``: LLM calls, cache hits and tokens per day and model.

Read from the LLM call log the engine appends to (``store.llm``). Days are UTC
dates, as the rows are stamped in UTC. Tokens the server never reported (a
request that timed out, which it may have computed all the same; a server that
gives no usage figures) are our estimate: they count in the totals and are
shown again, marked, in their own column.
"""

from __future__ import annotations

from briefing.storage import Storage, UsageRow

__all__ = ["UsageRow", "format_usage", "usage_rows"]


def usage_rows(store: Storage) -> list[UsageRow]:
    """Totals per day and model, oldest day first."""
    return store.llm.usage()


_HEADERS = ("day", "model", "calls", "cache hits", "tokens in", "tokens out", "errors",
            "estimated*")
_FOOTNOTE = ("* tokens of the in and out counts that are estimates: requests that timed out "
             "(the server may have computed them) or got no usage figures")


def format_usage(rows: list[UsageRow]) -> str:
    """A plain-text table with a total line; a short sentence when there is nothing."""
    if not rows:
        return "No LLM calls recorded yet."
    total = UsageRow(
        "total", "",
        sum(r.calls for r in rows), sum(r.cache_hits for r in rows),
        sum(r.tokens_in for r in rows), sum(r.tokens_out for r in rows),
        sum(r.errors for r in rows), sum(r.estimated_tokens for r in rows),
    )
    table = [_HEADERS, *(_cells(row) for row in [*rows, total])]
    widths = [max(len(line[i]) for line in table) for i in range(len(_HEADERS))]
    lines = []
    for number, line in enumerate(table):
        cells = [
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0 or number == len(table) - 2:
            lines.append("  ".join("-" * width for width in widths))
    if total.estimated_tokens:
        lines.append(_FOOTNOTE)
    return "\n".join(lines)


def _cells(row: UsageRow) -> tuple[str, ...]:
    return (
        row.day, row.model, f"{row.calls:,}", f"{row.cache_hits:,}",
        f"{row.tokens_in:,}", f"{row.tokens_out:,}", f"{row.errors:,}",
        f"{row.estimated_tokens:,}",
    )
