"""Benchmark: `briefing build` at 1, 1,000 and 5,000 articles, and the CLI's first keystroke.

Each build is the whole command in a fresh process (imports included), with a
fresh output folder and store, on a generated news stream written as Markdown
files (tests/stories_corpus.py: events with casts of their own, 1-6 articles
each from seven outlets, ``ARTICLES_PER_DAY`` a day; the 5,000 articles are a
heavy day of a big profile, or a week of a normal one).
CPU seconds are the child's user + system time (wall time swings with load on a
shared machine), peak memory its maximum resident set. A first, unmeasured
build compiles the package's bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped
for the children), as an installed package has it.

Targets (issue 15), printed with each figure:

* 5,000 articles: at most 12 s of CPU and 400 MB peak;
* 5,000 / 1,000 articles CPU ratio: at most 4 (measured in this run);
* a one-article build: at most 1.2 s of CPU;
* ``briefing --help`` and ``briefing archive list``: at most 0.3 s of CPU;
* every output small at 5,000 articles (brief.html under 100 KB).

    python bench/bench_scale.py [--sizes 1,1000,5000] [--repeat 1] [--no-stages] [--profile]

Then, for the largest size, where the CPU time goes: the same build again in a
child that records the CPU seconds of each pipeline stage (imports, read, clean,
store, group, summarize, assemble, render with its PDF) and of the archive update.

Exits 1 when a target is missed (``--sizes`` other than the default only reports).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from measure import Measured, brief_folder, build, child_environment, run_cli  # noqa: E402
from stories_corpus import make_corpus, write_markdown  # noqa: E402

DEFAULT_SIZES = (1, 1000, 5000)
ARTICLES_PER_DAY = 1000
BIG_CPU, BIG_MB, RATIO, ONE_CPU, CLI_CPU, HTML_KB = 12.0, 400.0, 4.0, 1.2, 0.3, 100.0


STAGES = """
import resource, sys
from pathlib import Path

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

spent = {}
started = cpu()
from briefing.config import load_config
from briefing.pipeline import build_brief
from briefing.publishing import Publisher
spent["imports"] = cpu() - started
current = [cpu(), None]

def progress(stage):
    now = cpu()
    if current[1]:
        spent[current[1]] = now - current[0]
    current[:] = [now, stage]

config = load_config()
result = build_brief(config, sources=[sys.argv[1]], engine="extractive",
                     out_root=Path(sys.argv[2]), progress=progress)
