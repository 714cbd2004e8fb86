"""Measuring grouping: reading labelled news, splitting it by story, pairwise and B-cubed scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.grouping.evaluation import (
    LabelledDataError,
    bcubed_scores,
    pairwise_scores,
    read_labelled,
    split_by_story,
)

HEADER = "id\tstory\tpublished\toutlet\turl\ttitle\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "labelled.tsv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_reads_the_corpus_shape_with_optional_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "7\ts1\t2014-03-10T16:52:50.698000+00:00\tOutlet\thttp://x.example/a"
                  "\tA title\tFirst paragraph.\\nSecond one.\n",
                  header=HEADER.replace("title\n", "title\ttext\n"))
    [item] = read_labelled(path)
    assert item.story == "s1" and item.article.id == 7 and item.article.title == "A title"
    assert item.article.text == "First paragraph.\nSecond one."
    assert item.article.published is not None and item.article.published.year == 2014
    assert item.article.outlet == "Outlet" and item.article.url == "http://x.example/a"


@pytest.mark.parametrize(("body", "header", "message"), [
    ("1\ts\t\t\t\tT\n", "id\ttitle\n", "missing column(s) story"),
    ("x\ts\t\t\t\tT\n", HEADER, ":2: id 'x' is not a whole number"),
    ("1\ts\t\t\t\tT\n1\ts\t\t\t\tU\n", HEADER, ":3: id 1 appears twice"),
    ("1\ts\tyesterday\t\t\tT\n", HEADER, ":2: published 'yesterday' is not an ISO 8601 time"),
    ("1\t\t\t\t\tT\n", HEADER, ":2: story and title must not be empty"),
    ("", HEADER, "no labelled articles"),
])
def test_bad_files_fail_with_one_line_naming_file_and_line(
    tmp_path: Path, body: str, header: str, message: str
) -> None:
    path = _write(tmp_path, body, header)
    with pytest.raises(LabelledDataError) as caught:
        read_labelled(path)
    assert str(path) in str(caught.value) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LabelledDataError, match="cannot read"):
        read_labelled(tmp_path / "absent.tsv")


def test_split_keeps_stories_whole_and_is_deterministic(tmp_path: Path) -> None:
    rows = "".join(f"{n}\tstory{n % 7}\t\t\t\tTitle {n}\n" for n in range(1, 71))
    labelled = read_labelled(_write(tmp_path, rows))
    tuning, test = split_by_story(labelled)
    assert {i.story for i in tuning}.isdisjoint({i.story for i in test})
    assert len(tuning) + len(test) == 70
    assert len({i.story for i in tuning}) == 4 and len({i.story for i in test}) == 3
    again = split_by_story(list(reversed(labelled)))
    assert {i.article.id for i in again[0]} == {i.article.id for i in tuning}


def test_scores_on_a_hand_counted_example() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = [1, 1, 2, 2, 2, 3]
    pair = pairwise_scores(predicted, truth)
    # Pairs grouped: (0,1), (2,3), (2,4), (3,4) = 4, of which (0,1), (3,4) are right;
    # same-story pairs: 3 (a) + 1 (b) = 4.
    assert pair.precision == pytest.approx(2 / 4) and pair.recall == pytest.approx(2 / 4)
    cubed = bcubed_scores(predicted, truth)
    # Per article precision: 1, 1, 1/3, 2/3, 2/3, 1; recall: 2/3, 2/3, 1/3, 1, 1, 1.
    assert cubed.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3 + 1) / 6)
    assert cubed.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1 + 1) / 6)
    perfect = bcubed_scores(truth, truth)
    assert perfect.precision == perfect.recall == perfect.f1 == 1.0
    lumped = bcubed_scores(["x"] * 6, truth)
    assert lumped.recall == 1.0 and lumped.precision < 0.5
