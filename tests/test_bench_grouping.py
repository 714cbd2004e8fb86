"""Smoke runs of the grouping benchmarks on tiny inputs (figures are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLINES = {
    "sbarro": ["Sbarro files for bankruptcy again", "Pizza chain Sbarro goes bankrupt",
               "Sbarro files for Chapter 11 protection"],
    "titanfall": ["Titanfall review roundup", "Titanfall resolution likely to rise",
                  "Where to buy Titanfall tonight"],
    "chiquita": ["Chiquita to buy Fyffes", "Chiquita and Fyffes create banana giant"],
    "tesla": ["Tesla recalls Model S chargers", "Tesla Model S charger recall"],
    "snowden": ["Snowden speaks at SXSW", "Edward Snowden tells SXSW crowd to encrypt"],
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)


def _labelled(tmp_path: Path) -> Path:
    lines = ["id\tstory\tpublished\toutlet\turl\ttitle"]
    for story, titles in HEADLINES.items():
        for title in titles:
            lines.append(f"{len(lines)}\t{story}\t2014-03-10T12:00:00+00:00\tOutlet\t\t{title}")
    path = tmp_path / "tiny.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bench_grouping_compares_project_and_baseline(tmp_path: Path) -> None:
    result = _run("bench/bench_grouping.py", "--data", str(_labelled(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "project (default parameters)" in result.stdout
    assert "baseline TF-IDF + average linkage" in result.stdout
    assert "B-cubed" in result.stdout and "without publication times" in result.stdout


def test_bench_grouping_calibrates_on_the_tuning_part(tmp_path: Path) -> None:
    result = _run("bench/bench_grouping.py", "--data", str(_labelled(tmp_path)), "--calibrate")
    assert result.returncode == 0, result.stderr
    assert "title_link" in result.stdout


def test_bench_grouping_names_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttitle\n1\tx\n", encoding="utf-8")
    result = _run("bench/bench_grouping.py", "--data", str(bad))
    assert result.returncode == 2 and str(bad) in result.stderr and "story" in result.stderr
    missing = _run("bench/bench_grouping.py", "--data", str(tmp_path / "absent.tsv"))
    assert missing.returncode == 2 and "absent.tsv" in missing.stderr


def test_bench_stories_prints_the_growth_ratio() -> None:
    result = _run("bench/bench_stories.py", "40", "80")
    assert result.returncode == 0, result.stderr
    assert "ratio 80/40: time x" in result.stdout
