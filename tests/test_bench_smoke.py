"""Tiny runs of the benchmark scripts this suite owns, so they keep running at HEAD."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode in ok, done.stderr
    return done.stdout


@pytest.mark.slow
def test_bench_security_small() -> None:
    out = run("bench_security.py", "--small")
    peak = re.search(r"build with 3 bombs: exit 0, [\d.]+ s, peak memory (\d+) MB", out)
    assert peak and int(peak.group(1)) < 300, out
    assert out.count("0 injected claims reached an output") == 2, out
    share = re.search(r"faithful bullets kept on the bundled examples: \d+ of \d+ = ([\d.]+)%", out)
    assert share and float(share.group(1)) >= 90, out


def test_bench_collect_small() -> None:
    # Exit 1 only says the all-304 ratio missed its target, meaningless at this size.
    out = run("bench_collect.py", "--feeds", "4", "--entries", "3", "--hosts", "2",
              "--rounds", "2", ok=(0, 1))
    assert "4 x 3 entries = 12 entries" in out and "0 failed" in out, out
    assert out.count("first collect / plain loop CPU ratio") == 1, out
    assert re.search(r"^round 2: plain loop [\d.]+ s CPU .* ratio [\d.]+$", out, re.M), out
    assert "median of 2 rounds" in out, out


def test_bench_store_small() -> None:
    out = run("bench_store.py", "--articles", "20")
    assert re.search(r"before \(one fsynced transaction per article\): [\d.]+ s", out), out
    assert re.search(r"after \(one transaction for the batch\): +[\d.]+ s", out), out


def test_bench_workers_small(postgres_server: str) -> None:
    # Exit 1 only says the speed-up missed its target, meaningless at this size.
    out = run("bench_workers.py", "--feeds", "12", "--latency", "0.01", "--hosts", "3",
              "--batch", "4", "--postgres", postgres_server, ok=(0, 1))
    assert out.count("12 of 12 feeds collected, 0 failed, 36 articles") == 2, out
    assert "speed-up with 3 workers" in out, out


@pytest.mark.slow
def test_bench_pdf_small() -> None:
    out = run("bench_pdf.py", "--articles", "6", "--repeat", "1")
    sizes = [float(kb) for kb in re.findall(r"([\d.]+) KB", out)]
    assert len(sizes) == 3, out
    assert sizes[1] > sizes[0], "the tagged PDF carries its structure tree"
    assert "pdf/ua-1 (default): size x" in out and "render time x" in out, out


def test_bench_startup_small() -> None:
    out = run("bench_startup.py", "--repeat", "1")
    assert "(apprise imported: False)" in out, out
    assert re.search(r"would make the CLI's imports x\d+\.\d\d", out), out


def test_bench_build_small() -> None:
    out = run("bench_build.py", "--articles", "3", "--repeat", "1")
    assert re.search(r"briefing build: +[\d.]+ s CPU", out), out
    assert re.search(r"bare render of its PDF: +[\d.]+ s CPU", out), out
    assert re.search(r"ratio build / bare render: [\d.]+ \(target <= 1.5: (met|NOT met)\)", out)


def test_bench_scale_small() -> None:
    # Other sizes than the default only report (exit 0); the figures are for people.
    out = run("bench_scale.py", "--sizes", "1,6")
    assert re.search(r"briefing --help +[\d.]+ s CPU", out), out
    assert re.search(r"briefing archive list +[\d.]+ s CPU", out), out
    assert re.search(r"\n +1 articles: +[\d.]+ s CPU, .*brief\.html \d+ KB", out), out
    assert re.search(r"\n +6 articles: +[\d.]+ s CPU, .*peak +\d+ MB", out), out
    assert "one-article build: target <= 1.2 s CPU" in out, out
    assert re.search(r"6-article build goes .*imports [\d.]+, read .*render [\d.]+, archive", out)


def test_bench_archive_small() -> None:
    out = run("bench_archive.py", "--sizes", "6,9", "--stories", "2", "--repeat", "2",
              "--searches", "5")
    for size in (6, 9):
        line = next(line for line in out.splitlines()
                    if line.startswith(f"archive: {size} briefs x 2 stories"))
        assert re.search(r"`briefing archive list` [\d.]+ s CPU", line), out
        assert re.search(r"update after one new build \(0 pages written, 1 brief indexed\): "
                         r"[\d.]+ s CPU", line), out
    assert re.search(r"update CPU ratio 9 / 6 briefs: [\d.]+", out), out
    assert "each update indexed the new brief only and wrote no brief page: met" in out, out
    assert re.search(r"update / rebuild CPU at 9 briefs: [\d.]+ \(target <= 0.01: ", out), out
    assert re.search(r"search-index.js [\d.]+ KiB naming 1 month parts", out), out
    assert "FTS5 search, median of 5" in out, out
