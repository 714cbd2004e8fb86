"""Chat channels: a brief posted through Apprise to Slack, Teams, Telegram, Discord,
Matrix, ntfy, generic JSON/form webhooks and the rest.

``[profiles.NAME] notify = [...]`` lists Apprise URLs whose secrets are written as
``${ENV_VAR}`` (``briefing.secrets``): the config and the store hold the template,
the expanded URL lives only for the post. Each (brief, target) is an outbox row
(``briefing.deliver.outbox``) keyed ``notify:<template, redacted> #<hash>``, claimed
exactly as an email is, so a target never gets a brief twice, even when two
senders race::

    pending ──claim──> sending ──apprise──> sent
       ^                  │──────────────> failed   (out of attempts, or a URL Apprise
       └──── release ─────┘                           cannot use)

A post that fails (the service answered an error, or did not answer) is retried
with backoff, up to ``smtp.max_attempts`` (the email retry policy); a sender
that died mid-post leaves the row ``unknown``, resent only on purpose.

Apprise takes over a second to import: it is imported only when a profile has
targets. Its own log (which can name the expanded URL) is captured during a post
and never passed on; the one-line error kept is cleaned of every secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.brief import Brief
from briefing.config import Config
from briefing.deliver.outbox import Outbox, OutboxRow
from briefing.redact import MASK, redact_text
from briefing.render.context import ReaderLinks
from briefing.render.environment import public_http_url
from briefing.secrets import MissingSecretError, expand, references

logger = logging.getLogger(__name__)

#: Outbox keys of channel targets start with this; email rows hold an address.
TARGET_PREFIX = "notify:"
#: Story headlines in a message at most; the rest are counted.
MAX_HEADLINES = 10


@dataclass(frozen=True)
class Target:
    """One configured notification URL (a template: secrets as ``${VAR}``)."""

    template: str

    @property
    def key(self) -> str:
        """The outbox key: readable (secrets masked) and unique (a hash of the template)."""
        digest = hashlib.sha256(self.template.encode("utf-8")).hexdigest()[:10]
        return f"{TARGET_PREFIX}{self.label} #{digest}"

    @property
    def label(self) -> str:
        """The URL as people may see it: ``${VAR}`` kept, anything secret-looking masked."""
        return redact_text(_mask_userinfo(self.template))

    def url(self, environ: Mapping[str, str] | None = None) -> str:
        return expand(self.template, f"notify target {self.label}", environ)

    def secrets(self, environ: Mapping[str, str] | None = None) -> list[str]:
        env = os.environ if environ is None else environ
        return [env[name] for name in references(self.template) if env.get(name)]


@dataclass(frozen=True)
class ChannelMessage:
    title: str
    body: str  # Markdown
    attachment: Path | None = None


def targets_of(config: Config, profile: str) -> list[Target]:
    try:
        return [Target(url) for url in config.profile(profile).notify]
    except Exception:  # a profile taken out of the config: no targets
        return []


def channel_message(brief: Brief, folder: Path, links: ReaderLinks) -> ChannelMessage:
    """The short post: title, top lines, then each story's headline, linked to the
    brief's archive page when ``[archive] base_url`` is set, else to its first source."""
    page = links.brief_url(brief.profile, brief.slug)
    lines: list[str] = []
    for line in brief.top_lines:
        lines.append(f"- {_plain(line.text)}")
    if lines:
        lines.append("")
    sources = {source.number: source for source in brief.sources}
    for number, story in enumerate(brief.stories[:MAX_HEADLINES], start=1):
        first = next((sources[n] for n in story.sources if n in sources), None)
        href = page or public_http_url(first.url if first else None)
        headline = _plain(story.headline)
        lines.append(f"{number}. [{headline}]({_url(href)})" if href else f"{number}. {headline}")
    more = len(brief.stories) - MAX_HEADLINES
    if more > 0:
        lines.append(f"… and {more} more {'story' if more == 1 else 'stories'}")
    lines.append("")
    lines.append(_plain(brief.coverage))
    if page:
        lines.append(f"[Read the brief]({_url(page)})")
    pdf = folder / "brief.pdf"
    title = f"{brief.title} – {brief.local_date.day} {brief.local_date:%B %Y}"
    return ChannelMessage(title=title, body="\n".join(lines),
                          attachment=pdf if pdf.is_file() else None)