progress(None)
Publisher(config).archive(result.folder.parent.parent)
spent["archive"] = cpu() - current[0]
print(" ".join(f"{name}={seconds:.2f}" for name, seconds in spent.items()))
"""


def write_stream(folder: Path, size: int) -> Path:
    """``size`` articles of a synthetic news stream, as Markdown files in ``folder``."""
    days = max(1, size // ARTICLES_PER_DAY)
    corpus = make_corpus(size // 3 + 10, seed=size, days=days)
    write_markdown(sorted(corpus.articles, key=lambda a: a.id)[:size], folder)
    return folder


def outputs(folder: Path) -> dict[str, float]:
    """KB of each file of the one brief under ``folder``."""
    brief = brief_folder(folder)
    return {path.name: path.stat().st_size / 1024 for path in sorted(brief.iterdir())
            if path.name.startswith("brief.")}


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="article counts, comma-separated (default 1,1000,5000)")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size (median)")
    parser.add_argument("--no-stages", action="store_true",
                        help="skip the per-stage breakdown of the largest build")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the largest build (cProfile, top functions)")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        env = child_environment()
        build(write_stream(work / "warm-up", 1), work / "warm-up-build", env)  # compiles bytecode
        print(f"CPU seconds of whole commands (imports included), median of {args.repeat}; "
              "fresh store and output folder per build")
        for label, command in (("briefing --help", ["--help"]),
                               ("briefing archive list", ["archive", "list", "--out",
                                                          str(work / "empty")])):
            cpu = statistics.median(run_cli(command, work, env).cpu for _ in range(3))
            ok &= cpu <= CLI_CPU
            print(f"  {label:<24} {cpu:6.2f} s CPU (target <= {CLI_CPU}: "
                  f"{verdict(cpu <= CLI_CPU)})")
        cpu_at: dict[int, float] = {}
        for size in sizes:
            corpus = write_stream(work / f"articles-{size}", size)
            runs: list[Measured] = [build(corpus, work / f"build-{size}-{n}", env)
                                    for n in range(args.repeat)]
            cpu = statistics.median(r.cpu for r in runs)
            wall = statistics.median(r.wall for r in runs)
            peak = max(r.peak_mb for r in runs)
            cpu_at[size] = cpu
            files = outputs(work / f"build-{size}-0")
            sizes_line = ", ".join(f"{name} {kb:.0f} KB" for name, kb in files.items())
            print(f"  {size:>5} articles: {cpu:6.2f} s CPU, {wall:6.2f} s wall, "
                  f"peak {peak:5.0f} MB; {sizes_line}")
            if size == 1:
                ok &= cpu <= ONE_CPU
                print(f"        one-article build: target <= {ONE_CPU} s CPU: "
                      f"{verdict(cpu <= ONE_CPU)}")
            if size == 5000:
                html = files.get("brief.html", 0.0)
                ok &= cpu <= BIG_CPU and peak <= BIG_MB and html < HTML_KB
                print(f"        5,000 articles: target <= {BIG_CPU:.0f} s CPU: "
                      f"{verdict(cpu <= BIG_CPU)}; <= {BIG_MB:.0f} MB peak: "
                      f"{verdict(peak <= BIG_MB)}; brief.html < {HTML_KB:.0f} KB: "
                      f"{verdict(html < HTML_KB)}")
        if 1000 in cpu_at and 5000 in cpu_at:
            ratio = cpu_at[5000] / cpu_at[1000]
            ok &= ratio <= RATIO
            print(f"  CPU ratio 5,000 / 1,000 articles: {ratio:.2f} (target <= {RATIO:.0f}: "
                  f"{verdict(ratio <= RATIO)})")
        if not args.no_stages:
            stages(max(sizes), work, env)
        if args.profile:
            profile_largest(max(sizes), work, env)
    if tuple(sizes) != DEFAULT_SIZES:
        return 0
    return 0 if ok else 1


def stages(size: int, work: Path, env: dict[str, str]) -> None:
    """CPU seconds per pipeline stage of the largest build (a fresh one, in a child)."""
    folder = work / f"stages-{size}"
    folder.mkdir()
    done = subprocess.run([sys.executable, "-c", STAGES, str(work / f"articles-{size}"),
                           str(folder / "out")], cwd=folder, env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage breakdown failed: {done.stderr}")
    spent = dict(item.split("=") for item in done.stdout.split())
    total = sum(float(v) for v in spent.values())
    print(f"  where the CPU time of a {size}-article build goes (s, of {total:.2f}): "
          + ", ".join(f"{name} {float(value):.2f}" for name, value in spent.items()))


def profile_largest(size: int, work: Path, env: dict[str, str]) -> None:
    """Where the time goes: the largest build again, under cProfile (slower than unprofiled)."""
    folder = work / f"profile-{size}"
    folder.mkdir()
    stats = folder / "build.prof"
    command = ["build", "--source", str(work / f"articles-{size}"), "--engine", "extractive",
               "-q", "--out", str(folder / "out")]
    statement = f"main({command!r})"
    script = f"import cProfile; from briefing.cli import main; cProfile.run({statement!r}, " \
             f"{str(stats)!r})"
    subprocess.run([sys.executable, "-c", script], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    import pstats

    print(f"\nprofile of the {size}-article build (cumulative seconds, top 25):")
    pstats.Stats(str(stats), stream=sys.stdout).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    raise SystemExit(main())
