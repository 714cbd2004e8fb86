"""Benchmark: the size of the email a reader gets, with a link on every citation.

Builds a brief offline from synthetic articles (the extractive engine; the profile's
default cap of 12 stories in full), then writes its email with ``send --dry-run``
and prints: the HTML part's size (raw and as sent, quoted-printable), what the
per-citation links cost against the same brief with plain [n] markers, the whole
message with its PDF, and the budgeted email of a much larger brief (a profile
without the story and source caps). Gmail clips
an HTML part over about 102 KB; the budget (``smtp.html_budget``) is 90,000 bytes.

    python bench/bench_email.py [--articles 120] [--large 400]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus

from briefing.config import ArchiveSettings, SmtpSettings, load_config
from briefing.deliver import send_brief
from briefing.pipeline import build_brief
from briefing.render.context import reader_links
from briefing.render.email_budget import budgeted_email_html, html_size
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.resources import templates_dir
from briefing.storage import open_storage

GMAIL_CLIP = 102 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=120,
                        help="articles in the brief (enough for 12 stories in full)")
    parser.add_argument("--large", type=int, default=400,
                        help="articles in the large brief (no story cap) whose email is budgeted")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = dataclasses.replace(
            load_config(cwd=work),
            smtp=SmtpSettings(host="127.0.0.1", security="none",
                              from_address="Daily Brief <brief@news.example>",
                              list_unsubscribe_url="https://news.example/unsubscribe?l=daily"),
            archive=ArchiveSettings(site=True, base_url="https://briefs.news.example/"),
        )
        config = dataclasses.replace(config, profiles={"default": dataclasses.replace(
            config.profile("default"), recipients=("Ann Reader <ann@example.net>",))})
        result = build_brief(config, sources=[write_corpus(work / "articles", args.articles)],
                             engine="extractive")
        brief = result.brief
        markers = sum(len(b.sources) for b in brief.top_lines) + sum(
            len(b.sources) for story in brief.stories for b in story.bullets)
        linked = sum(1 for b in (*brief.top_lines, *(b for s in brief.stories for b in s.bullets))
                     for n in b.sources if brief.source(n).url)
        with open_storage(config.paths.store) as store:
            report = send_brief(config, store, result.brief_id, dry_run=True)
        raw = report.files[0].read_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        html_part = parsed.get_body(("html",))
        assert html_part is not None
        html = html_part.get_content()
        sent_html = len(html_part.as_bytes())
        plain = _plain_markers_html(brief, config)
        print(f"{args.articles} articles: {len(brief.stories)} stories in full, "
              f"{len(brief.also_noted)} also noted, {len(brief.sources)} sources, "
              f"{markers} citation markers ({linked} linked)")
        print(f"  email HTML part: {html_size(html):,} bytes as sent "
              f"({sent_html:,} quoted-printable, headers included); "
              f"{html_size(html) / GMAIL_CLIP:.0%} of Gmail's clip")
        print(f"  same brief with plain [n] markers: {html_size(plain):,} bytes; "
              f"per-citation links cost {html_size(html) - html_size(plain):,} bytes "
              f"({(html_size(html) - html_size(plain)) / max(linked, 1):.0f} per link)")
        print(f"  whole message with the PDF: {len(raw):,} bytes")

        # A profile without the default caps, so the email is far over the budget.
        uncapped = dataclasses.replace(config, profiles={"default": dataclasses.replace(
            config.profile("default"), max_stories=1000, max_sources=10_000)})
        large = build_brief(uncapped, sources=[write_corpus(work / "large", args.large)],
                            engine="extractive", out_root=work / "large-out")
        budgeted = budgeted_email_html(large.brief, make_environment(),
                                       links=reader_links(config))
        whole = html_size(render_email_html(large.brief, make_environment(),
                                            reader_links(config)))
        print(f"{args.large} articles: {len(large.brief.stories)} stories, "
              f"{len(large.brief.also_noted)} also noted, {len(large.brief.sources)} sources; "
              f"whole HTML {whole:,} bytes")
        print(f"  budgeted to {budgeted.size:,} bytes (budget 90,000: "
              f"{'met' if budgeted.fits else 'NOT met'}): {budgeted.full_stories} in full, "
              f"{budgeted.one_liners} as one-liners, {budgeted.sources_listed} sources listed")


def _plain_markers_html(brief: object, config: object) -> str:
    """The same email rendered with plain [n] markers (a template override)."""
    with tempfile.TemporaryDirectory() as tmp:
        override = Path(tmp)
        template = (templates_dir() / "email.html.j2").read_text(encoding="utf-8")
        template = template.replace("parts.bullet_items(brief.top_lines)",
                                    "parts.bullet_items(brief.top_lines, linked=false)")
        template = template.replace("parts.bullet_items(story.bullets)",
                                    "parts.bullet_items(story.bullets, linked=false)")
        (override / "email.html.j2").write_text(template, encoding="utf-8")
        return render_email_html(brief, make_environment([override]),  # type: ignore[arg-type]
                                 reader_links(config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