def post_to_channels(
    outbox: Outbox,
    brief_id: int,
    targets: Sequence[Target],
    message: ChannelMessage,
    *,
    max_attempts: int,
    retry_delay: float,
    retry_unknown: bool = False,
    retry_failed: bool = False,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Post ``message`` to each target whose row is due; returns the keys posted now."""
    by_key = {target.key: target for target in targets}
    outbox.enqueue(brief_id, list(by_key), lambda: "")
    due = [row for row in outbox.rows(brief_id) if row.recipient in by_key and (
        row.state == "pending" or (retry_unknown and row.state == "unknown")
        or (retry_failed and row.state == "failed"))]
    posted: list[str] = []
    for row in due:
        if _post_row(outbox, row, by_key[row.recipient], message, max_attempts=max_attempts,
                     retry_delay=retry_delay, environ=environ, sleep=sleep):
            posted.append(row.recipient)
    return posted


def _post_row(
    outbox: Outbox, row: OutboxRow, target: Target, message: ChannelMessage, *,
    max_attempts: int, retry_delay: float, environ: Mapping[str, str] | None,
    sleep: Callable[[float], None],
) -> bool:
    claimed = outbox.claim(row.id, retry_unknown=row.state == "unknown",
                           retry_failed=row.state == "failed")
    while claimed:
        try:
            url = target.url(environ)
        except MissingSecretError as missing:
            outbox.mark_failed(row.id, str(missing))
            return False
        error = _notify(url, message, target.secrets(environ))
        if error is None:
            outbox.mark_sent(row.id)
            logger.info("posted brief %d to %s", row.brief_id, target.label)
            return True
        if error.startswith("unusable:"):
            outbox.mark_failed(row.id, error.removeprefix("unusable: "))
            return False
        current = outbox.row(row.id)
        attempts = current.attempts if current else max_attempts
        if attempts >= max_attempts:
            outbox.mark_failed(row.id, f"gave up after {attempts} attempts: {error}")
            return False
        logger.warning("%s: %s; retrying", target.label, error)
        outbox.release(row.id, error)
        sleep(retry_delay * 2 ** max(attempts - 1, 0))
        claimed = outbox.claim(row.id)
    return False


def _notify(url: str, message: ChannelMessage, secrets: Sequence[str]) -> str | None:
    """Post once; None on success, else a one-line reason with no secret in it
    (``"unusable: ..."`` when no retry can help)."""
    import apprise  # over a second to import: only when a profile has targets

    client = apprise.Apprise()
    if not client.add(url):
        return "unusable: not a notification URL Apprise knows"
    attach = apprise.AppriseAttachment(str(message.attachment)) if message.attachment else None
    with _captured_apprise_log() as captured:
        try:
            result = client.notify(title=message.title, body=message.body,
                                   body_format=apprise.NotifyFormat.MARKDOWN, attach=attach)
        except Exception as error:  # a plugin's surprise must not sink the other targets
            return _clean(f"{type(error).__name__}: {error}", url, secrets)
    if result:
        return None
    failure = next((line for line in reversed(captured.getvalue().splitlines())
                    if " - WARNING - " in line or " - ERROR - " in line), "")
    reason = failure.split(" - ", 2)[-1] if failure else "the service did not accept it"
    return _clean(reason, url, secrets)


@contextlib.contextmanager
def _captured_apprise_log() -> Iterator[Any]:
    """Apprise's log for the duration of a post, kept from every other handler."""
    import apprise

    apprise_logger = logging.getLogger("apprise")
    propagate = apprise_logger.propagate
    apprise_logger.propagate = False  # its lines can hold the expanded URL
    try:
        with apprise.LogCapture(level=logging.INFO) as captured:
            yield captured
    finally:
        apprise_logger.propagate = propagate


def _clean(text: str, url: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = text.replace(url, MASK)
    return " ".join(redact_text(text).split())[:300]


def _mask_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        user, _, host = authority.rpartition("@")
        name, colon, password = user.partition(":")
        if colon and not references(password):
            user = f"{name}:{MASK}"
        authority = f"{user}@{host}"
    return f"{scheme}{sep}{authority}{slash}{tail}"


def _plain(text: str) -> str:
    """Text for a Markdown message: one line, brackets and emphasis marks escaped."""
    from briefing.render.markdown import escape_markdown

    return escape_markdown(text)


def _url(url: str) -> str:
    from briefing.render.markdown import markdown_url

    return markdown_url(url) or ""
