"""Benchmark: how a brief written offline reads, on real pages and articles.

Builds a brief with the extractive engine from each article set and prints the
extraction score (for pages with hand-checked article text) and the counts of
what an editor would strike out. Every count should be 0.

    python bench/bench_brief_quality.py [--pages DIR] [--limit N] [--set pages|seeds|examples]
                                        [--keep DIR]

The corpus is read where it lies: ``--pages``, else ``$BRIEFING_CORPUS/pages``,
else ``<repo>/../shared/corpus/pages`` (seeds beside it); nothing is copied into
the project. Pages are gzip-compressed: they are unpacked into a temporary
folder, which is then given to ``briefing build`` as a user would give a folder.

The checks are deliberately written apart from the code they measure:

* extraction: token precision, recall and F1 of each page's stored article text
  against its ground-truth ``articleBody`` (a page that yields nothing scores 0);
* cut bullets: a bullet that does not end where a sentence of a cited article
  ends, or opens with punctuation;
* repeated facts: two bullets of a story sharing a figure (not a year) or most
  of their words;
* unresolved openings: a bullet opening with a pronoun or with "the <role>"
  ("The company said ...");
* headlines with site names: a " | " or a trailing "- <outlet or site>";
* source titles with site names: the same, in the list of sources (the outlet
  stands beside each title there already);
* headlines that are cut sentences: a headline that is the start of an article
  sentence which goes on;
* headlines repeated by the first bullet;
* boilerplate in bullets: sign-up, follow, read-more, copyright, credit lines,
  hover-card text glued to a name;
* outlets that are folder names or guesses: an outlet that is neither stated by
  the article (front matter, og:site_name, JSON-LD publisher), nor its host name,
  nor (for files in a sub-folder of the source) the documented sub-folder name.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from briefing.config import load_config
from briefing.pipeline import build_brief
from briefing.storage import open_storage
from briefing.types import Article, Brief

ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    """$BRIEFING_CORPUS, else <repo>/../shared/corpus."""
    return Path(os.environ.get("BRIEFING_CORPUS") or ROOT.parent / "shared" / "corpus")


# --- the checks ---------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*%?")
_PRONOUN_OPENING = re.compile(
    r"^[\"“‘']?(?:It|Its|It's|He|She|His|Her|They|Their|Them|This|That|These|Those|We|Our|I)\b"
)
_ROLE_NOUNS = re.findall(
    r"[a-z]+",
    "company firm institute institution bank group agency ministry department council union "
    "retailer lender carrier airline insurer court club team organisation organization board "
    "spokesman spokeswoman spokesperson official officials minister president leader chief "
    "executive man woman suspect victim player coach move decision deal report study "
    "statement announcement incident measure bill proposal plan programme program service "
    "business startup operator utility regulator authority authorities agreement scheme",
)
_ROLE_OPENING = re.compile(
    r"^[\"“‘']?(?:The|This|That|These|Those)\s+(?:[\w’'-]+\s+){0,2}?(?:"
    + "|".join(_ROLE_NOUNS)
    + r")(?:'s|’s)?\b(?!\s+(?:of|for|in|at|on)\s+[A-Z])"
)
_BOILERPLATE = re.compile(
    r"(?i)\b(?:sign up|subscribe|newsletter|follow (?:him|her|them|us|me)\b|"
    r"follow @|read more|click here|all rights reserved|copyright|"
    r"getty images|ap photo|photo credit|image credit|image:|photo:|"
    r"contributed to this report|get the latest|in your inbox|download (?:the|our) app)"
    r"|©|@\w{2,}"
)
# A name glued to hover-card text: "Kristi NoemKristi Lynn NoemSouth Dakota governor ...".
# The glued word's first part is a name that stands on its own elsewhere in the line
# (camel-cased brands such as "GiveWell" or "KestEnergia" do not repeat like that).
_GLUED = re.compile(r"\b([A-Z][\w’'-]*?[a-z]{2})([A-Z][a-z][\w’'-]*)")
_SEPARATOR_TAIL = re.compile(r"\s+[-–—|:]\s+([^-–—|:]+)$")


def tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def token_scores(found: str, truth: str) -> tuple[float, float, float]:
    got, want = Counter(tokens(found)), Counter(tokens(truth))
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ends_a_sentence(bullet: str, article_text: str) -> bool:
    """Do the bullet's last words stand at the end of a sentence of the article?"""
    last = _TOKEN.findall(bullet)[-4:]
    if not last:
        return False
    pattern = r"\W+".join(re.escape(word) for word in last) + r"[%\"'”’)\]」]*\s*[.!?…。！？]"
    text = " ".join(article_text.split())
    without_asides = re.sub(r"\s*\([^()]*\)", "", text)  # bullets may drop "(CLPS)"
    return any(re.search(pattern, t) is not None for t in (text, without_asides))


