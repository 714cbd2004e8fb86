"""Shared fixtures. No test touches the real home, working directory or network."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pgcluster
import pytest

from briefing.config import Config, load_config
from briefing.storage import Storage, open_storage

ROOT = Path(__file__).resolve().parents[1]
#: Real news data provided beside the project (absent on some machines):
#: $BRIEFING_CORPUS, else <repo>/../shared/corpus.
CORPUS_DIR = Path(os.environ.get("BRIEFING_CORPUS") or ROOT.parent / "shared" / "corpus")
#: Five real news articles.
SEEDS_DIR = CORPUS_DIR / "seeds"


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the real-article corpus is not present at {SEEDS_DIR}")
    return SEEDS_DIR


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own folder, with no user config or LLM endpoint leaking in,
    its own cache folder, and every brief.json it writes checked against the schema."""
    monkeypatch.chdir(tmp_path)
    for name in ("BRIEFING_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / ".cache"))
    monkeypatch.setenv("BRIEFING_CHECK_WRITES", "1")


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """Undo the CLI's logging set-up after each test: its handler writes to the stderr
    of the test that ran it, which pytest closes afterwards."""
    logger = logging.getLogger("briefing")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Defaults, with the store and output folder inside the test's own folder."""
    return load_config(cwd=tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Storage]:
    """An empty, migrated SQLite store in the test's own folder."""
    with open_storage(tmp_path / "briefing.db") as opened:
        yield opened


# -- PostgreSQL: a throwaway cluster, started once per session -----------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database for this test run.

    $BRIEFING_TEST_POSTGRES_URL when set (CI starts a cluster and exports it), else
    a throwaway cluster started here (tests/pgcluster.py); the PostgreSQL half of
    the suite is skipped, saying why, only where neither is possible.
    """
    url = os.environ.get(pgcluster.URL_ENV)
    if url:
        yield url
        return
    try:
        cluster = pgcluster.start_cluster()
    except pgcluster.ClusterUnavailable as error:
        pytest.skip(f"PostgreSQL half skipped: no server could be started ({error}); "
                    f"set {pgcluster.URL_ENV} to use a running one")
    try:
        yield cluster.url()
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A store URL of its own: an empty schema of the test database, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    url = pgcluster.create_schema(postgres_server, schema)
    try:
        yield url
    finally:
        pgcluster.drop_schema(postgres_server, schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a store lives, once for each backend: an SQLite file, a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "briefing.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def storage(store_location: Path | str) -> Iterator[Storage]:
    """An empty, migrated store, once on SQLite and once on PostgreSQL."""
    with open_storage(store_location) as opened:
        yield opened
