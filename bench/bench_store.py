"""Benchmark: the build's store stage for 1,000 articles, before and after batching.

"Before" is how the stage worked until storage became a package: one transaction
per article, each waiting for the disk (SQLite ``synchronous=FULL``). "After" is
the stage as it is now: ``store.articles.add_many``, one transaction for the
whole batch, which on SQLite also skips the wait for the disk (articles are
re-collected if a power cut loses the last commit; see the README's storage
notes). Both store the same 1,000 articles into a fresh SQLite file; with a
PostgreSQL server (``--postgres URL`` or $BRIEFING_TEST_POSTGRES_URL) the batch is
timed there too. Prints the times and the ratio.

    python bench/bench_store.py [--articles 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pgcluster  # noqa: E402

from briefing.storage import NewArticle, open_storage  # noqa: E402
from briefing.storage.sqlite import SqliteStorage  # noqa: E402

WORDS = (  # noqa: SIM905 -- a line of words reads better than a list of strings
    "port strike wheat drought ferry council budget rail museum flood river court "
    "election market energy housing hospital school bridge weather"
).split()


def articles(count: int) -> list[NewArticle]:
    rng = random.Random(7)
    return [
        NewArticle(
            source="bench", outlet=f"Outlet {n % 40}", title=f"Story {n}: {rng.choice(WORDS)}",
            text="\n".join(" ".join(rng.choice(WORDS) for _ in range(80)).capitalize() + "."
                           for _ in range(6)),
            url=f"https://news{n % 40}.example/{n}",
        )
        for n in range(count)
    ]


def one_durable_transaction_each(path: Path, batch: list[NewArticle]) -> float:
    """The old stage: ``add`` per article, each its own transaction, each fsynced."""
    with SqliteStorage(path) as storage:
        started = time.perf_counter()
        for article in batch:
            with storage.db.transaction(durable=True):  # what every write used to be
                storage.articles.add(article)
        return time.perf_counter() - started


def one_batch(location: Path | str, batch: list[NewArticle]) -> float:
    """The stage now: one ``add_many``, one transaction."""
    with open_storage(location) as storage:
        started = time.perf_counter()
        stored = storage.articles.add_many(batch)
        seconds = time.perf_counter() - started
        assert sum(new for _, new in stored) == len(batch)
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(pgcluster.URL_ENV))
    args = parser.parse_args()
    batch = articles(args.articles)
    with tempfile.TemporaryDirectory() as tmp:
        before = one_durable_transaction_each(Path(tmp) / "before.db", batch)
        after = one_batch(Path(tmp) / "after.db", batch)
    print(f"store stage, {args.articles} articles, SQLite:")
    print(f"  before (one fsynced transaction per article): {before:.2f} s")
    print(f"  after (one transaction for the batch):        {after:.2f} s")
    print(f"  before/after: {before / after:.1f}x")
    if args.postgres:
        schema = f"bench_store_{uuid.uuid4().hex[:8]}"
        url = pgcluster.create_schema(args.postgres, schema)
        try:
            open_storage(url).close()
            seconds = one_batch(url, batch)
        finally:
            pgcluster.drop_schema(args.postgres, schema)
        print(f"  PostgreSQL, one transaction for the batch:    {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
