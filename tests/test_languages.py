"""Briefs in their readers' language, and articles in other languages read properly.

German, French and Russian articles (tests/data/multilingual, with each site's
furniture) are cleaned, split into sentences and grouped into the right stories; the
LLM is asked for the brief's language and its translated bullets are still grounded on
names and numbers; the offline engine says it cannot translate."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, Reply, Request, answer, article_bodies

from briefing.config import Config, ConfigError, LLMConfig, ProfileConfig, load_config
from briefing.pipeline import build_brief
from briefing.text import split_sentences

DATA = Path(__file__).parent / "data" / "multilingual"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
FURNITURE = ("Lesen Sie auch", "Jetzt abonnieren", "Artikel teilen", "Anzeige",
             "Mehr zum Thema", "Teilen Sie diesen Artikel", "Lire aussi", "Abonnez-vous",
             "Partager cet article", "Publicité", "réservée aux abonnés", "Tous droits",
             "Читайте также", "Подпишитесь", "Поделиться", "Реклама", "Смотрите также")


def _config(tmp_path: Path, **brief: object) -> Config:
    config = load_config(cwd=tmp_path)
    return dataclasses.replace(config, brief=dataclasses.replace(config.brief, **brief))


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp_path = tmp_path_factory.mktemp("offline")
    config = _config(tmp_path, language="en", engine="extractive")
    result = build_brief(config, sources=[DATA], out_root=tmp_path / "out", now=NOW)
    data = json.loads(result.files.json.read_text(encoding="utf-8"))
    return {"result": result, "json": data, "text": result.files.text.read_text("utf-8")}


@pytest.mark.parametrize(("text", "expected"), [
    ("Am 3. Oktober trat die Regierung zurück. Die Opposition jubelte.",
     ["Am 3. Oktober trat die Regierung zurück.", "Die Opposition jubelte."]),
    ("Die Kosten stiegen z. B. um 3,5 Mio. Euro. Das sagte Prof. Dr. Anna Weber.",
     ["Die Kosten stiegen z. B. um 3,5 Mio. Euro.", "Das sagte Prof. Dr. Anna Weber."]),
    ("Es gilt bis zum 1. Juli 2031. Im 20. Jahrhundert war das anders.",
     ["Es gilt bis zum 1. Juli 2031.", "Im 20. Jahrhundert war das anders."]),
    ("M. Garnier a déclaré : « Nous irons jusqu'au bout. » La direction a proposé 2,5 %.",
     ["M. Garnier a déclaré : « Nous irons jusqu'au bout. »", "La direction a proposé 2,5 %."]),
    ("« C'est fini\u202f! » a-t-il dit. La séance est levée.",
     ["« C'est fini ! » a-t-il dit.", "La séance est levée."]),
    ("Президент В. В. Путин заявил об этом в среду. Об этом сообщает ТАСС.",
     ["Президент В. В. Путин заявил об этом в среду.", "Об этом сообщает ТАСС."]),
    ("Склад на ул. Станционной горит. Площадь 5 тыс. кв. м, т. е. очень много.",
     ["Склад на ул. Станционной горит.", "Площадь 5 тыс. кв. м, т. е. очень много."]),
])
def test_sentences_split_where_a_reader_would(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_stories_are_grouped_per_event_in_each_language(offline: dict[str, object]) -> None:
    data = offline["json"]
    assert isinstance(data, dict)
    stories = _stories(data)
    for pair in GROUPED:
        assert pair in stories, sorted(pair)
    # Never a story across events or languages.
    assert all(len(story) <= 2 for story in stories) and len(stories) >= 6


@pytest.mark.xfail(strict=True, reason="left undone: two German reports of the vote share "
                   "only 'Bundestag', 'Rentenpaket' and '48' and stay below the link "
                   "thresholds tuned on English news")
def test_inflected_languages_group_too(offline: dict[str, object]) -> None:
    stories = _stories(offline["json"])
    for pair in NOT_YET_GROUPED:
        assert pair in stories, sorted(pair)


def _stories(data: object) -> set[frozenset[str]]:
    assert isinstance(data, dict)
    by_number = {s["id"]: s for s in data["sources"]}
    return {frozenset(by_number[n]["url"].rsplit("/", 1)[-1] for n in story["sources"])
            for story in data["stories"]}


GROUPED = (
    frozenset({"hochwasser-passau", "passau-hochwasser-katastrophenfall"}),
    frozenset({"greve-sncf-tgv", "sncf-greve-controleurs-jeudi"}),
    frozenset({"louvre-vol-tableaux", "louvre-vol-deux-tableaux"}),
    # Inflected: "Новосибирске"/"Новосибирск", "ставку"/"ставка" meet as Snowball stems.
    frozenset({"cb-stavka-18", "cb-podnyal-stavku-do-18"}),
    frozenset({"novosibirsk-pozhar-sklad", "novosibirsk-sklad-pozhar"}),
)
NOT_YET_GROUPED = (
    frozenset({"rentenpaket-bundestag", "rentenpaket-bundestag-48-prozent"}),
)


def test_site_furniture_is_cleaned_in_every_language(offline: dict[str, object]) -> None:
    text = json.dumps(offline["json"], ensure_ascii=False) + str(offline["text"])
    for phrase in FURNITURE:
        assert phrase not in text, phrase
    # ...while the reporting is kept, verbatim, in its own language.
    data = offline["json"]
    assert isinstance(data, dict)
    bullets = " ".join(b["text"] for story in data["stories"] for b in story["bullets"])
    for word in ("Passau", "Rentenpaket", "Louvre", "Sud-Rail", "Новосибирске", "ЦБ"):
        assert word in bullets, word


def test_the_offline_engine_says_it_cannot_translate(offline: dict[str, object]) -> None:
    data = offline["json"]
    assert isinstance(data, dict)
    assert data["coverage"].endswith(
        "summarized offline by the built-in extractive engine, which cannot translate: "
        "12 of 12 articles are not in English")
    assert "which cannot translate" in str(offline["text"])


def test_no_translation_note_when_the_articles_are_in_the_briefs_language(
    tmp_path: Path
) -> None:
    config = _config(tmp_path, language="de", engine="extractive")
    result = build_brief(config, sources=[DATA / "de"], out_root=tmp_path / "out", now=NOW)
    assert "cannot translate" not in result.brief.coverage
    assert result.brief.language == "de"


# -- the LLM writes in the brief's language ------------------------------------------

#: German bullets for the French and Russian stories: names and numbers as the
#: articles write them, the rest translated.
GERMAN = {
    "greve": "Die Gewerkschaft Sud-Rail fordert 6 % mehr Lohn, die Direktion bietet 2,5 %.",
    "louvre": "Aus dem Louvre wurden zwei Gemälde im Wert von 12 Millionen Euro gestohlen.",
    "stavka": "Die russische Zentralbank hat den Leitzins auf 18% angehoben.",
    "pozhar": "140 Feuerwehrleute löschen einen Lagerbrand, 300 Menschen wurden evakuiert.",
}
#: ...and the same with a name or a number the articles do not have.
INVENTED = {
    "greve": "Die Gewerkschaft Sud-Rail fordert 9 % mehr Lohn, die Direktion bietet 2,5 %.",
    "louvre": "Museumsdirektor Heinrich Obermaier meldete den Diebstahl zweier Gemälde.",
    "stavka": "Die Zentralbank hat den Leitzins auf 21% angehoben.",
    "pozhar": "Gouverneur Dmitrij Kowalenko übernahm die Leitung der Löscharbeiten.",
}


def _story_key(request: Request) -> str | None:
    bodies = " ".join(article_bodies(request.user).values())
    for key, marker in (("greve", "Sud-Rail"), ("louvre", "Louvre"),
                        ("stavka", "ставк"), ("pozhar", "пожар")):
        if marker.lower() in bodies.lower():
            return key
    return None


def _translator(request: Request) -> Reply:
    if request.task != "story_bullets":
        return answer("lines")
    key = _story_key(request)
    labels = list(article_bodies(request.user))
    if key is None or not labels:
        return answer("bullets")
    return answer("bullets", (GERMAN[key], [labels[0]]), (INVENTED[key], [labels[0]]))


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.handler = _translator
        yield server


def test_the_llm_is_asked_for_the_profiles_language_and_stays_grounded(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    config = _config(tmp_path, language="en", engine="llm")
    config = dataclasses.replace(
        config, llm=LLMConfig(base_url=fake.base_url, model="fake-model", max_retries=0),
        profiles={"default": ProfileConfig(name="default", language="de")},
    )
    result = build_brief(config, sources=[DATA / "fr", DATA / "ru"], out_root=tmp_path / "o",
                         now=NOW)
    bullets = {bullet.text for story in result.brief.stories for bullet in story.bullets}
    for text in GERMAN.values():
        assert text in bullets, text
    for text in INVENTED.values():
        assert text not in bullets, text
    reasons = {dropped.reason for dropped in result.brief.dropped}
    assert {"ungrounded-name", "ungrounded-number"} <= reasons
    assert result.brief.language == "de"
    assert "cannot translate" not in result.brief.coverage
    systems = [r.system for r in fake.chat_requests if r.task == "story_bullets"]
    assert systems and all("Write every bullet in German" in s for s in systems)


def test_untranslated_lines_still_need_support(tmp_path: Path, fake: FakeOpenAI) -> None:
    """A line in the articles' own language gets the full check, support included."""
    from briefing.summarize.grounding import SourceDoc, ground_item

    text = (DATA / "de" / "rente-tagesblatt.md").read_text(encoding="utf-8")
    docs = {"A1": SourceDoc("A1", 1, text)}
    made_up = {"text": "Katrin Ahlers trat am Donnerstag mit 48 Prozent zurück.",
               "sources": ["A1"]}
    assert ground_item(made_up, docs, language="de").reason == "unsupported"  # type: ignore[union-attr]
    assert ground_item(made_up, docs, language="en").__class__.__name__ == "Grounded"


def test_language_codes_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "briefing.toml"
    path.write_text('[brief]\nlanguage = "German"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"brief\.language must be a language code"):
        load_config(path)
    path.write_text('[profiles.paris]\nlanguage = "fr-FR"\n', encoding="utf-8")
    assert load_config(path).language_for(load_config(path).profile("paris")) == "fr-FR"
