"""A synthetic multi-day news corpus with known story membership.

Every event has its own cast (a place, a person, an organisation, made up from
syllables so there are thousands of distinct ones) and a topic; several outlets
cover it over one to four days, each article worded from the topic's templates.
Events of the same topic (two strikes at two ports) share most of their
vocabulary and differ only in their cast, which is what grouping must notice.
Deterministic for a given seed. Used by the story tests and bench/bench_stories.py.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.grouping import GroupingParams
from briefing.types import Article

OUTLETS = ("Harbour Ledger", "Meridian Wire", "Northgate Courier", "Continental Daily",
           "Capital Post", "Evening Herald", "Coastal Times")
_SYLLABLES = ("bra", "ven", "tor", "mil", "sal", "dor", "kes", "tal", "vin", "ost", "lun",
              "mar", "ris", "gal", "hel", "nor", "pel", "qui", "rad", "sev", "ulm", "wex")
_GIVEN = ("Anna", "Tomas", "Ingrid", "Samuel", "Lena", "Pavel", "Aiko", "Ruth", "Jonas",
          "Mira", "Oskar", "Freya", "Dariusz", "Petra", "Nils", "Sara")

TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "strike": (
        ("{org} workers strike at {place} port", "{place} port strike enters day {n}",
         "Talks to end {place} dock strike resume under {person}"),
        ("Dockworkers at {place} walked out after pay talks with {org} collapsed.",
         "{person}, who speaks for the union, said members wanted a {n}% raise.",
         "Ships queued off {place} as the stoppage at {org} terminals continued.",
         "Retailers warned of shortages if the {place} strike lasted into next week."),
    ),
    "rates": (
        ("{org} cuts interest rate to {n}%", "{place} central bank {org} lowers rates",
         "{person} defends {org} rate decision"),
        ("The {org} cut its main policy rate to {n}% as inflation in {place} eased.",
         "Governor {person} said further cuts depended on wages and energy prices.",
         "Mortgage holders in {place} will see lower payments from next month.",
         "Economists had expected the {org} to hold rates at its meeting."),
    ),
    "storm": (
        ("Storm floods {place} as river bursts banks", "{place} counts cost of storm damage",
         "{person} visits flooded {place}"),
        ("Hundreds of residents of {place} were evacuated as the river rose overnight.",
         "{person}, the mayor, said {n} homes had been flooded and roads were closed.",
         "The {org} warned of more heavy rain over {place} on the weekend.",
         "Volunteers filled sandbags in the centre of {place} through the night."),
    ),
    "breach": (
        ("Hackers steal data of {n} million {org} customers",
         "{org} data breach hits {place} shoppers", "{person} apologises for {org} breach"),
        ("{org} said attackers had copied names and addresses of {n} million customers.",
         "Chief executive {person} said payment card numbers were not taken.",
         "The data protection authority in {place} opened an inquiry into {org}.",
         "Shares in {org} fell {n}% after the disclosure."),
    ),
    "election": (
        ("{person} wins {place} mayoral election", "{place} votes: {person} leads count",
         "{org} concedes defeat in {place}"),
        ("{person} won the {place} mayoral race with {n}% of the vote.",
         "The {org} conceded defeat shortly after midnight in {place}.",
         "Turnout in {place} rose to {n}%, the highest in two decades.",
         "{person} promised to begin coalition talks with the {org} on Monday."),
    ),
    "deal": (
        ("{org} signs pipeline deal with {place}", "{place} and {org} seal energy agreement",
         "What the {org} deal means for {place}"),
        ("The {org} agreed to build a gas pipeline to {place} worth {n} billion euros.",
         "{person}, the energy minister, signed the agreement at a ceremony in {place}.",
         "Construction is expected to create {n} hundred jobs around {place}.",
         "Critics in {place} questioned the cost of the {org} project."),
    ),
}


_DETAILS = (
    "Officials in {place} said the {0} and the {1} would be reviewed after the {2}.",
    "{person} pointed to the {0} as the main reason, not the {1}.",
    "The {0} at the centre of the dispute had been flagged by the {1} inspectors in the {2}.",
    "Local reporters described the {0}, the {1} and a long {2} near the town hall.",
    "A spokesperson for the {org} declined to comment on the {0} or the {1}.",
)


@dataclass(frozen=True)
class SyntheticCorpus:
    articles: tuple[Article, ...]
    #: Article id -> the event it reports (the ground truth).
    event_of: dict[int, int]

    def same_event(self, a: int, b: int) -> bool:
        return self.event_of[a] == self.event_of[b]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def make_corpus(
    events: int = 30, *, seed: int = 7, days: int = 10, start: datetime | None = None,
    first_id: int = 1,
) -> SyntheticCorpus:
    """``events`` events spread over ``days`` days, 1-6 articles each."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    articles: list[Article] = []
    event_of: dict[int, int] = {}
    next_id = first_id
    for event in range(events):
        topic = rng.choice(sorted(TOPICS))
        titles, sentences = TOPICS[topic]
        cast = {"place": _name(rng, 3), "org": _name(rng, 2) + " " + rng.choice(
                    ("Group", "Holdings", "Bank", "Union", "Party", "Agency")),
                "person": f"{rng.choice(_GIVEN)} {_name(rng, 3)}"}
        # Words of this event alone (what was agreed, what broke, who complained):
        # events of one topic share their templates, not these.
        lexicon = [_name(rng, 2).lower() for _ in range(8)]
        began = start + timedelta(days=rng.uniform(0, max(0.0, days - 1)))
        span = rng.choice((0, 0, 1, 2, 3))
        for _ in range(rng.randint(1, 6)):
            when = began + timedelta(days=rng.uniform(0, span), hours=rng.uniform(0, 10))
            fill = {**cast, "n": str(rng.randint(2, 40))}
            lines = [line.format(**fill) for line in rng.sample(sentences, k=3)]
            for _ in range(3):
                words = rng.sample(lexicon, k=3)
                lines.append(rng.choice(_DETAILS).format(*words, **fill))
            rng.shuffle(lines)
            text = "\n".join(lines)
            outlet = rng.choice(OUTLETS)
            articles.append(Article(
                id=next_id, source="synthetic", outlet=outlet,
                title=rng.choice(titles).format(**fill) + rng.choice(
                    ("", f": {rng.choice(lexicon)} in focus")),
                text=text,
                content_hash=f"synthetic-{seed}-{next_id}", fetched=when,
                url=f"https://{outlet.lower().replace(' ', '')}.example/{next_id}",
                published=when,
            ))
            event_of[next_id] = event
            next_id += 1
    return SyntheticCorpus(tuple(articles), event_of)


