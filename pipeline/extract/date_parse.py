"""Date strings as publishers write them: ISO 8601, compact YYYYMMDD, German day-month-year.

Pure functions of the string; whether a date is plausible for a page (not in the future, not before the
web's news era) is decided by `Bounds`, which takes the current time from its caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

Day = date | datetime

# before this no page of the kinds hubwatch reads was published: an earlier date is a placeholder
# ("1970-01-01", "0001-01-01") or a date the page talks about; htmldate's own lower bound
EARLIEST = date(1995, 1, 1)

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)"
    r"(?:[T ](?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:\.\d+)?)?(?P<tz>Z|[+-][0-2]\d:?[0-5]\d)?)?"
)
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)$")
GERMAN_MONTHS = {
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
    "mrz": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_NUMERIC_DE = re.compile(r"\b(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)?\d\d)\b")
_WORDY_DE = re.compile(
    r"\b(?P<d>[0-3]?\d)\.\s*(?P<mon>" + "|".join(sorted(GERMAN_MONTHS, key=len, reverse=True)) + r")\.?\s+"
    r"(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# a German day as text: "21.04.2017", "21. April 2017", "4. 2. 2022", or ISO "2017-04-21"
DAY_TEXT = r"(\d{1,2}\.\s?(?:\d{1,2}\.|[^\W\d_]+\.?)\s?\d{2,4}|\d{4}-\d\d-\d\d)"


@dataclass(frozen=True, slots=True)
class Bounds:
    """The days a publication date may fall on: from EARLIEST up to one day after `latest`.

    The day of slack keeps a stamp written in a time zone east of the reader's.
    """

    latest: date
    earliest: date = EARLIEST

    @classmethod
    def until(cls, now: Day | None) -> Bounds:
        """Bounds that end at now (a date or datetime); None is the current time in Europe/Berlin."""
        if now is None:
            from zoneinfo import ZoneInfo

            now = datetime.now(ZoneInfo("Europe/Berlin"))
        return cls(latest=now.date() if isinstance(now, datetime) else now)

    def admit(self, value: Day | None) -> Day | None:
        """value when it lies within the bounds, else None."""
        if value is None:
            return None
        day = day_of(value)
        return value if self.earliest <= day <= self.latest + timedelta(days=1) else None


def day_of(value: Day) -> date:
    """The calendar day of a date or of a datetime as written (its own offset, not UTC)."""
    return value.date() if isinstance(value, datetime) else value


def parse_date(value: str) -> Day | None:
    """ISO 8601, compact YYYYMMDD or German ('21.04.2017', '21. April 2017'); None if none is there.

    A value with a time keeps it, and its offset, as a datetime; a day alone is a date.
    """
    value = value.strip()
    match = _ISO.search(value)
    if match:
        return _from_iso(match)
    match = _COMPACT.match(value)
    if match:
        return safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    return parse_german_date(value)


def parse_german_date(value: str) -> date | None:
    """The first German-written date in value: '21. April 2017', '21.04.2017', '21.4.17'."""
    match = _WORDY_DE.search(value)
    if match:
        month = GERMAN_MONTHS[match["mon"].lower()]
        return safe_date(int(match["y"]), month, int(match["d"]))
    match = _NUMERIC_DE.search(value)
    if match:
        year = int(match["y"])
        year = year + 2000 if year < 100 else year
        return safe_date(year, int(match["m"]), int(match["d"]))
    return None


def parse_day_text(value: str) -> date | None:
    """A day written as DAY_TEXT matches it: German first, else ISO."""
    found = parse_german_date(value)
    if found is not None:
        return found
    match = _ISO.search(value)
    return safe_date(int(match["y"]), int(match["m"]), int(match["d"])) if match else None


def _from_iso(match: re.Match[str]) -> Day | None:
    day = safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if day is None or match["H"] is None:
        return day
    stamp = f"{day.isoformat()}T{match['H']}:{match['M']}:{match['S'] or '00'}"
    tz = match["tz"]
    if tz:
        tz = "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
        stamp += tz
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return day


_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
ENGLISH_MONTHS = {m: i for i, m in enumerate(_MONTH_ABBREVIATIONS, 1)}
_EN_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_ENGLISH_DATE = re.compile(
    rf"\b(?:(?P<d1>[0-3]?\d)\s+{_EN_MONTH}"
    rf"|{_EN_MONTH.replace('mon', 'mon2')}\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?),?\s+(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def parse_english_date(value: str) -> date | None:
    """'Tue, Sep 15 2020 10:01:41 EDT', '15 Sep 2020', 'September 15th, 2020': a day written in English, as
    some publishers write JSON-LD's datePublished (htmldate reads only ISO 8601 there)."""
    match = _ENGLISH_DATE.search(value)
    if match is None:
        return None
    month = ENGLISH_MONTHS[(match["mon"] or match["mon2"]).lower()[:3]]
    return safe_date(int(match["y"]), month, int(match["d1"] or match["d2"]))


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None for an impossible one (31 February): never a nearby day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None
