"""Credentials in URLs never reach a message, a log line or a stored error."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.errors import BriefingError, SourceError
from briefing.redact import RedactingFilter, redact_text, redact_url
from briefing.summarize.llm_log import scrub

SECRET = "hunter2-s3cret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:hunter2@host.example/feed.xml", "http://***@host.example/feed.xml"),
        ("https://TOKEN123@git.example/x", "https://***@git.example/x"),
        ("https://host.example/a?token=abc&lang=en", "https://host.example/a?token=***&lang=en"),
        ("https://host.example/a?API_KEY=abc#access_token=xyz",
         "https://host.example/a?API_KEY=***#access_token=***"),
        ("https://u:p@[::1]:8080/a?x-auth-token=t", "https://***@[::1]:8080/a?x-auth-token=***"),
        ("https://host.example/plain?q=strike", "https://host.example/plain?q=strike"),
        ("http://u:p@host/path?sig=1;b=2", "http://***@host/path?sig=***;b=2"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_text_finds_every_url_in_free_text() -> None:
    text = (f"cannot fetch http://a:{SECRET}@one.example/x (via ftp://b:{SECRET}@two.example/) "
            f"and 'https://three.example/?password={SECRET}'")
    cleaned = redact_text(text)
    assert SECRET not in cleaned
    assert "one.example/x" in cleaned and "two.example/" in cleaned and "three.example" in cleaned


def test_punctuation_after_a_url_stays_in_the_sentence() -> None:
    assert redact_text("https://h.example/f.xml?token=abc: cannot resolve") == (
        "https://h.example/f.xml?token=***: cannot resolve"
    )
    assert redact_text("(see http://u:p@h.example/a.)") == "(see http://***@h.example/a.)"


def test_every_briefing_error_is_redacted_when_shown() -> None:
    error = SourceError(f"https://me:{SECRET}@feeds.example/private.xml: no usable article")
    assert str(error) == "https://***@feeds.example/private.xml: no usable article"
    assert SECRET not in f"{error}"

    class Custom(BriefingError):
        pass

    assert SECRET not in str(Custom(f"x http://u:{SECRET}@h/ y"))


def test_the_log_filter_cleans_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("briefing.x", logging.WARNING, __file__, 1,
                               "fetching %s failed", (f"http://u:{SECRET}@h.example/",), None)
    try:
        raise ValueError(f"bad URL http://u:{SECRET}@h.example/")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert SECRET not in formatted
    assert "fetching http://***@h.example/ failed" in formatted and "ValueError" in formatted


def test_the_llm_log_scrubs_urls_as_well_as_keys() -> None:
    assert scrub(f"APIConnectionError: http://u:{SECRET}@llm.example/v1 sk-abcdefgh123") == (
        "APIConnectionError: http://***@llm.example/v1 ***"
    )


def test_a_source_url_with_a_password_never_reaches_stderr_or_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text('[paths]\nout = "out"\nstore = "store.db"\n[fetch]\nconnect_timeout = 1\n'
                      "deadline = 2\n", encoding="utf-8")
    # Refused before connecting (loopback is not allowed), so no network is touched.
    url = f"http://reader:{SECRET}@127.0.0.1:9/private/feed.xml?token={SECRET}"
    assert main(["build", "--config", str(config), "--source", url, "-v"]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "127.0.0.1:9/private/feed.xml" in err
    assert SECRET not in err
    with sqlite3.connect(tmp_path / "store.db") as db:
        rows = db.execute("SELECT name, last_error FROM sources").fetchall()
    assert rows and all(SECRET not in str(value) for row in rows for value in row)

    # A scheme that is refused outright is named, still without its password.
    assert main(["build", "--config", str(config), "--source", f"ftp://u:{SECRET}@h/x"]) == 1
    err = capsys.readouterr().err
    assert "ftp://***@h/x: only http:// and https:// URLs" in err and SECRET not in err
