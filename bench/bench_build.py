"""Benchmark: a 50-article brief built offline, time per stage.

Target (issue: foundation): the whole build takes at most 1.5x the bare
WeasyPrint render of the same brief's print HTML. Prints that ratio.

    python bench/bench_build.py [--articles 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus

from briefing.config import load_config
from briefing.pipeline import build_brief
from briefing.render.environment import make_environment
from briefing.render.pdf import render_pdf_html, write_pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "articles", args.articles)
        config = load_config(cwd=work)
        totals, stages, bare = [], [], []
        for run in range(args.repeat):
            started = time.perf_counter()
            result = build_brief(config, sources=[corpus], engine="extractive",
                                 out_root=work / f"out{run}")
            totals.append(time.perf_counter() - started)
            stages.append(result.timings)
            html = render_pdf_html(result.brief, make_environment())
            started = time.perf_counter()
            write_pdf(html, work / f"bare{run}.pdf")
            bare.append(time.perf_counter() - started)

        print(f"{args.articles} articles, {len(result.brief.stories)} stories, "
              f"median of {args.repeat} runs")
        for name in stages[0]:
            print(f"  {name:<10} {statistics.median(s[name] for s in stages) * 1000:8.1f} ms")
        total, render = statistics.median(totals), statistics.median(bare)
        print(f"  {'total':<10} {total * 1000:8.1f} ms")
        print(f"bare WeasyPrint render of the same HTML: {render * 1000:.1f} ms")
        ratio = total / render
        print(f"ratio build / bare render: {ratio:.2f} (target <= 1.50: "
              f"{'met' if ratio <= 1.5 else 'NOT met'})")
        size = result.files.html.stat().st_size
        print(f"email HTML size: {size / 1024:.1f} KB (target < 100 KB)")


if __name__ == "__main__":
    main()
