"""Benchmark: a 50-article brief built offline, against the bare PDF render of it.

Each repeat is ``briefing build`` in a fresh process (imports included) with a
fresh output folder and store, then, also in a fresh process, the bare
WeasyPrint render of the same brief's print HTML (``briefing.render.pdf``,
imports included). Both are CPU seconds of those processes, measured in this
run; the ratio is printed.

Target (issue: foundation): the whole build takes at most 1.5x the bare render.
The build also reads, cleans, groups, summarizes and writes four more files, and
imports the grouping stack (numpy, scipy, wordfreq), so small briefs miss it.

    python bench/bench_build.py [--articles 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus
from measure import brief_folder, build, child_environment, run_python

from briefing.brief import read_brief_json
from briefing.render.environment import make_environment
from briefing.render.pdf import render_pdf_html

BARE_RENDER = (
    "import sys; from pathlib import Path; from briefing.render.pdf import write_pdf; "
    "write_pdf(Path(sys.argv[1]).read_text(encoding='utf-8'), Path(sys.argv[2]))"
)
TARGET = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "articles", args.articles)
        env = child_environment()
        build(corpus, work / "warm-up", env)  # compiles the package's bytecode
        builds, bares = [], []
        for run in range(args.repeat):
            folder = work / f"run{run}"
            builds.append(build(corpus, folder, env))
            brief = read_brief_json(brief_folder(folder) / "brief.json")
            html = folder / "print.html"
            html.write_text(render_pdf_html(brief, make_environment()), encoding="utf-8")
            bare = run_python(["-c", BARE_RENDER, str(html), str(folder / "bare.pdf")],
                              folder, env)
            if bare.code != 0:
                raise SystemExit(f"bare render failed: {bare.stderr}")
            bares.append(bare)
        brief_dir = brief_folder(work / "run0")

        total = statistics.median(b.cpu for b in builds)
        render = statistics.median(b.cpu for b in bares)
        print(f"{args.articles} articles, {len(brief.stories)} stories, median of "
              f"{args.repeat} runs (CPU seconds of whole processes, imports included)")
        print(f"  briefing build:          {total:6.2f} s CPU "
              f"({statistics.median(b.wall for b in builds):.2f} s wall, "
              f"peak {max(b.peak_mb for b in builds):.0f} MB)")
        print(f"  bare render of its PDF:  {render:6.2f} s CPU")
        ratio = total / render
        print(f"ratio build / bare render: {ratio:.2f} (target <= {TARGET}: "
              f"{'met' if ratio <= TARGET else 'NOT met'})")
        size = (brief_dir / "brief.html").stat().st_size
        print(f"email HTML size: {size / 1024:.1f} KB (target < 100 KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
