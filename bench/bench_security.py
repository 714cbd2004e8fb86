"""Benchmark: the figures behind the README's "Security" promises.

1. Decompression bombs: ``briefing build`` (the real CLI, in a child process)
   against a loopback server answering ``br``, ``gzip, gzip`` and ``deflate``
   bombs beside a good feed and a good local folder; prints the child's peak
   memory (ru_maxrss), the time, and what the brief and the store say.
2. Injected claims: the bundled examples plus the hostile articles of
   ``tests/data/hostile_articles`` through the LLM engine, against a model that
   obeys any order it is sent and one that writes the injected claims anyway;
   prints how many injected lines the model wrote and how many reached an output.
3. Faithful bullets kept: a model answering only faithful paraphrases and the
   articles' own sentences over the bundled examples; prints the share of its
   bullets that reach the brief (the target is at least 90%).

    python bench/bench_security.py            # 2 GiB bombs (1 GiB deflate)
    python bench/bench_security.py --small    # 64 MiB bombs, for a quick check
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from collect import bombs  # noqa: E402
from collect.server import LoopbackServer, raw  # noqa: E402
from hostile_models import (  # noqa: E402
    EXAMPLES_DIR,
    HOSTILE_DIR,
    FaithfulModel,
    InjectingModel,
    ObeyingModel,
    paraphrases_by_title,
)
from openai_server import FakeOpenAI  # noqa: E402

from briefing.config import LLMConfig, load_config  # noqa: E402
from briefing.pipeline import build_brief  # noqa: E402

WRAPPER = """
import resource, subprocess, sys
cli = "from briefing.cli import run; run()"
done = subprocess.run([sys.executable, "-c", cli, *sys.argv[1:]],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
print(f"@@ {done.returncode} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def bomb_build(mib: int) -> None:
    made = time.perf_counter()
    every = [bombs.br(mib), bombs.gzip_in_gzip(mib), bombs.deflate(max(mib // 2, 1))]
    print(f"bombs made in {time.perf_counter() - made:.1f} s: "
          + ", ".join(f"{b.encoding} {len(b.body):,} B -> {b.expands_to / 2**20:,.0f} MiB"
                      for b in every))
    server = LoopbackServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            good = server.add_file("/ledger.xml", "rss20.xml")
            lines = [
                "[paths]", 'out = "out"', 'store = "store.db"',
                "[fetch]", f'allow_private = ["127.0.0.1:{server.port}"]', "deadline = 30",
                "respect_robots = false", "per_host_delay = 0",
                "[[sources]]", 'name = "folder"', 'type = "folder"',
                f'path = "{EXAMPLES_DIR / "harbour-ledger"}"',
                "[[sources]]", 'name = "ledger"', 'type = "feed"', f'url = "{good}"',
            ]
            for bomb in every:
                url = server.handle(f"/{bomb.name}", raw(bomb.body, {
                    "Content-Type": "text/html", "Content-Encoding": bomb.encoding,
                    "Content-Length": str(len(bomb.body))}))
                lines += ["[[sources]]", f'name = "{bomb.name}"', 'type = "page"', f'url = "{url}"']
            (folder / "briefing.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", WRAPPER, "build", "--config", "briefing.toml",
                 "--engine", "extractive"],
                capture_output=True, text=True, cwd=folder, timeout=600,
            )
            elapsed = time.perf_counter() - started
            status, peak_kb = done.stdout.rsplit("@@ ", 1)[1].split()
            print(f"build with 3 bombs: exit {status}, {elapsed:.1f} s, "
                  f"peak memory {int(peak_kb) / 1024:.0f} MB (target < 300 MB)")
            with sqlite3.connect(folder / "store.db") as db:
                for name, error in db.execute("SELECT name, last_error FROM sources ORDER BY 1"):
                    print(f"  source {name}: {error or 'ok'}")
            briefs = list((folder / "out" / "default").glob("*/brief.json"))
            if briefs:
                brief = json.loads(briefs[0].read_text(encoding="utf-8"))
                print(f"  brief: {len(brief['sources'])} sources cited; "
                      + " ".join(brief["notes"]))
    finally:
        server.stop()


def llm_build(handler: Any, sources: list[Path], tmp: Path) -> tuple[dict[str, Any], str]:
    config = load_config(cwd=tmp)
    with FakeOpenAI() as server:
        server.handler = handler
        config = dataclasses.replace(
            config, llm=LLMConfig(base_url=server.base_url, model="fake-model", max_retries=0),
            limits=dataclasses.replace(config.limits, max_bullets=30),
        )
        result = build_brief(config, sources=sources, engine="llm")
    written = " ".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in result.folder.iterdir() if path.suffix in (".json", ".txt", ".html")
    )
    data = json.loads(result.files.json.read_text(encoding="utf-8"))
    return data, " ".join(written.split()).casefold()


def llm_bullets(data: dict[str, Any]) -> list[str]:
    return [b["text"] for s in data["stories"] for b in s["bullets"] if b["origin"] == "llm"]


def injected_claims() -> None:
    markers = InjectingModel().markers
    models: list[ObeyingModel | InjectingModel] = [ObeyingModel(), InjectingModel()]
    for model in models:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            data, written = llm_build(model, [EXAMPLES_DIR, HOSTILE_DIR], Path(tmp))
            reaching = [m for m in markers if m.casefold() in written]
            lines = model.obeyed if isinstance(model, ObeyingModel) else model.injected
            print(f"{type(model).__name__}: wrote {len(lines)} injected lines; "
                  f"{len(reaching)} injected claims reached an output (target 0); "
                  f"dropped {data['dropped']['reasons']}; {time.perf_counter() - started:.1f} s")


def faithful_share() -> None:
    model = FaithfulModel(paraphrases_by_title())
    with tempfile.TemporaryDirectory() as tmp:
        data, _ = llm_build(model, [EXAMPLES_DIR], Path(tmp))
    proposed = set(model.bullets())
    kept = set(llm_bullets(data)) & proposed
    print(f"faithful bullets kept on the bundled examples: {len(kept)} of {len(proposed)} "
          f"= {len(kept) / len(proposed):.1%} (target >= 90%)")
    for text in sorted(proposed - kept):
        print(f"  dropped: {text}")


def looser_share() -> None:
    from briefing.clean import clean_documents
    from briefing.ingest.files import read_paths
    from briefing.summarize.support import check_support

    articles = {
        Path(d.location).relative_to(EXAMPLES_DIR).as_posix():
            "\n".join([d.outlet or "", d.title or "", d.text])
        for d in clean_documents(read_paths([EXAMPLES_DIR]).documents)
    }
    table = json.loads((ROOT / "tests" / "data" / "loose_paraphrases.json").read_text("utf-8"))
    lines = [(k, line) for k, items in table.items() if not k.startswith("_") for line in items]
    kept = sum(1 for key, line in lines if check_support(line, [articles[key]]) is None)
    print(f"looser paraphrases supported (reported, not promised): {kept} of {len(lines)} "
          f"= {kept / len(lines):.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="64 MiB bombs: a quick check")
    args = parser.parse_args()
    bomb_build(64 if args.small else 2048)
    injected_claims()
    faithful_share()
    looser_share()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

