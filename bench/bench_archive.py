"""Benchmark: the archive at 100 and 3,000 briefs -- `archive list`, one build's update, search.

For each size, writes synthetic brief folders (brief.json shaped like a real
build's, plus a placeholder PDF) and runs ``rebuild_archive`` (every page,
feed.xml, the search data and the FTS5 index). Then, at that size:

* ``briefing archive list``: the whole command in a fresh process (interpreter,
  imports, listing), its CPU seconds, median of 3; target at most 0.3 s;
* one build's archive update: a new brief folder appears (with its page, as a
  build publishes it) and ``update_archive`` runs, timed in a process of its own
  that has loaded what a build has by then; CPU and wall seconds, median of
  ``--repeat`` builds.

Targets (issue 15: "archive updates incremental, only the new brief's entries"):
each update indexes the one new brief and writes no page but the index pages,
and at the largest size it costs at most 1% of the CPU of rebuilding that
archive (measured in the same run). Also printed: how the update grows from the
smallest size to the largest. It is not flat: it still stats each brief.json
(to see briefs edited in place), reads and writes the catalog's records, and
writes every index page, since the pages all shift by the new brief -- 0.15 s of
CPU at 3,000 briefs here, where reading every brief.json took 2.3 s. Then the
size of the search data a browser loads (search-index.js and the largest month
part), and the median FTS5 search latency through the store at the largest size.

    python bench/bench_archive.py [--sizes 100,3000] [--stories 8] [--repeat 5]
                                  [--searches 200]

Exits 1 when a target is missed at the default sizes (other sizes only report).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import OUTLETS, PEOPLE, PLACES, SUBJECTS
from measure import child_environment, run_cli

from briefing.archive import rebuild_archive
from briefing.archive.fulltext import search
from briefing.brief import Brief, BriefBullet, BriefStory, SourceRef, write_brief_json
from briefing.config import Config, load_config
from briefing.render.environment import make_environment
from briefing.render.page import FILE_LINKS, PAGE_FILE, render_page_html
from briefing.storage import open_storage

QUERIES = ["port", "central bank", "saltmere strike", "Ingrid Vos", "energy regulator budget",
           "north*", "council vote", "water utility", "flood", "Capital Wire"]
VERBS = ["approves", "delays", "cuts", "expands", "reviews", "rejects", "funds", "audits"]
PROFILES = ("default", "europe", "markets")
DEFAULT_SIZES = (100, 3000)
LIST_CPU, UPDATE_SHARE = 0.3, 0.01


def write_archive(
    out: Path, briefs: int, stories: int, seed: int = 7, first: int = 0, *, pages: bool = False
) -> None:
    """Briefs number ``first`` to ``first + briefs - 1``: three profiles, a brief each a
    day. ``pages``: with the brief's page, as a build writes it (in its temporary folder,
    published with one rename)."""
    rng = random.Random(seed + first)
    start = date(2024, 1, 1)
    env = make_environment() if pages else None
    for n in range(first, first + briefs):
        profile = PROFILES[n % 3]
        day = start + timedelta(days=n // 3)
        folder = out / profile / day.isoformat()
        staging = folder.with_name(f".tmp-{n}")
        staging.mkdir(parents=True)
        brief = _brief(rng, profile, day, stories, n + 1)
        # Through the one codec, so the files stay what a build writes today.
        write_brief_json(brief, staging / "brief.json")
        (staging / "brief.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        if env is not None:
            files = [(label, name) for label, name in FILE_LINKS if (staging / name).is_file()]
            (staging / PAGE_FILE).write_text(render_page_html(brief, env, files), "utf-8")
        staging.rename(folder)


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


@dataclasses.dataclass(frozen=True)
class SizeFigures:
    briefs: int
    rebuild: float
    list_cpu: float
    update_cpu: float
    update_wall: float
    pages: int
    indexed: int
    incremental: bool  # every update indexed the one new brief and wrote no brief page


def measure_size(work: Path, size: int, args: argparse.Namespace) -> SizeFigures:
    work.mkdir(parents=True)
    config = load_config(cwd=work)
    write_archive(config.paths.out, size, args.stories)

    started = time.process_time()
    report = rebuild_archive(config)
    rebuild = time.process_time() - started

    env = child_environment()
    listing = ["archive", "list", "--out", str(config.paths.out)]
    run_cli(listing, work, env)  # compiles bytecode; not measured
    list_cpu = statistics.median(run_cli(listing, work, env).cpu for _ in range(3))

    cpu, wall, pages, indexed, incremental = [], [], 0, 0, True
    for n in range(args.repeat):  # each a build: one new brief, the rest unchanged
        write_archive(config.paths.out, 1, args.stories, first=size + n, pages=True)
        figures = _child_update(work, env)
        cpu.append(figures["cpu"])
        wall.append(figures["wall"])
        pages, indexed = int(figures["pages"]), int(figures["indexed"])
        # The build wrote the brief's page; the update has only the brief to index.
        incremental &= (pages, indexed) == (0, 1)
    print(f"archive: {report.briefs} briefs x {args.stories} stories: rebuild {rebuild:.2f} s CPU; "
          f"`briefing archive list` {list_cpu:.2f} s CPU (target <= {LIST_CPU}: "
          f"{verdict(list_cpu <= LIST_CPU)}); update after one new build ({pages} pages "
          f"written, {indexed} brief indexed): {statistics.median(cpu):.3f} s CPU, "
          f"{statistics.median(wall):.3f} s wall")
    return SizeFigures(report.briefs, rebuild, list_cpu, statistics.median(cpu),
                       statistics.median(wall), pages, indexed, incremental)


#: One build's archive update, timed in a process of its own with what a build has
#: loaded by then (the store, Jinja, the renderers), so the figure is the update's.
UPDATE = """
import json, resource, sys, time
from pathlib import Path
import briefing.archive.site, briefing.archive.static_index, briefing.archive.index_pages
import briefing.storage.sqlite
from briefing.archive import update_archive
from briefing.brief import brief_validator
from briefing.config import load_config
from briefing.render.environment import make_environment
make_environment()
brief_validator()  # the build checked its brief.json against the schema
config = load_config(cwd=Path(sys.argv[1]))

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

