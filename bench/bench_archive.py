"""Benchmark: an archive of 1,000 briefs — rebuild time and median FTS5 search latency.

Writes synthetic brief folders (brief.json shaped like a real build's, plus a
placeholder PDF), runs ``rebuild_archive`` (every page, feed.xml,
search-index.js and the FTS5 index), then times searches through the store.

    python bench/bench_archive.py [--briefs 1000] [--stories 8] [--searches 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import OUTLETS, PEOPLE, PLACES, SUBJECTS

from briefing.archive import rebuild_archive, update_archive
from briefing.archive.search import search
from briefing.brief import Brief, BriefBullet, BriefStory, SourceRef, write_brief_json
from briefing.config import load_config
from briefing.storage import open_storage

QUERIES = ["port", "central bank", "saltmere strike", "Ingrid Vos", "energy regulator budget",
           "north*", "council vote", "water utility", "flood", "Capital Wire"]
VERBS = ["approves", "delays", "cuts", "expands", "reviews", "rejects", "funds", "audits"]


def write_archive(out: Path, briefs: int, stories: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    for n in range(briefs):
        profile = ("default", "europe", "markets")[n % 3]
        day = first + timedelta(days=n // 3)
        folder = out / profile / day.isoformat()
        folder.mkdir(parents=True)
        # Through the one codec, so the files stay what a build writes today.
        write_brief_json(_brief(rng, profile, day, stories, n + 1), folder / "brief.json")
        (folder / "brief.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")


def _brief(rng: random.Random, profile: str, day: date, stories: int, brief_id: int) -> Brief:
    sources: list[SourceRef] = []
    items: list[BriefStory] = []
    for s in range(stories):
        place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
        numbers = []
        for _ in range(3):
            number = len(sources) + 1
            sources.append(SourceRef(number, number, f"{place} {subject} {rng.choice(VERBS)} plan",
                                     rng.choice(OUTLETS), f"https://news.example/{day}/{s}"))
            numbers.append(number)
        bullets = tuple(
            BriefBullet(f"{rng.choice(PEOPLE)} said the {subject} in {place} would "
                        f"{rng.choice(VERBS)} {rng.randint(2, 900)} million euros of spending, "
                        f"{rng.randint(2, 60)}% more than last year.", (rng.choice(numbers),))
            for _ in range(4)
        )
        items.append(BriefStory(f"s{s}", f"{place} {subject} {rng.choice(VERBS)} budget",
                                bullets, (), tuple(numbers)))
    moment = datetime.combine(day, clock(7), tzinfo=UTC)
    return Brief(title=f"{profile.title()} Brief", profile=profile, generated_at=moment,
                 language="en", author="bench", engine="extractive", stories=tuple(items),
                 sources=tuple(sources), id=brief_id, slug=day.isoformat())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=8)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = load_config(cwd=work)
        out = config.paths.out
        write_archive(out, args.briefs, args.stories)
        config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, out=out))

        started = time.perf_counter()
        report = rebuild_archive(config)
        rebuild = time.perf_counter() - started

        # What each build pays: one new brief, the rest unchanged.
        write_archive(out / "_bench_new", 1, args.stories)
        (out / "_bench_new" / "default").rename(out / "new")
        started = time.perf_counter()
        update = update_archive(config)
        update_seconds = time.perf_counter() - started

        latencies, hits = [], 0
        with open_storage(config.paths.store) as store:
            for i in range(args.searches):
                query = QUERIES[i % len(QUERIES)]
                started = time.perf_counter()
                hits += len(search(store, query, limit=20))
                latencies.append(time.perf_counter() - started)
        index_kb = (out / "search-index.js").stat().st_size / 1024

    print(f"archive: {report.briefs} briefs x {args.stories} stories")
    print(f"rebuild (pages, feed, search-index.js, FTS5): {rebuild:.2f} s")
    print(f"update after one new build ({update.pages_written} page, "
          f"{update.briefs_indexed} brief indexed): {update_seconds:.2f} s")
    print(f"search-index.js: {index_kb:.0f} KiB")
    print(f"FTS5 search, median of {args.searches} (top 20, {hits / args.searches:.1f} hits avg): "
          f"{statistics.median(latencies) * 1000:.2f} ms "
          f"(p95 {statistics.quantiles(latencies, n=20)[-1] * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