def write_markdown(articles: list[Article], folder: Path) -> None:
    """Write articles as front-matter Markdown files (for builds from a folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        published = (article.published or article.fetched).isoformat()
        (folder / f"a{article.id:05d}.md").write_text(
            f"---\ntitle: {article.title}\noutlet: {article.outlet}\nurl: {article.url}\n"
            f"published: {published}\n---\n{article.text}\n",
            encoding="utf-8",
        )


# -- labelled pairs and their scoring --------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
#: The shared corpus beside the project (absent on some machines).
CORPUS_DIR = Path(os.environ.get("BRIEFING_CORPUS", ROOT.parent / "shared" / "corpus"))
PAIRS_FILE = Path(__file__).resolve().parent / "data" / "story_pairs.tsv"
LABELLED_FILE = Path(__file__).resolve().parent / "data" / "stories_labelled" / "stories.tsv"
SET_FOLDERS = {"examples": ROOT / "examples" / "articles", "seeds": CORPUS_DIR / "seeds"}


def load_folder(folder: Path) -> list[Article]:
    """Read and clean a folder the way a build does; ``path`` is relative to ``folder``."""
    from briefing.clean import clean_documents
    from briefing.config import Limits
    from briefing.ingest.files import read_paths

    documents = clean_documents(read_paths([folder], source="test", limits=Limits()).documents)
    return [
        Article(id=n, source="test", outlet=d.outlet or "test", title=d.title or "Untitled",
                text=d.text, content_hash=f"h{n}", fetched=datetime(2026, 11, 23, tzinfo=UTC),
                url=d.url, path=Path(d.location).relative_to(folder).as_posix(),
                published=d.published)
        for n, d in enumerate(documents, 1)
    ]


def labelled_pairs() -> dict[str, list[tuple[str, str, bool]]]:
    """The pairs of tests/data/story_pairs.tsv, by set, for the sets present here."""
    pairs: dict[str, list[tuple[str, str, bool]]] = {}
    for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, left, right, same = line.split("\t")
        if SET_FOLDERS[name].is_dir():
            pairs.setdefault(name, []).append((left, right, same == "1"))
    return pairs


@dataclass(frozen=True)
class PairScore:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __add__(self, other: PairScore) -> PairScore:
        return PairScore(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn,
                         self.tn + other.tn)


def score_decisions(decided: list[tuple[bool, bool]]) -> PairScore:
    """``decided``: (grouped together, truly one event) per pair."""
    return PairScore(
        tp=sum(p and t for p, t in decided), fp=sum(p and not t for p, t in decided),
        fn=sum(t and not p for p, t in decided), tn=sum(not p and not t for p, t in decided),
    )


def evaluate(params: GroupingParams | None = None) -> dict[str, PairScore]:
    """Pair decisions of grouping on each labelled set, the text set and the synthetic one."""
    from briefing.grouping.evaluation import read_labelled
    from briefing.stories import group_into_stories

    scores: dict[str, PairScore] = {}
    for name, pairs in labelled_pairs().items():
        articles = load_folder(SET_FOLDERS[name])
        story_of = {a.path: s.id for s in group_into_stories(articles, params)
                    for a in s.articles}
        scores[name] = score_decisions(
            [(story_of[left] == story_of[right], same) for left, right, same in pairs])
    labelled = read_labelled(LABELLED_FILE)
    story_of_id = {a.id: s.id for s in group_into_stories([i.article for i in labelled], params)
                   for a in s.articles}
    scores["labelled"] = score_decisions([
        (story_of_id[a.article.id] == story_of_id[b.article.id], a.story == b.story)
        for n, a in enumerate(labelled) for b in labelled[n + 1:]
    ])
    corpus = make_corpus(60, seed=11, days=12)
    story_of_id = {a.id: s.id for s in group_into_stories(corpus.articles, params)
                   for a in s.articles}
    ids = sorted(corpus.event_of)
    scores["synthetic"] = score_decisions([
        (story_of_id[a] == story_of_id[b], corpus.same_event(a, b))
        for i, a in enumerate(ids) for b in ids[i + 1:]
    ])
    return scores


def calibration_table(settings: list[GroupingParams]) -> str:
    """Precision and recall of pair decisions per set, for each of ``settings``."""
    lines = [f"{'lead link':>9} {'cohesion':>8}  {'set':<10} {'pairs':>6} {'precision':>9}"
             f" {'recall':>7}"]
    for params in settings:
        scores = evaluate(params)
        scores["all"] = sum(scores.values(), PairScore(0, 0, 0, 0))
        for name, score in scores.items():
            pairs = score.tp + score.fp + score.fn + score.tn
            lines.append(f"{params.lead_link:>9.2f} {params.lead_cohesion:>8.2f}  {name:<10}"
                         f" {pairs:>6} {score.precision:>9.3f} {score.recall:>7.3f}")
    return "\n".join(lines)
