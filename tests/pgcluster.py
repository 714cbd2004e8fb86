"""A throwaway PostgreSQL cluster for the tests and benches: never a system service.

``start_cluster()`` runs Debian's ``initdb`` into a new temporary folder and
``pg_ctl start`` on a free loopback port with a socket folder of its own, then
creates the database ``briefing``. PostgreSQL refuses to run as root, so as root
both run as the ``postgres`` user (``runuser``), in a folder that user owns.
``Cluster.stop()`` stops the server and removes the folder.

``with_schema(url, name)`` points a URL at one schema of that database: each
test gets an empty schema of its own, far cheaper than a database each.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

#: Tests and benches use this server instead of starting one, when set.
URL_ENV = "BRIEFING_TEST_POSTGRES_URL"
SERVER_USER = "postgres"


class ClusterUnavailable(Exception):
    """No PostgreSQL server can be started here (the message says why)."""


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: $PATH, else Debian's newest version."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    bindir: Path
    prefix: list[str]

    def url(self, database: str = "briefing") -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"),
             "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60, check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    bindir = find_bindir()
    if bindir is None or not (bindir / "initdb").is_file():
        raise ClusterUnavailable("initdb and pg_ctl not found (apt-get install postgresql)")
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise ClusterUnavailable(f"running as root and no {SERVER_USER!r} user") from None
        if shutil.which("runuser") is None:
            raise ClusterUnavailable("running as root and runuser is missing")
        prefix = ["runuser", "-u", SERVER_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    try:
        (root / "sock").mkdir()
        if owner is not None:
            for path in (root, root / "sock"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        port = free_port()
        _run([*prefix, str(bindir / "initdb"), "-D", str(root / "data"), "-A", "trust",
              "-U", SERVER_USER, "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        server_options = (
            f"-p {port} -k {root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        _run([*prefix, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-l",
              str(root / "server.log"), "-o", server_options, "-w", "-t", "60", "start"],
             "pg_ctl start")
        cluster = Cluster(root, port, bindir, prefix)
        _create_database(cluster.url("postgres"), "briefing")
        return cluster
    except BaseException:
        with contextlib.suppress(Exception):
            Cluster(root, 0, bindir, prefix).stop()
        shutil.rmtree(root, ignore_errors=True)
        raise


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClusterUnavailable(f"{what}: {error}") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"]
        raise ClusterUnavailable(f"{what} failed: {last[0]}")


def _create_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def with_schema(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query = [(k, v) for k, v in query if k != "options"] + [("options", f"-csearch_path={schema}")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def create_schema(url: str, schema: str) -> str:
    """Create ``schema`` in ``url``'s database; returns the URL that uses it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return with_schema(url, schema)


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