def opens_badly(bullet: str) -> bool:
    first = bullet.lstrip()[:1]
    return bool(first) and not (first.isalnum() or first in "\"“‘'(")


def figures(text: str) -> set[str]:
    found = set()
    for number in _NUMBER.findall(text):
        bare = number.replace(",", "")
        if re.fullmatch(r"(?:19|20)\d\d", bare) or re.fullmatch(r"\d", bare):
            continue  # years and single digits recur without repeating a fact
        found.add(bare)
    return found


def content(text: str) -> set[str]:
    return {t for t in tokens(text) if len(t) > 3}


def repeats(first: str, second: str) -> bool:
    if figures(first) & figures(second):
        return True
    a, b = content(first), content(second)
    smaller = min(len(a), len(b))
    return bool(smaller) and len(a & b) / smaller >= 0.6


def unresolved(bullet: str) -> bool:
    return bool(_PRONOUN_OPENING.match(bullet) or _ROLE_OPENING.match(bullet))


def boilerplate(bullet: str) -> bool:
    return bool(_BOILERPLATE.search(bullet)) or hover_card(bullet)


def hover_card(text: str) -> bool:
    """Two words glued with the same name in front ("NoemKristi ... NoemSouth"), each after
    a capitalised word: a profile card's text inside a name. Brands ("AirPower",
    "McKinley") are single glued words and do not pair up like that."""
    glued = [
        m for m in _GLUED.finditer(text)
        if re.search(r"\b[A-Z][\w.’'-]*\s+$", text[max(0, m.start() - 40) : m.start()])
    ]
    return any(
        a.group(1) == b.group(1) and a.group(2) != b.group(2)
        for i, a in enumerate(glued) for b in glued[i + 1 :]
    )


def site_in_headline(headline: str, site_names: set[str]) -> bool:
    if " | " in headline:
        return True
    tail = _SEPARATOR_TAIL.search(headline)
    if not tail:
        return False
    name = tail.group(1).strip().casefold()
    return name in site_names or bool(re.search(r"\.(?:com|org|net|co\.uk)\b", name))


def headline_is_cut_sentence(headline: str, sentences: Iterable[str]) -> bool:
    head = tokens(headline)
    if not head:
        return False
    for sentence in sentences:
        words = tokens(sentence)
        if len(words) > len(head) and words[: len(head)] == head:
            return True
    return False


def first_bullet_repeats(headline: str, bullet: str) -> bool:
    head, body = content(headline), content(bullet)
    return bool(head) and bool(body) and (
        len(head & body) / len(body) >= 0.6 or len(head & body) / len(head) >= 0.8
    )


# --- what each file says about its outlet ------------------------------------------------

_OG_SITE = re.compile(
    r"<meta[^>]+(?:property|name)=[\"']og:site_name[\"'][^>]*>|"
    r"<meta[^>]+content=[\"'][^\"']*[\"'][^>]+property=[\"']og:site_name[\"'][^>]*>",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"content=[\"']([^\"']*)[\"']", re.IGNORECASE)
_LD = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.S | re.I)
_LINK_URL = re.compile(
    r"<(?:link|meta)[^>]+(?:rel=[\"']canonical[\"']|property=[\"']og:url[\"'])[^>]*>", re.I
)
_HREF = re.compile(r"(?:href|content)=[\"'](https?://[^\"']+)[\"']", re.I)


def _publisher_names(node: object) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "publisher":
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict) and isinstance(item.get("name"), str):
                        yield item["name"]
            yield from _publisher_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _publisher_names(item)


