"""Record what a real OpenAI-compatible server answers, for the tests to replay.

Run against a server already listening on loopback (see README.md beside this file)::

    python tests/data/servers/capture.py --base-url http://127.0.0.1:8765/v1 \
        --model gemma-3-270m --name llama-cpp-python --context 4096

It writes, next to this script:

* ``<name>-<format>.json`` for each response_format the project can send
  (json_schema, json_object_schema, json_object, text): the status and body the
  server answered to a real story_bullets prompt;
* ``<name>-context-overflow.json``: the answer to a prompt longer than its window;
* ``<name>-answers.jsonl``: every exchange of a real ``briefing build`` of the
  bundled example articles through a recording proxy (task, story line,
  response_format, status, the message content and usage the server gave).

Nothing here runs in the test suite: it needs a real server and minutes of CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT)]

from briefing.config import Config, LLMConfig  # noqa: E402
from briefing.pipeline import build_brief  # noqa: E402
from briefing.summarize.endpoint import ChatEndpoint  # noqa: E402
from briefing.summarize.grounding import answer_schema  # noqa: E402
from briefing.summarize.prompts import PromptLibrary  # noqa: E402

FORMATS = ("json_schema", "json_object_schema", "json_object", "text")


def post(base_url: str, body: dict[str, Any], timeout: float) -> tuple[int, Any, float]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer not-needed"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    seconds = time.monotonic() - started
    try:
        return status, json.loads(raw), seconds
    except json.JSONDecodeError:
        return status, raw.decode("utf-8", "replace"), seconds


def probe_prompt() -> tuple[list[dict[str, str]], dict[str, Any]]:
    """A real story_bullets prompt (one bundled example article) and its schema."""
    article = next((ROOT / "examples" / "articles" / "meridian-wire").glob("*pipeline*.txt"))
    prompts = PromptLibrary()
    source = {"id": "A1", "outlet": "Meridian Wire", "title": article.stem[11:],
              "published": article.name[:10], "text": article.read_text(encoding="utf-8")}
    rendered = prompts.render("story_bullets", headline="Talvia and Kestria sign pipeline deal",
                              sources=[source], from_facts=False, min_bullets=2, max_bullets=5,
                              max_words=40)
    messages = [{"role": "system", "content": rendered.system},
                {"role": "user", "content": rendered.user}]
    return messages, answer_schema("bullets", ["A1"], 5, 40)


def capture_formats(args: argparse.Namespace) -> None:
    messages, schema = probe_prompt()
    for mode in FORMATS:
        sent = ChatEndpoint._for_mode(messages, schema, mode)
        body: dict[str, Any] = {"model": args.model, "messages": sent, "temperature": 0.2,
                                "max_tokens": 400}
        response_format = ChatEndpoint._response_format(schema, mode, "story_bullets")
        if response_format is not None:
            body["response_format"] = response_format
        status, answer, seconds = post(args.base_url, body, args.timeout)
        write(f"{args.name}-{mode}.json", {
            "server": args.name, "captured": today(), "seconds": round(seconds, 1),
            "request": {"response_format": response_format and response_format["type"],
                        "with_schema": mode != "json_object", "max_tokens": 400},
            "status": status, "body": answer,
        })
        print(f"{mode}: HTTP {status} in {seconds:.1f}s")


def capture_overflow(args: argparse.Namespace) -> None:
    filler = "The council met again on Tuesday to discuss the harbour plan. " * (args.context // 8)
    body = {"model": args.model, "max_tokens": 100,
            "messages": [{"role": "user", "content": filler}]}
    status, answer, seconds = post(args.base_url, body, args.timeout)
    write(f"{args.name}-context-overflow.json", {
        "server": args.name, "captured": today(), "seconds": round(seconds, 1),
        "request": {"prompt_chars": len(filler), "context": args.context},
        "status": status, "body": answer,
    })
    print(f"context overflow: HTTP {status}")


class Recorder(ThreadingHTTPServer):
    """A loopback proxy to the real server that keeps every exchange."""

    daemon_threads = True

    def __init__(self, target: str, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.exchanges: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Forward)


class _Forward(BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        status, answer, seconds = post(self.server.target, body, self.server.timeout)
        with self.server.lock:
            self.server.exchanges.append(exchange(body, status, answer, seconds))
        data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def exchange(body: dict[str, Any], status: int, answer: Any, seconds: float) -> dict[str, Any]:
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    response_format = body.get("response_format") or {}
    schema = response_format.get("schema") or response_format.get("json_schema", {}).get(
        "schema") or {}
    key = (schema.get("required") or ["?"])[0]
    task = {"bullets": "story_bullets", "facts": "article_facts", "lines": "top_lines"}.get(
        key, "?")
    story = next((line for line in user.splitlines() if line.startswith("Story: ")), "")
    choice = answer["choices"][0] if isinstance(answer, dict) and answer.get("choices") else {}
    return {
        "task": task, "story": story, "user_chars": len(user),
        "response_format": response_format.get("type"), "status": status,
        "seconds": round(seconds, 1),
        "content": choice.get("message", {}).get("content") if choice else None,
        "finish_reason": choice.get("finish_reason") if choice else None,
        "usage": answer.get("usage") if isinstance(answer, dict) else None,
        "error": None if choice else answer,
    }


def capture_build(args: argparse.Namespace) -> None:
    recorder = Recorder(args.base_url, args.timeout)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    host, port = recorder.server_address[:2]
    with tempfile.TemporaryDirectory() as tmp:
        llm = LLMConfig(base_url=f"http://{host!s}:{port}/v1", model=args.model,
                        context_tokens=args.context, max_output_tokens=args.max_output,
                        timeout=args.timeout, max_concurrency=1, max_retries=0)
        config = Config(llm=llm)
        config = Config(llm=llm, paths=type(config.paths)(store=Path(tmp) / "b.db",
                                                          out=Path(tmp) / "out"))
        started = time.monotonic()
        result = build_brief(config, engine="llm", out_root=Path(tmp) / "out")
        print(f"build: {time.monotonic() - started:.0f}s, coverage: {result.brief.coverage}")
        for note in result.brief.notes:
            print(f"  note: {note}")
    recorder.shutdown()
    lines = [json.dumps(item, ensure_ascii=False) for item in recorder.exchanges]
    (HERE / f"{args.name}-answers.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} exchanges recorded")


def write(name: str, data: dict[str, Any]) -> None:
    (HERE / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")


def today() -> str:
    return datetime.now().date().isoformat()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--name", required=True, help="file name prefix, e.g. llama-cpp-python")
    parser.add_argument("--context", type=int, default=4096, help="the server's n_ctx")
    parser.add_argument("--max-output", type=int, default=600)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--only-build", action="store_true")
    args = parser.parse_args()
    if not args.only_build:
        capture_formats(args)
        capture_overflow(args)
    if not args.skip_build:
        capture_build(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