started_cpu, started = cpu(), time.perf_counter()
report = update_archive(config)
print(json.dumps({"cpu": cpu() - started_cpu, "wall": time.perf_counter() - started,
                  "pages": report.pages_written, "indexed": report.briefs_indexed}))
"""


def _child_update(work: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", UPDATE, str(work)], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"archive update failed: {done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def search_figures(config: Config, searches: int) -> None:
    out = config.paths.out
    parts = sorted((out / "_archive" / "search").glob("*.js"), key=lambda p: p.stat().st_size)
    root_kb = (out / "search-index.js").stat().st_size / 1024
    part_kb = parts[-1].stat().st_size / 1024 if parts else 0.0
    total_kb = root_kb + sum(p.stat().st_size for p in parts) / 1024
    print(f"search data: search-index.js {root_kb:.1f} KiB naming {len(parts)} month parts "
          f"(largest {part_kb:.0f} KiB, all {total_kb:.0f} KiB, loaded when the box is used)")
    latencies, hits = [], 0
    with open_storage(config.paths.store) as store:
        for i in range(searches):
            query = QUERIES[i % len(QUERIES)]
            started = time.perf_counter()
            hits += len(search(store, query, limit=20))
            latencies.append(time.perf_counter() - started)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    print(f"FTS5 search, median of {searches} (top 20, {hits / searches:.1f} hits avg): "
          f"{statistics.median(latencies) * 1000:.2f} ms (p95 {p95 * 1000:.2f} ms)")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="archive sizes in briefs, comma-separated (default 100,3000)")
    parser.add_argument("--stories", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5, help="builds per size (median)")
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        figures = [measure_size(Path(tmp) / f"size-{size}", size, args) for size in sizes]
        ok &= all(f.list_cpu <= LIST_CPU for f in figures)
        incremental = all(f.incremental for f in figures)
        ok &= incremental
        print(f"each update indexed the new brief only and wrote no brief page: "
              f"{verdict(incremental)}")
        large = figures[-1]
        share = large.update_cpu / large.rebuild
        ok &= share <= UPDATE_SHARE
        print(f"update / rebuild CPU at {large.briefs} briefs: {share:.4f} "
              f"(target <= {UPDATE_SHARE}: {verdict(share <= UPDATE_SHARE)})")
        if len(figures) > 1:
            small = figures[0]
            print(f"update CPU ratio {large.briefs} / {small.briefs} briefs: "
                  f"{large.update_cpu / small.update_cpu:.2f} (a stat per brief, the "
                  f"catalog and the shifting index pages grow with the archive)")
        search_figures(load_config(cwd=Path(tmp) / f"size-{sizes[-1]}"), args.searches)
    if tuple(sizes) != DEFAULT_SIZES:
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
