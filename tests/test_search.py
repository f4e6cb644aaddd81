"""Search as an analyst uses it: German forms and compounds, filters, formats, one item per story."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.analysts import search
from pipeline.analysts.search import (
    SearchFilters,
    fts_query,
    indexed_words,
    search_announcements,
    snippet,
    stem,
)
from pipeline.cli import cli
from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.maintenance import maintain
from pipeline.store.schema import open_db

DPA = (
    "Die Bundesregierung hat sieben weitere Standorte für die Digital Hub Initiative ausgewählt. "
    "Künftig sollen Gründerinnen und Gründer in Hamburg gemeinsam mit der Logistikbranche an digitalen "
    "Lösungen arbeiten, teilte das Bundeswirtschaftsministerium am Dienstag in Berlin mit. In Karlsruhe "
    "entsteht ein Hub für Künstliche Intelligenz, in Dresden und Leipzig einer für Smart Systems.\n"
    "Die neuen Hubs sollen Start-ups, Mittelstand, Konzerne und Wissenschaft an einem Ort zusammenbringen. "
    "Jeder Standort konzentriert sich auf eine Branche, in der die Region bereits stark ist. Das Ministerium "
    "will die Hubs in den kommenden Jahren international sichtbar machen und ausländische Gründerteams "
    "anziehen. Eine gemeinsame Agentur soll die Standorte vernetzen und auf Messen vertreten.\n"
    "Kritiker bemängeln, dass die Förderung vor allem große Städte begünstige. Die Länder hatten sich mit "
    "insgesamt mehr als zwanzig Bewerbungen beteiligt, von denen zunächst zwölf ausgewählt wurden."
)
ROWS = [
    # source, slug, title, text, published, hubs, sectors
    (
        "bmwk",
        "hubs",
        "Sieben neue Hubs für Deutschland",
        DPA,
        "2024-03-01",
        ["Hamburg", "Karlsruhe"],
        ["Logistik"],
    ),
    ("zeitung", "hubs", "Digital Hubs: sieben neue Standorte", DPA + " (dpa)", "2024-03-01", ["Hamburg"], []),
    (
        "stadt",
        "hubs",
        "Hamburg wird Digital Hub",
        DPA + "\nQuelle: dpa",
        "2024-03-02",
        ["Hamburg"],
        ["Logistik"],
    ),
    (
        "hafen",
        "labor",
        "Hafen eröffnet Labor",
        "Der Hub eröffnet ein Labor für Hafenlogistik und Lieferketten.",
        "2024-05-10",
        ["Hamburg"],
        ["Logistik"],
    ),
    (
        "ka",
        "ki",
        "Gründerin gewinnt Preis",
        "Eine Gründerin aus Karlsruhe gewinnt den Preis für Künstliche Intelligenz. Die Städte feiern.",
        "2023-11-20",
        ["Karlsruhe"],
        ["Künstliche Intelligenz"],
    ),
]


def _analysis(hubs: list[str], sectors: list[str]) -> Analysis:
    mentions = [Mention("HUB", h, h, 0, 1) for h in hubs] + [Mention("SECTOR", s, s, 0, 1) for s in sectors]
    facts = [Fact(h, "sector", s) for h in hubs for s in sectors]
    return Analysis(mentions=mentions, facts=facts, relevant=True)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "hubwatch.db"
    db = open_db(path)
    for n, (source, slug, title, text, day, hubs, sectors) in enumerate(ROWS):
        url = f"https://{source}.example/{slug}"
        article = Article(url=url, title=title, text=text, published_at=None)
        save_article(
            db,
            source_id=source,
            url=url,
            article=article,
            analysis=_analysis(hubs, sectors),
            fetched_at=f"{day}T0{n}:00:00+00:00",
        )
    db.close()
    return path


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    return open_db(db_path)


def titles(rows: list[dict]) -> set[str]:
    return {r["title"] for r in rows}


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("Hubs", "Hafen eröffnet Labor"),  # plural query finds the singular "Hub"
        ("Gründerinnen", "Gründerin gewinnt Preis"),  # plural finds the singular feminine form
        ("Gründerin", "Sieben neue Hubs für Deutschland"),  # ... and the plural "Gründerinnen"
        ("Logistik", "Sieben neue Hubs für Deutschland"),  # prefix: Logistikbranche
        ("Stadt", "Gründerin gewinnt Preis"),  # umlaut plural "Städte": diacritics are folded
        ("kunstliche intelligenz", "Gründerin gewinnt Preis"),  # case and ü/u do not matter
        ('"Smart Systems"', "Sieben neue Hubs für Deutschland"),
    ],
)
def test_german_forms_and_compounds_are_found(db: sqlite_utils.Database, query: str, finds: str) -> None:
    assert finds in titles(search_announcements(db, query))


COMPOUNDS = [  # title, text: German compounds whose head (last part) is a query word, or only its middle
    ("Bioenergie für Kiel", "Die Stadtwerke setzen auf Bioenergie aus dem Umland."),
    ("Zwei Kontraktlogistiken fusionieren", "Die Kontraktlogistiken wollen gemeinsam wachsen."),
    ("Neues Hafenlogistikzentrum", "Am Kai entsteht ein Hafenlogistikzentrum."),
]


@pytest.fixture
def compounds(db: sqlite_utils.Database) -> sqlite_utils.Database:
    for n, (title, text) in enumerate(COMPOUNDS):
        url = f"https://compounds.example/{n}"
        article = Article(url=url, title=title, text=text)
        save_article(db, source_id="compounds", url=url, article=article, analysis=Analysis())
    return db


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("Logistik", "Hafen eröffnet Labor"),  # the tail: Hafenlogistik
        ("Logistik", "Sieben neue Hubs für Deutschland"),  # the head, as before: Logistikbranche
        ("Energie", "Bioenergie für Kiel"),
        ("Logistik", "Zwei Kontraktlogistiken fusionieren"),  # an inflected tail
        ("Logistiken", "Hafen eröffnet Labor"),  # an inflected query, the tail uninflected
        ("Hafenlogistik", "Hafen eröffnet Labor"),  # the whole word, as before
    ],
)
def test_a_compound_is_found_by_its_tail(compounds: sqlite_utils.Database, query: str, finds: str) -> None:
    assert finds in titles(search_announcements(compounds, query))


def test_a_word_inside_a_compound_but_not_its_end_is_not_a_match(compounds: sqlite_utils.Database) -> None:
    """A "Hafenlogistikzentrum" is a centre, not logistics: the stem must start or end the word."""
    assert "Neues Hafenlogistikzentrum" not in titles(search_announcements(compounds, "Logistik"))
    assert "Neues Hafenlogistikzentrum" in titles(search_announcements(compounds, "Hafenlogistikzentrum"))


def test_an_explicit_prefix_and_a_short_stem_find_no_tails(compounds: sqlite_utils.Database) -> None:
    assert "Hafen eröffnet Labor" not in titles(search_announcements(compounds, "Logistik*"))
    assert "Bioenergie für Kiel" not in titles(search_announcements(compounds, "Umla"))  # "Umland": 4 letters


def test_the_vocabulary_written_with_each_text_is_the_index_s(compounds: sqlite_utils.Database) -> None:
    compounds.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, announcements_fts, 'row')")
    indexed = {r[0] for r in compounds.execute("SELECT term FROM temp.terms")}
    assert {r[0] for r in compounds.execute("SELECT word FROM search_words")} == indexed


def test_maintain_drops_the_words_of_replaced_texts(db_path: Path, compounds: sqlite_utils.Database) -> None:
    url = "https://compounds.example/0"
    article = Article(
        url=url, title="Biogas für Kiel", text="Die Stadtwerke setzen auf Biogas aus dem Umland."
    )
    saved = save_article(compounds, source_id="compounds", url=url, article=article, analysis=Analysis())
    assert saved.change == "changed"
    assert "Biogas für Kiel" in titles(search_announcements(compounds, "Biogas"))
    stale = "SELECT count(*) FROM search_words WHERE word = 'bioenergie'"
    assert compounds.execute(stale).fetchone()[0] == 1  # harmless: it matches nothing
    assert maintain(compounds, db_path, retention_days=30).words_pruned == 1
    assert compounds.execute(stale).fetchone()[0] == 0


def test_too_many_tails_leave_the_prefix_query_as_it_was(
    compounds: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert search.compound_words(compounds, "Logistik") == [
        "logistikbranche",
        "hafenlogistik",
        "kontraktlogistiken",
    ]
    monkeypatch.setattr(search, "MAX_EXPANSION", 2)
    assert search.compound_words(compounds, "Logistik") == ["logistikbranche"]
    monkeypatch.setattr(search, "TAIL_CANDIDATES", 2)
    monkeypatch.setattr(search, "MAX_EXPANSION", 100)
    assert search.compound_words(compounds, "Logistik") == ["logistikbranche"]  # in 4 words: too common


def test_syndicated_copies_are_one_result_listing_the_other_sources(db: sqlite_utils.Database) -> None:
    rows = search_announcements(db, "Standorte Digital Hub Initiative")
    assert len(rows) == 1
    (row,) = rows
    others = {part.split(":")[0] for part in row["also_in"].split(", ")}
    assert {row["source_id"], *others} == {"bmwk", "zeitung", "stadt"}
    copies = db.execute("SELECT source_id, duplicate_of FROM announcements WHERE duplicate_of IS NOT NULL")
    assert sorted(copies.fetchall()) == [("stadt", 1), ("zeitung", 1)]


def test_results_are_ranked_with_title_hits_first_and_a_snippet(db: sqlite_utils.Database) -> None:
    rows = search_announcements(db, "Labor")
    assert rows[0]["title"] == "Hafen eröffnet Labor"
    assert "[Labor]" in rows[0]["snippet"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(since="2024-03-02"), {"Hafen eröffnet Labor", "Hamburg wird Digital Hub"}),
        (SearchFilters(until="2023-12-31"), {"Gründerin gewinnt Preis"}),
        (SearchFilters(source="hafen"), {"Hafen eröffnet Labor"}),
        (SearchFilters(hub="karlsruhe"), {"Sieben neue Hubs für Deutschland", "Gründerin gewinnt Preis"}),
        (
            SearchFilters(sector="Logistik", since="2024-03-02"),
            {"Hafen eröffnet Labor", "Hamburg wird Digital Hub"},
        ),
    ],
)
def test_filters_narrow_the_results(db: sqlite_utils.Database, filters: SearchFilters, expected: set) -> None:
    assert titles(search_announcements(db, "Hub OR Gründerin", filters=filters)) == expected


def test_the_cli_prints_json_csv_and_table(db_path: Path) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db_path), "search", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    data = json.loads(run("Labor", "--format", "json"))
    assert data[0]["title"] == "Hafen eröffnet Labor" and set(data[0]) >= {"url", "snippet", "also_in"}
    rows = list(
        csv.DictReader(io.StringIO(run("Hubs", "--format", "csv", "--hub", "Hamburg", "--limit", "2")))
    )
    assert len(rows) == 2 and "source_id" in rows[0]
    assert "Labor" in run("Labor", "--since", "2024-01-01", "--limit", "1")  # the table
    assert json.loads(run("nichtsdergleichen", "--format", "json")) == []


def test_a_bad_date_is_a_usage_error(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "search", "Hub", "--since", "März"])
    assert result.exit_code == 2 and "2024-03-31" in result.output


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("Hubs", "Hub"),
        ("Gründerinnen", "Gründer"),
        ("Gründerin", "Gründer"),
        ("Berlin", "Berlin"),
        ("Städte", "Städt"),
    ],
)
def test_stem(word: str, root: str) -> None:
    assert stem(word) == root


@given(st.text(max_size=60))
def test_no_user_input_is_an_fts_syntax_error(text: str) -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    match = fts_query(text)
    if match:
        conn.execute("SELECT * FROM t WHERE t MATCH ?", [match]).fetchall()


@pytest.mark.parametrize(
    "query",
    ["Gründerinnen", "Logistik", "Logist*", "Hubs Gründer", "kunstliche intelligenz", "Städte -Labor"],
)
def test_a_prefix_read_from_the_vocabulary_matches_what_fts5_matches(
    db: sqlite_utils.Database, query: str
) -> None:
    def matched(expression: str) -> set[int]:
        sql = "SELECT rowid FROM announcements_fts WHERE announcements_fts MATCH ?"
        return {r[0] for r in db.execute(sql, [expression])}

    expanded = fts_query(query, expand=lambda root: indexed_words(db, root))
    assert expanded != fts_query(query) and matched(expanded) == matched(fts_query(query))


def test_the_vocabulary_lists_the_words_a_stem_starts(db: sqlite_utils.Database) -> None:
    assert indexed_words(db, "Gründer") == ["grunder", "grunderin", "grunderinnen", "grunderteams"]
    assert indexed_words(db, "Logistik") == ["logistikbranche"]
    assert indexed_words(db, "Nichtsdergleichen") is None  # no word: the prefix query stays
    assert indexed_words(db, "Straß") is None  # "ß" is folded by FTS5 alone


def test_a_stem_with_too_many_words_stays_a_prefix_query(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_EXPANSION", 2)
    assert indexed_words(db, "Gründer") is None
    assert "Sieben neue Hubs für Deutschland" in titles(search_announcements(db, "Gründerteams"))


def test_a_broad_query_ranks_its_newest_matches(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over RANK_WINDOW matches, the ranking runs over the newest ones: an analyst watches the press."""
    monkeypatch.setattr(search, "RANK_WINDOW", 1)
    assert titles(search_announcements(db, "Hub")) == {"Hafen eröffnet Labor"}  # id 4, the newest with "Hub"


