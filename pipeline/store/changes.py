"""What counts as a change: the comparison form of an article, its hash, and the diff between versions.

Sites re-render pages for reasons that are not news: a "Stand: 12.03.2024" line moves on, the quotes
switch from „…“ to "…", a soft hyphen appears, the "Mehr zum Thema" teasers are shuffled, a link in the
text gets `?utm_source=newsletter`. None of that may create a version. So the hash is taken over a
*comparison form* that drops or neutralises each kind of noise; the stored text stays as published.

The rules, in order (docs/database.md lists them with examples):

1. Unicode NFKC; soft hyphens and zero-width characters removed; typographic quotes, apostrophes and
   dashes mapped to ASCII; runs of whitespace collapsed; blank lines dropped.
2. Date stamps removed: "Stand: 12.03.2024", "Zuletzt aktualisiert am 3. März 2024, 14:05 Uhr",
   "Aktualisiert: 2024-03-12" — wherever they occur, inline or as a line of their own.
3. Boilerplate lines removed: share/print/cookie/newsletter/back-to-top lines and the like, matched whole.
4. Tracking parameters removed from URLs in the text (utm_*, fbclid, gclid, mc_*, …).
5. Teaser order ignored: a run of two or more consecutive *teaser-like* lines (short, no sentence-final
   punctuation — a link list or a "related articles" block) is compared as a sorted block.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from difflib import unified_diff
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HASH_SCHEME = 2  # bump when the rules change; stored hashes of an older scheme are re-checked, not trusted

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_TYPOGRAPHY = dict(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "‹": "'",
        "›": "'",
        "´": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
    }
)
_TYPOGRAPHIC = re.compile("[" + "".join(_TYPOGRAPHY) + "]")

_MONTHS = "Januar|Jänner|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_DATE = (
    rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}\.\s?(?:{_MONTHS})\s\d{{4}}|(?:{_MONTHS})\s\d{{4}})"
)
_TIME = r"(?:,?\s*(?:um\s)?\d{1,2}[:.]\d{2}(?:\s?Uhr)?)?"
_STAMP_WORDS = (
    r"(?:Stand|Zuletzt\s+aktualisiert|Zuletzt\s+geändert|Aktualisiert|Letzte\s+Aktualisierung"
    r"|Letzte\s+Änderung|Geändert|Update|Last\s+updated)"
)
STAMP = re.compile(rf"\(?\b{_STAMP_WORDS}(?:\s+(?:am|vom))?\s*:?\s*{_DATE}{_TIME}\)?", re.IGNORECASE)

BOILERPLATE_LINES = re.compile(
    r"^(?:"
    r"(?:Artikel|Seite|Beitrag)?\s*(?:teilen|drucken|versenden|merken|per\s+E-?Mail\s+(?:senden|teilen))"
    r"|Teilen(?:\s+auf\s+\w+)?|Drucken|Nach\s+oben|Zurück(?:\s+zur\s+Übersicht)?|Zum\s+Seitenanfang"
    r"|Mehr\s+zum\s+Thema|Das\s+könnte\s+Sie\s+auch\s+interessieren|Weitere\s+Artikel|Lesen\s+Sie\s+auch"
    r"|Newsletter\s+abonnieren|Alle\s+akzeptieren|Cookie-?Einstellungen|Einstellungen"
    r"|Diese\s+Website\s+verwendet\s+Cookies.*|Impressum|Datenschutz(?:erklärung)?|Barrierefreiheit"
    r"|Kontakt|Startseite|Facebook|Twitter|X|LinkedIn|Xing|WhatsApp|Instagram|Mastodon|E-?Mail"
    r")\s*[.:!]?$",
    re.IGNORECASE,
)

BOILERPLATE_MAX_CHARS = 200
_DIGIT = re.compile(r"\d")
_STAMP_HINT = re.compile("stand|aktualisiert|geändert|änderung|update|updated")

TRACKING_PARAMS = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|wt_mc|wt\.mc_id|pk_\w+|piwik_\w+"
    r"|mtm_\w+|itm_\w+|ref|ref_src|source|campaign|cmp|icid|ocid|s_cid|yclid|igshid)$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"')\]]+")

TEASER_MAX_CHARS = 120
SENTENCE_END = tuple(".!?:;\"')")


def clean(text: str) -> str:
    """Rule 1: one spelling of the same characters, one space between words, no blank lines."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _TYPOGRAPHIC.sub(lambda m: _TYPOGRAPHY[m.group()], _INVISIBLE.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())  # str.split knows Unicode spaces
    return "\n".join(line for line in lines if line)


def normalise(text: str) -> str:
    """The form stored hashes compare (rules 1-4); line structure is kept for the teaser rule."""
    lines = []
    for line in clean(text).splitlines():
        if _might_hold_a_stamp(line):
            line = " ".join(STAMP.sub("", line).split())
        if "http" in line:
            line = _URL.sub(_strip_tracking, line)
        line = line.strip(" ,;-|·")
        if line and (len(line) > BOILERPLATE_MAX_CHARS or not BOILERPLATE_LINES.match(line)):
            lines.append(line)
    return "\n".join(lines)


def _might_hold_a_stamp(line: str) -> bool:
    """A cheap pre-check (plain substring tests) before the costly STAMP pattern."""
    return _DIGIT.search(line) is not None and _STAMP_HINT.search(line.lower()) is not None


def _strip_tracking(match: re.Match[str]) -> str:
    """Drop tracking parameters from one URL; sentence punctuation after it is not part of it."""
    found = match.group(0)
    url = found.rstrip(".,;:!?")
    parts = urlsplit(url)
    if not parts.query:
        return found
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlunsplit(parts._replace(query=urlencode(kept))) + found[len(url) :]


def is_teaser(line: str) -> bool:
    """A teaser or link-list line: short and not a sentence (no final punctuation)."""
    return len(line) <= TEASER_MAX_CHARS and line[-1:] not in SENTENCE_END


def comparison_form(title: str, text: str) -> str:
    """Rules 1-5: what must differ for a new version. Teaser runs are sorted, so their order is moot."""
    out: list[str] = []
    run: list[str] = []
    for line in normalise(text).splitlines():
        if is_teaser(line):
            run.append(line)
            continue
        out += sorted(run) if len(run) > 1 else run
        run = []
        out.append(line)
    out += sorted(run) if len(run) > 1 else run
    return normalise(title) + "\n\n" + "\n".join(out)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the comparison form, prefixed by the scheme so a rule change is recognisable."""
    return hash_form(comparison_form(title, text))


def hash_form(form: str) -> str:
    return f"{HASH_SCHEME}:{hashlib.sha256(form.encode()).hexdigest()}"


def same_content(old_title: str, old_text: str, form: str) -> bool:
    """Compare a stored version with a new comparison form by the current rules, whatever the stored hash."""
    return comparison_form(old_title, old_text) == form


def make_diff(old: str, new: str, version: int) -> str:
    """A unified diff, one line per paragraph, of the published text (whitespace tidied, rule 1)."""
    return "\n".join(
        unified_diff(
            clean(old).splitlines(), clean(new).splitlines(), f"v{version - 1}", f"v{version}", lineterm=""
        )
    )
