"""Chat channels through Apprise, against a real webhook receiver on loopback: json://
and form:// posts, the PDF attached, headlines linked, a failing target retried and
never posted twice, secrets only from the environment and never in logs, errors or
the store; Apprise not even imported without targets."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from briefing.config import ConfigError, load_config
from briefing.deliver import delivery_problems, send_brief

from .conftest import Setup, SetupFactory, outbox_states

HOOK_TOKEN = "tok-5ecr3t-77aa"
HOOK_PASSWORD = "pw-hunter2-zz"


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers each POST with the next status scripted for its path (then 200)."""

    scripts: dict[str, list[int]] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    port: int = 0

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def accepted(self, path: str) -> list[Post]:
        return [post for post in self.posts if post.path.split("?")[0] == path
                and post.status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            path = self.path.split("?")[0]
            with lock:
                script = state.scripts.get(path, [])
                status = script.pop(0) if script else 200
                state.posts.append(Post(self.path, {k.lower(): v for k, v in
                                                    self.headers.items()}, body, status))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _with_notify(setup: SetupFactory, targets: list[str], *, recipients: tuple[str, ...] = (),
                 archive: str = "") -> Setup:
    made = setup(None, recipients=recipients)
    text = made.config_file.read_text(encoding="utf-8")
    text += "notify = " + json.dumps(targets) + "\n"
    if archive:
        text += f'\n[archive]\nbase_url = "{archive}"\n'
    made.config_file.write_text(text, encoding="utf-8")
    made.config = load_config(made.config_file)
    return made


def _send(made: Setup, **options: object) -> object:
    return send_brief(made.config, made.store, made.brief_id, sleep=lambda _: None,
                      **options)  # type: ignore[arg-type]


def test_json_and_form_targets_get_the_brief_with_the_pdf(
    setup: SetupFactory, receiver: Receiver
) -> None:
    made = _with_notify(setup, [receiver.url("json", "/hook"), receiver.url("form", "/form")])
    report = _send(made)
    assert report.ok and len(report.sent) == 2  # type: ignore[attr-defined]
    (post,) = receiver.accepted("/hook")
    payload = json.loads(post.body)
    brief = made.brief
    assert payload["title"].startswith(brief.title)
    message = payload["message"]
    for story in brief.stories[:10]:
        first = next(s for s in brief.sources if s.number in story.sources)
        if first.url:
            assert f"({first.url})" in message, story.headline
    for line in brief.top_lines:
        assert line.text.split()[0] in message
    (attachment,) = payload["attachments"]
    assert attachment["filename"] == "brief.pdf"
    assert base64.b64decode(attachment["base64"]).startswith(b"%PDF-")
    (form,) = receiver.accepted("/form")
    parsed = message_from_bytes(
        b"Content-Type: " + form.headers["content-type"].encode() + b"\r\n\r\n" + form.body,
        policy=policy.default)
    parts = {part.get_param("name", header="content-disposition"): part
             for part in parsed.iter_parts()}
    assert parts["title"].get_content().startswith(brief.title)
    files = [part for part in parsed.iter_parts() if part.get_filename() == "brief.pdf"]
    assert files and files[0].get_content().startswith(b"%PDF-")


def test_headlines_link_the_archive_page_when_it_has_an_address(
    setup: SetupFactory, receiver: Receiver
) -> None:
    made = _with_notify(setup, [receiver.url("json", "/hook")],
                        archive="https://briefs.example.org/")
    _send(made)
    message = json.loads(receiver.accepted("/hook")[0].body)["message"]
    page = f"https://briefs.example.org/morning/{made.folder.name}/index.html"
    assert message.count(f"]({page})") >= len(made.brief.stories[:10])


def test_a_failing_target_is_retried_and_nobody_gets_it_twice(
    setup: SetupFactory, receiver: Receiver
) -> None:
    receiver.scripts["/flaky"] = [500, 503]
    made = _with_notify(setup, [receiver.url("json", "/hook"), receiver.url("json", "/flaky")],
                        recipients=())
    report = _send(made)
    assert report.ok  # type: ignore[attr-defined]
    assert [post.status for post in receiver.posts if post.path == "/flaky"] == [500, 503, 200]
    assert len(receiver.accepted("/hook")) == 1
    assert set(outbox_states(made.store, made.brief_id).values()) == {"sent"}
    # Sending again (the scheduler's retry, a second `briefing send`) posts nothing.
    again = _send(made)
    assert again.sent == [] and len(again.already_sent) == 2  # type: ignore[attr-defined]
    assert len(receiver.accepted("/flaky")) == 1 and len(receiver.accepted("/hook")) == 1


def test_a_target_that_keeps_failing_is_reported_and_not_retried_by_itself(
    setup: SetupFactory, receiver: Receiver
) -> None:
    receiver.scripts["/down"] = [500] * 20
    made = _with_notify(setup, [receiver.url("json", "/down")])
    report = _send(made)
    assert not report.ok  # type: ignore[attr-defined]
    (key, reason), = report.failed.items()  # type: ignore[attr-defined]
    assert key.startswith("notify:json://127.0.0.1:") and "gave up after 3 attempts" in reason
    (problem,) = delivery_problems(made.config, made.store)
    assert "not delivered to notify:json://" in problem.line()
    posts = len(receiver.posts)
    _send(made)
    assert len(receiver.posts) == posts  # failed stays failed until someone acts
    receiver.scripts["/down"] = []
    assert _send(made, retry_failed=True).ok  # type: ignore[attr-defined]
    assert len(receiver.accepted("/down")) == 1
    assert delivery_problems(made.config, made.store) == []


def test_secrets_come_from_the_environment_and_go_nowhere_else(
    setup: SetupFactory, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HOOK_TOKEN", HOOK_TOKEN)
    monkeypatch.setenv("HOOK_PASSWORD", HOOK_PASSWORD)
    receiver.scripts["/down"] = [500] * 20
    good = f"json://desk:${{HOOK_PASSWORD}}@127.0.0.1:{receiver.port}/hook?+X-Token=${{HOOK_TOKEN}}"
    bad = f"json://desk:${{HOOK_PASSWORD}}@127.0.0.1:{receiver.port}/down?+X-Token=${{HOOK_TOKEN}}"
    made = _with_notify(setup, [good, bad])
    report = _send(made)
    (post,) = receiver.accepted("/hook")
    assert post.headers["x-token"] == HOOK_TOKEN
    expected = base64.b64encode(f"desk:{HOOK_PASSWORD}".encode()).decode()
    assert post.headers["authorization"] == f"Basic {expected}"
    seen = "\n".join([caplog.text, *report.lines(),  # type: ignore[attr-defined]
                      *(p.line() for p in delivery_problems(made.config, made.store)),
                      made.config_file.read_text(encoding="utf-8")])
    assert "${HOOK_TOKEN}" in seen  # the template is what people see
    made.store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert b"notify:json://" in stored
    for secret in (HOOK_TOKEN, HOOK_PASSWORD, expected):
        assert secret not in seen
        assert secret.encode() not in stored


def test_a_missing_variable_fails_that_target_alone(
    setup: SetupFactory, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    made = _with_notify(setup, [receiver.url("json", "/hook"),
                                f"json://127.0.0.1:{receiver.port}/x?+T=${{NOPE_TOKEN}}"])
    report = _send(made)
    assert len(receiver.accepted("/hook")) == 1
    (reason,) = report.failed.values()  # type: ignore[attr-defined]
    assert "environment variable NOPE_TOKEN is not set" in reason
    assert not receiver.accepted("/x")


def test_email_and_channels_together_through_the_cli(
    setup: SetupFactory, receiver: Receiver, mail_server: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from briefing.cli import main

    made = setup(mail_server, recipients=("ada@example.org",))
    text = made.config_file.read_text(encoding="utf-8")
    made.config_file.write_text(text + "notify = " + json.dumps(
        [receiver.url("json", "/hook")]) + "\n", encoding="utf-8")
    assert main(["--config", str(made.config_file), "send", "--profile", "morning"]) == 0
    assert len(receiver.accepted("/hook")) == 1
    assert len(mail_server.handler.received) == 1  # type: ignore[attr-defined]
    assert "2 sent" in capsys.readouterr().out


def test_apprise_is_not_imported_without_targets() -> None:
    code = ("import sys, briefing, briefing.cli, briefing.publishing, briefing.deliver, "
            "briefing.pipeline; print('apprise' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "must be a notification URL"),
    ("json://desk:hunter2@hooks.example.org/x", "holds a password: write it as"),
])
def test_notify_urls_are_checked_when_the_config_loads(
    tmp_path: Path, url: str, message: str
) -> None:
    path = tmp_path / "briefing.toml"
    path.write_text(f"[profiles.morning]\nnotify = {json.dumps([url])}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_two_senders_racing_post_once_on_either_backend(
    store_location: Path | str, receiver: Receiver
) -> None:
    """Two processes' views of one store (SQLite, PostgreSQL) post the same brief to the
    same targets at once: each target gets it exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    from recorded import placeholder_brief

    from briefing.deliver.channels import ChannelMessage, Target, post_to_channels
    from briefing.deliver.outbox import Outbox
    from briefing.storage import open_storage

    receiver.scripts["/flaky"] = [500]
    targets = [Target(receiver.url("json", "/hook")), Target(receiver.url("form", "/flaky"))]
    message = ChannelMessage(title="Morning Brief", body="- one line")
    with open_storage(store_location) as first, open_storage(store_location) as second:
        brief_id = placeholder_brief(first, "morning")

        def run(store: object) -> list[str]:
            return post_to_channels(Outbox(store), brief_id, targets, message,  # type: ignore[arg-type]
                                    max_attempts=3, retry_delay=0.0, sleep=lambda _: None)

        with ThreadPoolExecutor(2) as pool:
            posted = [key for keys in pool.map(run, [first, second]) for key in keys]
        assert sorted(posted) == sorted(target.key for target in targets)
        assert len(receiver.accepted("/hook")) == 1 and len(receiver.accepted("/flaky")) == 1
        again = post_to_channels(Outbox(second), brief_id, targets, message, max_attempts=3,
                                 retry_delay=0.0, sleep=lambda _: None)
        assert again == [] and len(receiver.posts) == 3  # 500, then 200, and the other 200
