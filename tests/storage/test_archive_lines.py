"""The archive index's kept lines, on both backends: parts by name, under a stamp."""

from __future__ import annotations

from pathlib import Path

from briefing.storage import open_storage


def test_parts_are_kept_per_archive_and_replaced_one_by_one(store_location: Path | str) -> None:
    with open_storage(store_location) as store:
        lines = store.archive_lines
        assert lines.load("/out", "1:abc") == {}
        lines.save("/out", "1:abc", {"2026-10": '{"a":1}', "2026-11": '{"b":2}'})
        lines.save("/elsewhere", "1:abc", {"2026-11": '{"other":3}'})
        assert lines.load("/out", "1:abc") == {"2026-10": '{"a":1}', "2026-11": '{"b":2}'}

        # One part replaced, one removed; the other archive's are its own.
        lines.save("/out", "1:abc", {"2026-11": '{"b":2,"c":3}', "2026-10": None})
        assert lines.load("/out", "1:abc") == {"2026-11": '{"b":2,"c":3}'}
        assert lines.load("/elsewhere", "1:abc") == {"2026-11": '{"other":3}'}

        # Another template: the old stamp's parts are forgotten when the new one's are kept.
        assert lines.load("/out", "2:def") == {}
        lines.save("/out", "2:def", {"2026-12": '{"d":4}'})
        assert lines.load("/out", "1:abc") == {}
        assert lines.load("/out", "2:def") == {"2026-12": '{"d":4}'}

        # A rebuild replaces every part of its archive.
        lines.save("/out", "2:def", {"2026-09": '{"e":5}'}, replace_all=True)
        assert lines.load("/out", "2:def") == {"2026-09": '{"e":5}'}
        assert lines.load("/elsewhere", "1:abc") == {"2026-11": '{"other":3}'}
