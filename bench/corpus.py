"""Synthetic news articles for benchmarks: varied, deterministic, realistic in shape."""

from __future__ import annotations

import random
from pathlib import Path

OUTLETS = ["The Harbour Ledger", "Northern Courier", "Daily Meridian", "Capital Wire",
           "Coastal Times", "Evening Standard Post", "Regional Herald"]
PLACES = ["Kestrel Bay", "Northmoor", "Vellan", "Port Aris", "Lindqvist", "Orsk Valley",
          "Brackenridge", "Saltmere"]
PEOPLE = ["Mara Ellison", "Tomas Reyes", "Ingrid Vos", "Samuel Okafor", "Lena Ortiz",
          "Pavel Marek", "Aiko Tanabe", "Ruth Calloway"]
SUBJECTS = ["port authority", "central bank", "city council", "energy regulator",
            "transport ministry", "health agency", "water utility", "labour union"]
TEMPLATES = [
    "The {subject} in {place} said on {day} that it would {verb} {amount} million euros "
    "in {thing}, a move {person} described as overdue.",
    "{person}, who leads the {subject}, told reporters that {count} projects were under "
    "review and that a decision was expected by {month}.",
    "Officials in {place} estimated the cost at {amount} million euros, about {pct}% more "
    "than planned last year.",
    "Critics said the {subject} had ignored warnings for {count} months, while supporters "
    "pointed to a {pct}% rise in {thing}.",
    "\"We cannot wait another year,\" {person} said, adding that {count} jobs depended on the "
    "outcome.",
    "The decision follows a vote of {count} to {count2} in the assembly of {place} on {day}.",
    "Analysts expect the {subject} to publish detailed figures in {month}, after an audit of "
    "{thing}.",
    "Residents of {place} have complained about {thing} since the spring, according to a "
    "survey of {count} households.",
]
WORDS = {
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "verb": ["invest", "cut", "redirect", "borrow", "release"],
    "thing": ["flood defences", "rail links", "housing", "grid upgrades", "school repairs",
              "harbour dredging", "broadband", "clinics"],
    "month": ["January", "February", "March", "April", "June"],
}


def article_text(rng: random.Random, paragraphs: int = 8) -> tuple[str, str]:
    place, subject, person = rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(PEOPLE)
    title = f"{place} {subject} plans {rng.randint(2, 900)} million euro overhaul"
    body = []
    for _ in range(paragraphs):
        sentences = []
        for template in rng.sample(TEMPLATES, 3):
            sentences.append(template.format(
                place=place, subject=subject, person=person,
                amount=rng.randint(2, 900), count=rng.randint(3, 120), count2=rng.randint(1, 60),
                pct=rng.randint(2, 40),
                **{key: rng.choice(values) for key, values in WORDS.items()},
            ))
        body.append(" ".join(sentences))
    return title, "\n\n".join(body)


def write_corpus(folder: Path, count: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        title, body = article_text(rng)
        outlet = OUTLETS[index % len(OUTLETS)]
        (folder / f"article-{index:04d}.md").write_text(
            f"---\ntitle: {title}\noutlet: {outlet}\n"
            f"url: https://news{index % len(OUTLETS)}.example/2026/11/{index:04d}\n"
            f"published: 2026-11-{10 + index % 12:02d}T0{index % 10}:00:00+00:00\n---\n{body}\n",
            encoding="utf-8",
        )
    return folder
