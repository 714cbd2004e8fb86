"""``briefing usage``: LLM calls, cache hits and tokens per day and model.

Read from the ``llm_calls`` table the LLM engine appends to. Days are UTC
dates, as the rows are stamped in UTC. Tokens the server never reported (a
request that timed out, which it may have computed all the same; a server that
gives no usage figures) are our estimate: they count in the totals and are
shown again, marked, in their own column.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.store import Store


@dataclass(frozen=True, slots=True)
class UsageRow:
    day: str  # YYYY-MM-DD (UTC)
    model: str
    calls: int  # requests sent to the endpoint (attempts, retries included)
    cache_hits: int  # answers served from the cache, no request sent
    tokens_in: int
    tokens_out: int
    errors: int  # requests that failed or were answered unusably
    estimated_tokens: int = 0  # of tokens in + out, how many are our estimate


def usage_rows(store: Store) -> list[UsageRow]:
    """Totals per day and model, oldest day first."""
    rows = store.query(
        "SELECT substr(started_at, 1, 10) AS day, model,"
        " sum(cache_hit = 0) AS calls,"
        " sum(cache_hit = 1) AS cache_hits,"
        " sum(tokens_in) AS tokens_in,"
        " sum(tokens_out) AS tokens_out,"
        " sum(cache_hit = 0 AND outcome != 'ok') AS errors,"
        " sum(CASE WHEN tokens_estimated THEN tokens_in + tokens_out ELSE 0 END) AS estimated"
        " FROM llm_calls GROUP BY day, model ORDER BY day, model"
    )
    return [
        UsageRow(
            day=row["day"], model=row["model"], calls=int(row["calls"] or 0),
            cache_hits=int(row["cache_hits"] or 0), tokens_in=int(row["tokens_in"] or 0),
            tokens_out=int(row["tokens_out"] or 0), errors=int(row["errors"] or 0),
            estimated_tokens=int(row["estimated"] or 0),
        )
        for row in rows
    ]


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
