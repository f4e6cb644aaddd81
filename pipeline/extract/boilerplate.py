"""Boilerplate lines of general kinds, recognised line by line after the main-text extraction.

Each rule names a kind of line that no publisher means as article text: a date stamp, a share bar, a
prompt to read other articles, a picture credit, a call to subscribe, a cookie notice. The words are
German first, then the English, French, Spanish and Italian forms the press around it uses. Rules were
kept only where the development corpus showed they remove boilerplate without losing wanted text.
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> str:
    """A regex alternation of literal phrases (spaces kept, regex syntax allowed)."""
    return "(?:" + "|".join(alternatives) + ")"


_I = re.IGNORECASE
_DATE = r"\d{1,2}\.\s?(?:\d{1,2}\.|[A-Za-zäÄ]+\.?)\s?\d{2,4}|\d{4}-\d{2}-\d{2}"
_TIME = r"(?:[\s,·|-]*\d{1,2}[:.]\d{2}(?:\s*Uhr)?)?"
_STAMP_LABELS = _words(
    "Stand", "Zuletzt aktualisiert", "Aktualisiert(?: am)?", "Letzte Änderung", "Last updated"
)
_SHARE_TARGET_WORDS = (
    "teilen", "share", "tweet", "drucken", "print", "facebook", "twitter", "linkedin", "xing", "whatsapp",
    "e-mail", "email", "mail", "telegram",
)  # fmt: skip
_SHARE_TARGETS = _words(*_SHARE_TARGET_WORDS)
_SHARE_WORDS = _words(
    *_SHARE_TARGET_WORDS, "drucken/pdf", "pdf", "x", "pinterest", "reddit", "flipboard", "threads",
    "mastodon", "bluesky", "instagram", "link kopieren", "link", "kopieren", "merken", "artikel", "seite",
    "diese", "this", "auf", "on", "per", "senden", "copy", "teilen:", "share:",
)  # fmt: skip
_READ_MORE = _words(
    "Lesen Sie auch", "Lesen Sie mehr", "Auch lesen", "Mehr zum Thema", "Weitere (?:Artikel|Meldungen)",
    "Empfohlene (?:Artikel|Beiträge)", "Schon gelesen", "Mehr Themen", "Top-Themen", "Kommentierte Artikel",
    r"Auch auf [\w.-]+\.\w+", "Das (?:Thema )?könnte (?:Sie|dich) auch interessieren",
    "Read (?:more|also)", "Related(?: articles| posts| stories)?", "See also", "More on this",
    "(?:À )?lire aussi", "Lea (?:también|más)", "Vea también", "Notas relacionadas", "Leggi anche",
)  # fmt: skip
_READ_PREFIX = _words("Lea", "Mire", "Mira", "Vea", "Lesen Sie(?: hier| auch| mehr)?", "Auch interessant",
                      "Read", "Watch", "Lire")  # fmt: skip
_PAYWALL = _words("Pour (?:lire la suite|accéder)", "Unterstütze", "Unterstützen Sie", "Jetzt unterstützen",
                  "Support (?:us|our journalism)")  # fmt: skip
_NAVIGATION = _words(
    "Inhaltsverzeichnis", "Table of contents", "Inhalt", "Themen", "Temas", "Tags", "Schlagwörter",
    "Schlagworte", "Kategorien", "Categories", "Bild anzeigen", "Mehr anzeigen", "Weiterlesen", "Zurück",
    "Nach oben", "Top", "Zur Startseite", "Zur Übersicht", "Alle Meldungen",
)  # fmt: skip
_CREDITS = _words(
    "Fotos?", "Bild(?:quelle|nachweis)?", "Titelbild", "Credits?", "Photo", "Image", "Foto-?Credit",
    "Quellen?(?:angaben)?", "Crédits? photos?", "Copyright",
)  # fmt: skip
_SUBSCRIBE_START = _words(
    "subscribe", "sign up", "jetzt abonnieren", "abonnieren sie", "abonniere", "newsletter abonnieren",
    "folgen sie uns", r"follow (?:us|[\w ]{1,30}?) on (?:twitter|facebook|instagram)",
    "to view the full story", "want more",
)  # fmt: skip
_SUBSCRIBE_ANYWHERE = _words(
    r"\bnewsletter\b.*\b(?:abonn|subscri|sign up|anmelden)", "already a subscriber",
    r"\bcanal de (?:youtube|telegram|whatsapp)\b", "RSS-Feed abonnieren",
)  # fmt: skip

LINE_RULES: dict[str, re.Pattern[str]] = {
    "date stamp": re.compile(rf"^{_STAMP_LABELS}\s*:?\s*(?:{_DATE})[\s\d:.,Uhr]*$", _I),
    "dateline": re.compile(rf"^(?:[^\W\d_]+[\s:·|,/-]*){{0,3}}(?:{_DATE}){_TIME}$"),
    "share bar": re.compile(rf"^(?=.*\b{_SHARE_TARGETS}\b)(?:{_SHARE_WORDS}[\s|,·/•]*)+$", _I),
    "read more": re.compile(rf"^{_READ_MORE}\b.{{0,150}}$|^{_READ_PREFIX}\s*:.{{0,150}}$", _I),
    "paywall": re.compile(rf"^{_PAYWALL}\b.{{0,200}}$", _I),
    "contact line": re.compile(r"^(?:Telefon|Tel\.|Fax|Mobil|Phone)\s*:?\s*[+(\d].{0,60}$", _I),
    "navigation": re.compile(rf"^{_NAVIGATION}\s*:?$", _I),
    "credit": re.compile(rf"^{_CREDITS}\s*:.{{0,120}}$|^©.{{0,120}}$", _I),
    "subscribe": re.compile(
        rf"^\W{{0,3}}{_SUBSCRIBE_START}\b.{{0,250}}$|^(?=.{{0,250}}$).*{_SUBSCRIBE_ANYWHERE}", _I
    ),
    "loading": re.compile(r"^(?:Wird geladen|Loading|Lädt)\s*(?:\.{3}|…)?$", _I),
}

# a heading in the second half of the text after which only teasers or contact blocks follow
_TEASER_HEADINGS = _words(
    "Lesen Sie auch", "Mehr zum Thema", "Weitere (?:Artikel|Meldungen|Beiträge|Nachrichten)", "Schon gelesen",
    "Das könnte (?:Sie|dich) auch interessieren", "Empfohlene (?:Artikel|Beiträge)",
    "Ähnliche (?:Artikel|Beiträge)", "Mehr Themen", "Top-Themen", "Kommentierte Artikel", "Auch interessant",
    "Mehr aus", r"Auch auf [\w.-]+", "Related(?: articles| posts| stories| recipes)?", "More on this",
    "More from", "You may also like", "Recommended", "(?:À )?lire aussi", "Notas relacionadas", "Más sobre",
    "Beiträge aus dem Forum", "Vorschau auf den", "Kontakt", "Pressekontakt", "Ansprechpartner(?:in)?",
)  # fmt: skip
TEASER_HEADING = re.compile(rf"^{_TEASER_HEADINGS}\b.{{0,40}}$", _I)

_COOKIE = re.compile(r"\bcookies?\b", _I)
_CONSENT = re.compile(
    r"akzeptier|zustimm|einverstanden|einwillig|ablehnen|datenschutzerklärung|cookie-einstellungen|"
    r"\baccept|\bconsent|\bagree|privacy policy|\bdecline",
    _I,
)


def boilerplate_kind(line: str) -> str | None:
    """The kind of boilerplate line is, or None for article text."""
    for kind, rule in LINE_RULES.items():
        if rule.match(line):
            return kind
    if len(line) < 600 and _COOKIE.search(line) and _CONSENT.search(line):
        return "cookie notice"
    return None


def is_boilerplate(line: str) -> bool:
    """True for a line of a general boilerplate kind."""
    return boilerplate_kind(line) is not None