def host_name(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def stated_outlets(path: Path, source_root: Path) -> set[str]:
    """The outlet names a file may honestly carry, case-folded ("" always allowed)."""
    allowed = {""}
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8", "replace")
    hosts = set()
    if path.suffix in {".html", ".htm", ".gz"}:
        for tag in _OG_SITE.findall(text):
            value = _CONTENT.search(tag)
            if value:
                allowed.add(value.group(1).strip())
                # "Name | tagline", "Name - tagline": the name part is stated too.
                allowed.update(p.strip() for p in re.split(r"\s[|\-–—]\s", value.group(1)))
        for block in _LD.findall(text):
            try:
                allowed.update(_publisher_names(json.loads(block)))
            except ValueError:
                continue
        for tag in _LINK_URL.findall(text):
            for url in _HREF.findall(tag):
                hosts.add(host_name(url))
    else:
        front = re.match(r"---\s*\n(.*?)\n---", text, re.S)
        if front:
            for line in front.group(1).splitlines():
                key, _, value = line.partition(":")
                if key.strip() == "outlet":
                    allowed.add(value.strip().strip("\"'"))
                if key.strip() == "url":
                    hosts.add(host_name(value.strip()))
    relative = path.relative_to(source_root)
    if len(relative.parts) > 1:  # documented: a sub-folder of the source names the outlet
        folder = relative.parts[0]
        allowed.add(" ".join(w[:1].upper() + w[1:] for w in re.split(r"[-_\s]+", folder) if w))
    for host in hosts:
        allowed.add(host)
        # A sub-domain's label offered as a site name ("Hosted" on hosted.ap.org) is a guess.
        if host.count(".") >= 2:
            allowed.discard(host.split(".")[0].title())
            allowed.discard(host.split(".")[0])
    return {name.casefold() for name in allowed}


# --- one run ------------------------------------------------------------------------------


@dataclass
class Report:
    name: str
    articles: int = 0
    stories: int = 0
    bullets: int = 0
    top_lines: int = 0
    extraction: list[tuple[float, float, float]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def flag(self, kind: str, example: str) -> None:
        self.counts[kind] += 1
        self.examples.setdefault(kind, []).append(example)


KINDS = (
    "cut bullets",
    "repeated facts",
    "unresolved openings",
    "headlines with site names",
    "source titles with site names",
    "headlines that are cut sentences",
    "first bullets repeating the headline",
    "boilerplate lines in bullets",
    "outlets that are folder names or guesses",
)


def build(folder: Path, work: Path) -> tuple[Brief, dict[int, Article]]:
    (work / "briefing.toml").write_text(
        '[profiles.default]\nmax_stories = 500\n[brief]\nengine = "extractive"\n',
        encoding="utf-8",
    )
    config = load_config(cwd=work)
    result = build_brief(config, sources=[folder], engine="extractive", out_root=work / "out")
    with open_storage(config.paths.store) as store:
        articles = store.articles.get_many(range(1, store.articles.count() + 1))
    return result.brief, articles


def evaluate(
    name: str, folder: Path, work: Path, truth: dict[str, str] | None, originals: dict[str, Path]
) -> Report:
    from briefing.text import split_sentences  # the project's own sentence splitter

    brief, articles = build(folder, work)
    report = Report(name, articles=len(articles), stories=len(brief.stories),
                    top_lines=len(brief.top_lines))
    by_number = {ref.number: articles[ref.article_id] for ref in brief.sources}
    if truth is not None:
        by_file = {Path(a.path or "").name: a for a in articles.values()}
        for file_name, body in truth.items():
            article = by_file.get(file_name)
            report.extraction.append(token_scores(article.text if article else "", body))
    site_names: set[str] = set()
    for article in articles.values():
        original = originals.get(Path(article.path or "").name)
        if original is not None:
            allowed = stated_outlets(original, originals["__root__"])
            site_names |= allowed - {""}
            if article.outlet.casefold() not in allowed:
                report.flag("outlets that are folder names or guesses",
                            f"{article.outlet!r} ({original.name})")
        site_names.add(article.outlet.casefold())
        if article.url:
            site_names.add(host_name(article.url))
    site_names.discard("")
    for source in brief.sources:
        if site_in_headline(source.title, site_names):
            report.flag("source titles with site names", source.title)
    for story in brief.stories:
        cited = [by_number[n] for n in story.sources]
        sentences = [s for a in cited for s in split_sentences(a.text)]
        if site_in_headline(story.headline, site_names):
            report.flag("headlines with site names", story.headline)
        if headline_is_cut_sentence(story.headline, sentences):
            report.flag("headlines that are cut sentences", story.headline)
        if story.bullets and first_bullet_repeats(story.headline, story.bullets[0].text):
            report.flag("first bullets repeating the headline",
                        f"{story.headline} // {story.bullets[0].text}")
        for index, bullet in enumerate(story.bullets):
            report.bullets += 1
            texts = [by_number[n].text for n in bullet.sources]
            if opens_badly(bullet.text) or not any(ends_a_sentence(bullet.text, t) for t in texts):
                report.flag("cut bullets", bullet.text)
            if unresolved(bullet.text):
                report.flag("unresolved openings", bullet.text)
            if boilerplate(bullet.text):
                report.flag("boilerplate lines in bullets", bullet.text)
            for earlier in story.bullets[:index]:
                if repeats(earlier.text, bullet.text):
                    report.flag("repeated facts", f"{earlier.text} // {bullet.text}")
    return report


def print_report(report: Report, verbose: bool) -> None:
    print(f"== {report.name}: {report.articles} articles, {report.stories} stories, "
          f"{report.bullets} bullets, {report.top_lines} top lines")
    if report.extraction:
        count = len(report.extraction)
        p, r, f = (sum(s[i] for s in report.extraction) / count for i in range(3))
        print(f"  extraction vs ground truth ({count} pages): "
              f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    for kind in KINDS:
        print(f"  {kind:<42} {report.counts[kind]}")
        if verbose:
            for example in report.examples.get(kind, [])[:8]:
                print(f"      - {example[:220]}")


def pages_set(pages: Path, limit: int | None, into: Path) -> tuple[dict[str, str], dict[str, Path]]:
    truth_all = json.loads((pages / "ground-truth.json").read_text(encoding="utf-8"))
    files = sorted(pages.glob("*.html.gz"))[:limit]
    into.mkdir(parents=True)
    truth: dict[str, str] = {}
    originals: dict[str, Path] = {"__root__": pages}
    for file in files:
        digest = file.name.removesuffix(".html.gz")
        (into / f"{digest}.html").write_bytes(gzip.decompress(file.read_bytes()))
        truth[f"{digest}.html"] = truth_all.get(digest, {}).get("articleBody", "")
        originals[f"{digest}.html"] = file
    return truth, originals


def file_set(folder: Path) -> dict[str, Path]:
    originals: dict[str, Path] = {"__root__": folder}
    for file in folder.rglob("*"):
        if file.is_file():
            originals[file.name] = file
    return originals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, help="folder of *.html.gz and ground-truth.json")
    parser.add_argument("--seeds", type=Path, help="folder of seed articles")
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    parser.add_argument("--set", action="append", choices=("pages", "seeds", "examples"),
                        help="which article sets to brief (default: all three)")
    parser.add_argument("--keep", type=Path, help="keep each set's brief under this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="show flagged lines")
    args = parser.parse_args(argv)
    sets = args.set or ["pages", "seeds", "examples"]
    pages = args.pages or corpus_dir() / "pages"
    seeds = args.seeds or corpus_dir() / "seeds"
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in sets:
            work = (args.keep / name) if args.keep else Path(tmp) / name
            work.mkdir(parents=True, exist_ok=True)
            if name == "pages":
                if not (pages / "ground-truth.json").is_file():
                    print(f"== pages: skipped, no corpus at {pages}")
                    continue
                truth, originals = pages_set(pages, args.limit, Path(tmp) / "unpacked" / "pages")
                report = evaluate(name, Path(tmp) / "unpacked" / "pages", work, truth, originals)
            elif name == "seeds":
                if not seeds.is_dir():
                    print(f"== seeds: skipped, no corpus at {seeds}")
                    continue
                report = evaluate(name, seeds, work, None, file_set(seeds))
            else:
                examples = ROOT / "examples" / "articles"
                report = evaluate(name, examples, work, None, file_set(examples))
            print_report(report, args.verbose)
            total += sum(report.counts.values())
    print(f"total flagged: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
