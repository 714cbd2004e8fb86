"""Benchmark: what tagging costs brief.pdf, in bytes and in render time.

Builds a brief offline from synthetic articles, then lays out the same print
HTML as an untagged PDF (what briefing wrote before PDF/UA), as tagged PDF/UA-1
(the default) and as PDF/A-3u + PDF/UA-1. Prints size and median render time of
each, and the tagged/untagged ratios.

    python bench/bench_pdf.py [--articles 50] [--repeat 5]
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
from briefing.render.pdf import link_descriptions, pdf_bytes, render_pdf_html

VARIANTS: tuple[tuple[str, str | None], ...] = (
    ("untagged (before)", None),
    ("pdf/ua-1 (default)", "pdf/ua-1"),
    ("pdf/a-3u + ua-1", "pdf/a-3u"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = write_corpus(work / "articles", args.articles)
        result = build_brief(load_config(cwd=work), sources=[corpus], engine="extractive",
                             out_root=work / "out")
    brief = result.brief
    html = render_pdf_html(brief, make_environment())
    descriptions = link_descriptions(brief)
    print(f"{args.articles} articles, {len(brief.stories)} stories, {len(brief.sources)} "
          f"sources; median of {args.repeat} renders each")
    # Round-robin, and CPU time (WeasyPrint is single-threaded): other work on a
    # shared machine then weighs on every variant alike.
    sizes: dict[str | None, int] = {}
    times: dict[str | None, list[float]] = {variant: [] for _, variant in VARIANTS}
    for _ in range(args.repeat):
        for _, variant in VARIANTS:
            started = time.process_time()
            data = pdf_bytes(html, variant=variant, link_descriptions=descriptions)
            times[variant].append(time.process_time() - started)
            sizes[variant] = len(data)
    figures = {variant: (sizes[variant], statistics.median(times[variant]))
               for _, variant in VARIANTS}
    for label, variant in VARIANTS:
        size, seconds = figures[variant]
        print(f"  {label:<20} {size / 1024:7.1f} KB {seconds * 1000:8.1f} ms CPU")
    base_size, base_time = figures[None]
    for label, variant in VARIANTS[1:]:
        size, seconds = figures[variant]
        print(f"{label}: size x{size / base_size:.2f}, render time x{seconds / base_time:.2f} "
              "against untagged")


if __name__ == "__main__":
    main()
