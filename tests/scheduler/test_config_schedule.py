"""[profiles.NAME.schedule]: read, normalized, and every bad value named with file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import ScheduleConfig, load_config
from briefing.errors import ConfigError

HEAD = """
[smtp]
from_address = "brief@news.example"
[profiles.morning]
recipients = ["ada@example.org"]
[profiles.morning.schedule]
"""


def load(tmp_path: Path, schedule: str, head: str = HEAD):  # type: ignore[no-untyped-def]
    path = tmp_path / "briefing.toml"
    path.write_text(head + schedule, encoding="utf-8")
    return load_config(path)


def test_a_full_schedule_is_read(tmp_path: Path) -> None:
    config = load(tmp_path, """
deliver_at = "7:05"
timezone = "Europe/Moscow"
days = ["Monday", "wed", "weekends"]
collect_every_minutes = 15
catch_up_grace_minutes = 60
retry_every_minutes = 10
max_attempts_per_day = 2
send = false
""")
    schedule = config.profile("morning").schedule
    assert schedule is not None
    assert schedule.deliver_at == "7:05" and schedule.timezone == "Europe/Moscow"
    assert schedule.days == ("mon", "wed", "sat", "sun")
    assert (schedule.collect_every_minutes, schedule.catch_up_grace_minutes,
            schedule.retry_every_minutes, schedule.max_attempts_per_day, schedule.send) == (
        15, 60, 10, 2, False)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ('"weekdays"', ("mon", "tue", "wed", "thu", "fri")),
        ('"daily"', ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        ('["fri", "mon", "fri"]', ("mon", "fri")),
    ],
)
def test_day_forms(tmp_path: Path, days: str, expected: tuple[str, ...]) -> None:
    config = load(tmp_path, f'deliver_at = "07:00"\ntimezone = "UTC"\ndays = {days}\n')
    schedule = config.profile("morning").schedule
    assert schedule is not None and schedule.days == expected


def test_defaults_and_unscheduled_profiles(tmp_path: Path) -> None:
    config = load(tmp_path, 'deliver_at = "07:00"\ntimezone = "Europe/London"\n'
                  "[profiles.other]\n")
    schedule = config.profile("morning").schedule
    assert schedule is not None and len(schedule.days) == 7 and schedule.send
    assert (schedule.collect_every_minutes, schedule.catch_up_grace_minutes,
            schedule.retry_every_minutes, schedule.max_attempts_per_day) == (60, 180, 30, 4)
    assert config.profile("other").schedule is None
    assert config.profile("default").schedule is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('timezone = "UTC"\n', "profiles.morning.schedule.deliver_at is required"),
        ('deliver_at = "07:00"\n', "profiles.morning.schedule.timezone is required"),
        ('deliver_at = "7am"\ntimezone = "UTC"\n',
         'profiles.morning.schedule.deliver_at must be a 24-hour time "HH:MM", got \'7am\''),
        ('deliver_at = "24:00"\ntimezone = "UTC"\n', "deliver_at must be a 24-hour time"),
        ('deliver_at = "07:00"\ntimezone = "Mars/Olympus"\n',
         "profiles.morning.schedule.timezone: unknown time zone 'Mars/Olympus'"),
        ('deliver_at = "07:00"\ntimezone = "../../etc/passwd"\n', "unknown time zone"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\ndays = ["mon", "funday"]\n',
         "profiles.morning.schedule.days: 'funday' is not a day"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\ndays = []\n', "must name at least one day"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\ndays = 5\n', "days must be a list"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\ncollect_every_minutes = 0\n',
         "profiles.morning.schedule.collect_every_minutes must be greater than 0, got 0"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\ncatch_up_grace_minutes = -5\n',
         "catch_up_grace_minutes must be greater than 0"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\nretry_every_minutes = 0\n',
         "retry_every_minutes must be greater than 0"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\nmax_attempts_per_day = 0\n',
         "max_attempts_per_day must be greater than 0"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\nretry_every_minutes = "soon"\n',
         "retry_every_minutes must be an integer"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\nsend = "yes"\n', "send must be true or false"),
        ('deliver_at = "07:00"\ntimezone = "UTC"\nat = "noon"\n',
         "unknown key profiles.morning.schedule.at"),
    ],
)
def test_bad_values_are_one_line_errors_naming_file_and_key(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert text.startswith(str(tmp_path / "briefing.toml"))


def test_a_schedule_that_sends_needs_recipients_and_a_sender(tmp_path: Path) -> None:
    body = 'deliver_at = "07:00"\ntimezone = "UTC"\n'
    with pytest.raises(ConfigError, match=r"schedule.send is true but profiles.solo.recipients"):
        load(tmp_path, body, head="[smtp]\nfrom_address = 'a@b.example'\n"
             "[profiles.solo.schedule]\n")
    with pytest.raises(ConfigError, match=r"smtp\.from_address is not set"):
        load(tmp_path, body, head="[profiles.solo]\nrecipients = ['a@b.example']\n"
             "[profiles.solo.schedule]\n")
    only_build = load(tmp_path, body + "send = false\n", head="[profiles.solo.schedule]\n")
    assert only_build.profile("solo").schedule is not None


def test_schedule_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "briefing.toml"
    path.write_text('[profiles.morning]\nschedule = "07:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"profiles\.morning\.schedule must be a table"):
        load_config(path)


ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_schedule_keys_are_the_real_ones(tmp_path: Path) -> None:
    """The commented block in briefing.example.toml parses once uncommented; README names all."""
    example = (ROOT / "briefing.example.toml").read_text(encoding="utf-8")
    block = example[example.index("# [profiles.default.schedule]"):]
    lines = [line.removeprefix("# ") for line in block.splitlines() if line.startswith("# ")]
    text = example.replace(block, "\n".join(lines) + "\n").replace("send = true", "send = false")
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "examples" / "articles").mkdir(parents=True)
    schedule = load_config(path).profile("default").schedule
    assert schedule is not None and schedule.days == ("mon", "tue", "wed", "thu", "fri")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `[profiles.NAME.sch"))
    for name in ScheduleConfig.__dataclass_fields__:
        assert f"`{name}`" in row and f"# {name} = " in example
