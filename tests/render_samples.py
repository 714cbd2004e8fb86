"""Sample ``Brief`` objects for the render tests and benchmarks.

``make_brief(n_articles=50)`` builds a deterministic brief with realistic,
varied text: stories of one to five articles from a handful of outlets, some
sources without a URL (folder sources), LLM and fallback bullets, notes, top
lines and dropped bullets. ``hostile=True`` plants markup, quotes and
dangerous URLs where a renderer might trust them.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from briefing.types import (
    Brief,
    BriefBullet,
    BriefStory,
    BulletOrigin,
    DroppedBullet,
    SourceRef,
)

GENERATED_AT = datetime(2025, 3, 4, 7, 30, tzinfo=timezone(timedelta(hours=1)))

OUTLETS = (
    ("The Harbour Times", "https://www.harbourtimes.example/news"),
    ("Northern Ledger", "https://northernledger.example/articles"),
    ("Metro Daily", "https://metrodaily.example/story"),
    ("Le Courrier Économique", "https://courrier-eco.example/fr"),
    ("Valley Gazette", "http://valleygazette.example/local"),
    ("Global Wire Service", "https://wire.example/en"),
    ("Tech & Markets Weekly", "https://techmarkets.example/p"),
)

SUBJECTS = (
    "City council",
    "The central bank",
    "Port workers",
    "A regional hospital trust",
    "Wind farm developers",
    "The transport ministry",
    "University researchers",
    "Dairy farmers",
    "The national rail operator",
    "A coalition of retailers",
    "Flood defence engineers",
    "Housing associations",
    "The competition regulator",
    "Teachers' unions",
    "A Zürich-based insurer",
    "Fishing cooperatives",
)
ACTIONS = (
    "approves",
    "delays",
    "rejects",
    "unveils",
    "expands",
    "cuts funding for",
    "launches an inquiry into",
    "signs a deal on",
    "warns about",
    "reopens talks on",
)
OBJECTS = (
    "a €2.4bn harbour expansion",
    "new bus lanes on the ring road",
    "interest-rate guidance",
    "night-shift pay rules",
    "the winter vaccination programme",
    "offshore grid connections",
    "a 12% rise in student rents",
    "plans for a second runway",
    "water quality monitoring",
    "the 2026 regional budget",
    "battery recycling targets",
    "cross-border freight checks",
)
CONTEXTS = (
    "after a week of protests",
    "amid rising costs",
    "ahead of the spring vote",
    "despite objections from residents",
    "following a critical audit",
    "as storms batter the coast",
    "in a surprise overnight decision",
)
DETAILS = (
    "Officials said the decision followed months of consultation with local businesses",
    "The measure is expected to affect roughly 48,000 households over the next two years",
    "Critics argue the timetable leaves too little room for independent review",
    "A spokesperson declined to comment on the financial terms of the agreement",
    "Figures released on Monday show a 3.7 per cent increase compared with last year",
    "The opposition called for an emergency debate before the end of the month",
    "Analysts at two investment banks described the move as largely anticipated",
    "Residents near the site have raised concerns about noise and traffic",
    "The agency said it would publish a full assessment by the end of June",
    "Union representatives welcomed the announcement but warned that details remain unclear",
    "Earlier estimates had put the total cost at nearly twice the current figure",
    "The plan still requires approval from the national environment authority",
    "Several smaller operators said they had not been consulted before the announcement",
    "Independent experts noted that similar schemes abroad had produced mixed results",
)

HOSTILE_TITLE = "<script>alert('x')</script> Tom & Jerry's \"quoted\" <b>bold</b> story"
HOSTILE_IMG_FILE = '<img src="file:///etc/passwd">'
HOSTILE_IMG_HTTP = '<img src="http://127.0.0.1:9/tracker.png">'
JAVASCRIPT_URL = "javascript:alert(document.cookie)"
DATA_URL = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
FILE_URL = "file:///etc/passwd"


def make_brief(
    n_articles: int = 50,
    *,
    seed: int = 1,
    engine: str = "llm:gpt-4o-mini",
    hostile: bool = False,
    with_top_lines: bool = True,
    title: str = "Morning Brief",
) -> Brief:
    """A realistic brief over ``n_articles`` sources (deterministic for a given seed)."""
    rng = random.Random(seed)
    sources = [_source(number, rng) for number in range(1, n_articles + 1)]
    stories = _stories(sources, rng, engine)
    top_lines: tuple[BriefBullet, ...] = ()
    if with_top_lines and stories:
        top_lines = tuple(
            BriefBullet(
                text=f"{story.headline}: {story.bullets[0].text}",
                sources=story.bullets[0].sources,
                origin=story.bullets[0].origin,
            )
            for story in stories[:3]
        )
    notes: tuple[str, ...] = ()
    if any(story.notes for story in stories):
        notes = (
            "The language model was unavailable for some stories; they were summarized offline.",
        )
    brief = Brief(
        title=title,
        profile="morning",
        generated_at=GENERATED_AT,
        language="en",
        author="Newsroom Robot",
        engine=engine,
        stories=tuple(stories),
        sources=tuple(sources),
        notes=notes,
        top_lines=top_lines,
        prompt_versions={"summarize": "3", "top_lines": "1"} if engine != "extractive" else {},
        dropped=(
            DroppedBullet(story_id="s1", reason="ungrounded"),
            DroppedBullet(story_id="s2", reason="ungrounded"),
            DroppedBullet(story_id="s2", reason="too-long"),
        )
        if engine != "extractive"
        else (),
    )
    return make_hostile(brief) if hostile else brief


def make_hostile(brief: Brief) -> Brief:
    """``brief`` with markup and dangerous URLs planted in titles, headlines and sources."""
    sources = list(brief.sources)
    plants = [
        (HOSTILE_TITLE, None),
        (f"Picture this {HOSTILE_IMG_FILE} & more", JAVASCRIPT_URL),
        (f"Tracking pixel {HOSTILE_IMG_HTTP}", DATA_URL),
        ('A file link <a href="file:///etc/passwd">here</a>', FILE_URL),
        ("Sneaky tab scheme", "java\tscript:alert(1)"),
    ]
    for index, (title, url) in enumerate(plants[: len(sources)]):
        source = sources[index]
        sources[index] = replace(
            source,
            title=title,
            url=url if url is not None else source.url,
            outlet=source.outlet + ' <i onclick="evil()">x</i>' if index == 0 else source.outlet,
        )
    stories = list(brief.stories)
    if stories:
        first = stories[0]
        bullets = list(first.bullets)
        planted = f'Quote "{HOSTILE_IMG_FILE}" & <style>body{{display:flex}}</style>'
        bullets[0] = replace(bullets[0], text=f"{planted} {bullets[0].text}")
        stories[0] = replace(first, headline=HOSTILE_TITLE, bullets=tuple(bullets))
    return replace(
        brief,
        title=f'Brief <img src=x onerror=alert(1)> & "Co" {HOSTILE_IMG_HTTP}',
        sources=tuple(sources),
        stories=tuple(stories),
        notes=(*brief.notes, "Note with <script>alert(2)</script> & an ampersand"),
    )


def _source(number: int, rng: random.Random) -> SourceRef:
    outlet, base = OUTLETS[rng.randrange(len(OUTLETS))]
    title = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.5:
        title += f" {rng.choice(CONTEXTS)}"
    words = title.lower().replace("'", "").replace("€", "eur").replace("%", "pc").split()
    slug = "-".join(words[:7])
    folder_source = number % 9 == 0  # articles read from local files have no URL
    published = GENERATED_AT - timedelta(hours=rng.randrange(2, 40))
    return SourceRef(
        number=number,
        article_id=1000 + number,
        title=title,
        outlet="Local files" if folder_source else outlet,
        url=None if folder_source else f"{base}/{2025}/03/{slug}-{number}?ref=rss&id={number}",
        published=published.astimezone(UTC) if number % 4 else None,
    )


def _stories(sources: list[SourceRef], rng: random.Random, engine: str) -> list[BriefStory]:
    stories: list[BriefStory] = []
    index = 0
    while index < len(sources):
        size = min(rng.choice((1, 2, 3, 3, 4, 5)), len(sources) - index)
        group = sources[index : index + size]
        index += size
        story_number = len(stories) + 1
        fell_back = engine != "extractive" and story_number % 5 == 0
        if engine == "extractive" or fell_back:
            origin = BulletOrigin.EXTRACTIVE_FALLBACK if fell_back else BulletOrigin.EXTRACTIVE
        else:
            origin = BulletOrigin.LLM
        bullets = tuple(
            BriefBullet(
                text=_sentence(rng),
                sources=_cited(group, rng),
                origin=origin,
                verified=not (origin is BulletOrigin.LLM and story_number == 2 and b == 1),
            )
            for b in range(rng.randint(2, 5))
        )
        outlets = tuple(dict.fromkeys(s.outlet for s in group))
        stories.append(
            BriefStory(
                id=f"s{story_number}",
                headline=group[0].title,
                bullets=bullets,
                outlets=outlets,
                sources=tuple(s.number for s in group),
                notes=("Summarized offline: the language model did not answer in time.",)
                if fell_back
                else (),
            )
        )
    return stories


def _cited(group: list[SourceRef], rng: random.Random) -> tuple[int, ...]:
    chosen = rng.sample(group, rng.randint(1, len(group)))
    return tuple(sorted(source.number for source in chosen))


def _sentence(rng: random.Random) -> str:
    first, second = rng.sample(DETAILS, 2)
    if rng.random() < 0.4:
        return f"{first}; {second[0].lower()}{second[1:]}."
    return f"{first}."
