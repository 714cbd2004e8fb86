"""Several schedulers on one PostgreSQL store, one of them SIGKILLed mid-run.

Three real ``briefing schedule`` loops (``worker_child.py``), each as if on a
machine of its own, share a PostgreSQL store, an SMTP server (aiosmtpd) and a
slow feed; three digests are due. One worker is killed with SIGKILL while it
builds a digest, or while an email of it is on the wire. The others find it dead
when its heartbeat runs out, take its digest over, and finish: every digest goes
to every recipient exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from collect.server import DATA, LoopbackServer

from briefing.storage import Storage, open_storage

from .conftest import RECIPIENTS, MailServer, toml_value

CHILD = Path(__file__).with_name("worker_child.py")
ROOT = Path(__file__).resolve().parents[2]
PROFILES = {"alpha": "Alpha Brief", "bravo": "Bravo Brief", "charlie": "Charlie Brief"}
HOSTS = ("worker-a", "worker-b", "worker-c")
#: A worker silent this long is dead; short, so the test does not wait long.
LEASE_SECONDS = 3
#: The feed answers this late, so each build takes a while: time to kill one mid-build.
FEED_DELAY = 2.5


def slow_feed(delay: float) -> Callable[[BaseHTTPRequestHandler], None]:
    body = (DATA / "wire-a.xml").read_bytes()

    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def due_now() -> tuple[str, str, date]:
    """(time zone, deliver_at, local date): a zone where it is about noon, a time just
    passed, and the day there."""
    now = datetime.now(UTC)
    offset = 12 - now.hour  # in -11..12: every Etc/GMT zone exists
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    local = now + timedelta(hours=offset) - timedelta(minutes=2)
    return zone, local.strftime("%H:%M"), local.date()


def write_config(folder: Path, store: str, server: MailServer, feed: LoopbackServer) -> Path:
    zone, deliver_at, _ = due_now()
    lines = [
        "[paths]", f"store = {toml_value(store)}", f"out = {toml_value(str(folder / 'out'))}",
        "", "[workers]", f"lease_seconds = {LEASE_SECONDS}",
        "", "[brief]", 'engine = "extractive"', "", "[archive]", "site = false",
        "", "[fetch]", f"allow_private = [\"127.0.0.1:{feed.port}\"]", "full_text = false",
        "", "[smtp]", f"host = {toml_value(server.host)}", f"port = {server.port}",
        'security = "none"', "timeout = 10", 'from_address = "Briefs <brief@news.example>"',
        'message_id_domain = "news.example"', "retry_delay = 0.05",
        "", "[[sources]]", 'name = "wire"', 'type = "feed"',
        f"url = {toml_value(feed.url('/feed.xml'))}",
    ]
    for name, title in PROFILES.items():
        lines += [
            "", f"[profiles.{name}]", f"title = {toml_value(title)}",
            f"recipients = {toml_value(list(RECIPIENTS))}", 'sources = ["wire"]',
            f"[profiles.{name}.schedule]", f"deliver_at = {toml_value(deliver_at)}",
            f"timezone = {toml_value(zone)}", 'days = "daily"', "catch_up_grace_minutes = 120",
            "retry_every_minutes = 60", "max_attempts_per_day = 4",
            "collect_every_minutes = 600",
        ]
    path = folder / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Workers:
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path
    day: date  # the digests' local date

    def kill(self, host: str) -> None:
        self.processes[host].send_signal(signal.SIGKILL)
        self.processes[host].wait(10)

    def output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.glob("*.log"))


@contextmanager
def workers(config: Path, logs: Path) -> Iterator[Workers]:
    logs.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for host in HOSTS:
        with (logs / f"{host}.log").open("wb") as log:
            processes[host] = subprocess.Popen(
                [sys.executable, str(CHILD), str(config), host, "1"],
                stdout=log, stderr=subprocess.STDOUT, env=env,
            )
    try:
        yield Workers(processes, logs, due_now()[2])
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def wait_for(what: str, check: Callable[[], object], timeout: float, crew: Workers) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}\n{crew.output()[-6000:]}")


def host_of(owner: str | None) -> str | None:
    host = (owner or "").split("/", 1)[0]
    return host if host in HOSTS else None


def all_sent(storage: Storage, day: date) -> bool:
    records = storage.digests.records(list(PROFILES), since=day)
    return len(records) == len(PROFILES) and all(r.state == "sent" for r in records)


def assert_everyone_got_each_digest_once(server: MailServer, store: str, day: date) -> None:
    received: Counter[tuple[str, str]] = Counter()
    for message in server.received:
        subject = str(message.message["Subject"])
        [title] = [t for t in PROFILES.values() if subject.startswith(t)]
        for recipient in message.rcpt_tos:
            received[(title, recipient)] += 1
    expected = {(title, recipient): 1 for title in PROFILES.values() for recipient in RECIPIENTS}
    assert dict(received) == expected
    with open_storage(store) as storage:
        states = {record.profile: record.state
                  for record in storage.digests.records(list(PROFILES), since=day)}
        assert states == dict.fromkeys(PROFILES, "sent")
        assert storage.workers.all() != []  # the killed worker's row: it never signed off


@pytest.fixture
def feed() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    server.handle("/feed.xml", slow_feed(FEED_DELAY))
    yield server
    server.stop()


@pytest.mark.slow
def test_a_worker_killed_mid_build_is_taken_over_and_nothing_is_sent_twice(
    tmp_path: Path, postgres_url: str, mail_server: MailServer, feed: LoopbackServer
) -> None:
    config = write_config(tmp_path, postgres_url, mail_server, feed)
    with open_storage(postgres_url) as storage, workers(config, tmp_path / "logs") as crew:

        def building() -> tuple[str, str] | None:
            for record in storage.digests.in_progress():
                host = host_of(record.claimed_by)
                if record.state == "building" and host is not None:
                    return host, record.profile
            return None

        victim, profile = wait_for("a digest being built", building, 240, crew)  # type: ignore[misc]
        crew.kill(victim)
        wait_for("every digest sent", lambda: all_sent(storage, crew.day), 300, crew)
        taken_over = storage.digests.get(profile, crew.day)
        assert taken_over is not None
        assert taken_over.attempts == 2, crew.output()[-4000:]  # the killed try, then one more
        assert host_of(taken_over.claimed_by) not in (None, victim)
    assert_everyone_got_each_digest_once(mail_server, postgres_url, crew.day)
    assert f"{victim}/" in crew.output()  # the victim did claim work before it died


@pytest.mark.slow
def test_a_worker_killed_mid_send_leaves_its_email_unknown_never_resent(
    tmp_path: Path, postgres_url: str, start_server: Callable[..., MailServer],
    feed: LoopbackServer,
) -> None:
    server = start_server(script=["ok", "block"])  # the second email hangs after DATA
    config = write_config(tmp_path, postgres_url, server, feed)
    with open_storage(postgres_url) as storage, workers(config, tmp_path / "logs") as crew:
        wait_for("an email on the wire", server.handler.blocked.is_set, 300, crew)
        hanging = server.received[server.handler.answers.index("block")]  # ok or block only
        subject = str(hanging.message["Subject"])
        [profile] = [name for name, title in PROFILES.items() if subject.startswith(title)]
        record = storage.briefs.latest(profile)
        assert record is not None
        [row] = [r for r in storage.outbox.rows(record.id) if r.recipient in hanging.rcpt_tos]
        victim = host_of(row.claimed_by)
        assert victim is not None and row.state == "sending"
        crew.kill(victim)
        server.handler.release.set()
        wait_for("every digest sent", lambda: all_sent(storage, crew.day), 300, crew)
        after = storage.outbox.row(row.id)
        assert after is not None and after.state == "unknown"  # maybe delivered: never resent
        done = storage.digests.get(profile, crew.day)
        assert done is not None and "unknown" in (done.last_error or "")
    assert_everyone_got_each_digest_once(server, postgres_url, crew.day)


def test_workers_collecting_at_once_take_each_feed_once_per_interval(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two workers' collection jobs for one profile, started together: they split its
    feeds, none twice; within the interval neither collects again."""
    from briefing.collect import CollectReport
    from briefing.config import load_config
    from briefing.schedule import Runner
    from briefing.storage import SourceRef, SourceRun

    lines = ["[paths]", f"store = {toml_value(postgres_url)}", "[workers]", "collect_batch = 5"]
    for n in range(40):
        lines += ["[[sources]]", f'name = "feed{n:02}"', 'type = "feed"',
                  f'url = "https://feed{n}.example/rss"']
    lines += ["[profiles.desk]", "[profiles.desk.schedule]", 'deliver_at = "07:00"',
              'timezone = "UTC"', "collect_every_minutes = 30", "send = false"]
    path = tmp_path / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(path)
    now = datetime(2026, 3, 30, 5, tzinfo=UTC)
    fetched: list[str] = []
    start = threading.Barrier(2)

    def fake_collect(config: object, store: Storage, sources: list, *, now: datetime,
                     **_: object) -> CollectReport:
        fetched.extend(source.name for source in sources)
        time.sleep(0.05)  # the network
        store.sources.record_runs([SourceRun(SourceRef(s.name, s.type, s.url), new=1)
                                   for s in sources], now)
        return CollectReport(new=len(sources), duplicates=0, near_duplicates=0,
                             unchanged_sources=0, failures=(), sources_total=len(sources),
                             article_ids=())

    results: list[str] = []

    def worker() -> None:
        with open_storage(postgres_url) as store:
            runner = Runner(config, store, clock=lambda: now, collect_sources=fake_collect)
            store.workers.register(runner.owner, host="h", pid=os.getpid(), now=now)
            start.wait(10)
            results.append(runner.collect("desk").result)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == ["collected", "collected"], results
    assert sorted(fetched) == [f"feed{n:02}" for n in range(40)]  # each once, all of them
    assert results == ["collected", "collected"]  # both did a share
    start = threading.Barrier(1)
    worker()  # again within the interval: nothing is due
    assert results[-1] == "taken" and len(fetched) == 40


def test_several_once_runs_at_once_on_postgres_take_no_lock_and_deliver_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """Cron runs that overlap (or a CronJob with concurrencyPolicy Allow) are workers too."""
    import dataclasses

    from briefing.schedule import run_scheduler

    from .conftest import FakeClock, scheduled_config, utc
    from .test_daemon import FakePipeline

    _, config = scheduled_config(tmp_path, None)
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths,
                                                                   store=postgres_url))
    clock = FakeClock(utc(2026, 3, 30, 6, 0))  # Monday 07:00 BST: the digest is due
    fake = FakePipeline(config, clock)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def once() -> None:
        try:
            start.wait(10)
            report = run_scheduler(config, once=True, clock=clock, handle_signals=False,
                                   build=fake.build, send=fake.send)
            outcomes.extend(o.result for o in report.outcomes if o.kind == "deliver")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=once) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors  # no LockHeldError: the lock is SQLite's only
    assert outcomes.count("sent") == 1 and set(outcomes) <= {"sent", "taken"}
    assert len(fake.builds) == 1 and len(fake.sends) == 1
    assert not (tmp_path / "store.db.schedule.lock").exists()