def test_long_texts_shrink_the_ranked_window_to_the_newest(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marking hits costs time per character: past WINDOW_TEXT_CHARS the window ends, newest kept."""
    monkeypatch.setattr(search, "WINDOW_TEXT_CHARS", 1)
    assert titles(search_announcements(db, "Hub")) == {"Hafen eröffnet Labor"}
    monkeypatch.setattr(search, "WINDOW_TEXT_CHARS", 10**9)
    assert len(search_announcements(db, "Hub")) > 1


@pytest.mark.parametrize(
    ("marked", "expected"),
    [
        ("Der Hub eröffnet ein \x01Labor\x02.", "Der Hub eröffnet ein [Labor]."),
        (
            "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf \x01Hub\x02 dreizehn vierzehn "
            "fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig",
            " … acht neun zehn elf zwölf [Hub] dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn … ",
        ),
        (
            "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn \x01Smart Systems\x02",
            " … vier fünf sechs sieben acht neun zehn elf zwölf dreizehn [Smart Systems]",
        ),
        ("\x01a b c d e f g h i j k l m n\x02 o", "[a b c d e f g h i j k l] … "),
        (
            "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn",
            "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf … ",
        ),
        (None, ""),
    ],
    ids=["short", "centred", "at-the-end", "phrase-cut", "no-hit", "empty"],
)
def test_the_snippet_shows_the_hits_in_brackets(marked: str | None, expected: str) -> None:
    """`marked` is highlight() output: hits between \\x01 and \\x02."""
    assert snippet(marked) == expected
