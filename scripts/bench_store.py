#!/usr/bin/env python
"""Benchmark the store at scale: fill N synthetic German announcements through save_article, then time
search, the analyst views and an unchanged rerun.

    .venv/bin/python scripts/bench_store.py --rows 1000000 --db /tmp/bench.db   # the full figure
    .venv/bin/python scripts/bench_store.py --rows 20000                        # a quick look

Targets (issue 6): search p95 < 50 ms; an unchanged rerun of 10,000 items < 5 s.
The texts come from word lists with the initiative's hub, city and sector vocabulary; about 5 % of
the rows are syndicated copies of an earlier row on another source (to exercise near-duplicate linking).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.analysts.search import SearchFilters, search_announcements
from pipeline.analysts.tables import hub_table
from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.maintenance import db_size
from pipeline.store.schema import open_db

HUBS = {
    "Berlin": ("Berlin", ["Internet of Things", "Fintech"]),
    "Dortmund": ("Dortmund", ["Logistik"]),
    "Frankfurt": ("Frankfurt am Main", ["Fintech"]),
    "Hamburg": ("Hamburg", ["Logistik"]),
    "München": ("München", ["Mobilität", "Insurtech"]),
    "Dresden/Leipzig": ("Dresden", ["Smart Systems", "Energie"]),
    "Potsdam": ("Potsdam", ["Medientechnologien"]),
    "Köln": ("Köln", ["Insurtech"]),
    "Karlsruhe": ("Karlsruhe", ["Künstliche Intelligenz"]),
    "Stuttgart": ("Stuttgart", ["Future Industries"]),
    "Ludwigshafen/Mannheim": ("Mannheim", ["Chemie", "Gesundheit"]),
    "Nürnberg/Erlangen": ("Nürnberg", ["Gesundheit"]),
    "Darmstadt": ("Darmstadt", ["Cybersicherheit"]),
}
SECTOR_WORDS = {
    "Fintech": ["Fintech", "Fintech-Startups", "Finanztechnologie"],
    "Insurtech": ["Insurtech", "Versicherungsbranche"],
    "Internet of Things": ["Internet der Dinge", "IoT"],
    "Logistik": ["Logistik", "Logistikbranche", "Logistikunternehmen"],
    "Mobilität": ["Mobilität", "Mobilitätswende"],
    "Smart Systems": ["Smart Systems"],
    "Energie": ["Energie", "Energiewende"],
    "Medientechnologien": ["Medientechnologien", "MediaTech"],
    "Künstliche Intelligenz": ["Künstliche Intelligenz", "KI"],
    "Future Industries": ["Future Industries", "Industrie 4.0"],
    "Chemie": ["Chemie", "Chemieindustrie"],
    "Gesundheit": ["Gesundheit", "E-Health", "Digital Health"],
    "Cybersicherheit": ["Cybersicherheit", "Cyber Security"],
}
SUBJECTS = [
    "Das Start-up",
    "Die Gründerin",
    "Der Gründer",
    "Das Unternehmen",
    "Die Stadt",
    "Das Ministerium",
    "Der Mittelständler",
    "Die Hochschule",
    "Das Forschungsinstitut",
    "Die Wirtschaftsförderung",
    "Der Inkubator",
    "Das Konsortium",
    "Die Gründerinnen",
    "Die Investoren",
    "Der Verband",
]
VERBS = [
    "präsentiert",
    "entwickelt",
    "fördert",
    "eröffnet",
    "plant",
    "startet",
    "unterstützt",
    "testet",
    "vernetzt",
    "stärkt",
    "erweitert",
    "finanziert",
    "begleitet",
    "organisiert",
    "bündelt",
]
OBJECTS = [
    "ein neues Förderprogramm",
    "einen Accelerator",
    "ein Innovationslabor",
    "eine Pilotanlage",
    "einen Hackathon",
    "eine Kooperation",
    "ein Netzwerktreffen",
    "einen Wettbewerb",
    "neue Arbeitsplätze",
    "eine Plattform",
    "ein Reallabor",
    "ein Mentoring-Programm",
    "eine Studie",
    "ein Demonstrationszentrum",
    "digitale Lösungen",
    "eine Finanzierungsrunde",
    "einen Standort",
    "ein Gründerzentrum",
]
PHRASES = [
    "im Rahmen der Digital Hub Initiative",
    "gemeinsam mit regionalen Partnern",
    "für den Mittelstand",
    "mit Unterstützung des Bundeswirtschaftsministeriums",
    "in den kommenden Monaten",
    "ab dem Frühjahr",
    "für junge Unternehmen",
    "mit internationalen Investoren",
    "an mehreren Standorten",
    "zusammen mit etablierten Konzernen",
    "für Studierende und Forschende",
    "trotz schwieriger Marktlage",
]
FILLER = [
    "Nach Angaben der Veranstalter nahmen mehr als {n} Gäste teil.",
    "Die Förderung beläuft sich auf {n} Millionen Euro.",
    "Bis Ende des Jahres sollen {n} weitere Teams hinzukommen.",
    "Insgesamt arbeiten dort inzwischen {n} Menschen.",
    "Die Bewerbungsphase läuft noch bis zum {n}. des Monats.",
    "Weitere Informationen veröffentlicht der Hub auf seiner Website.",
    "Die Resonanz aus der regionalen Wirtschaft sei groß, hieß es.",
]
# General business news (most of a press corpus): compounds from these halves give a long-tailed vocabulary.
HEADS = [
    "Wasserstoff",
    "Bahn",
    "Hafen",
    "Klinik",
    "Schul",
    "Stadtwerk",
    "Verkehrs",
    "Bau",
    "Handels",
    "Steuer",
    "Renten",
    "Agrar",
    "Tourismus",
    "Wohnungs",
    "Kultur",
    "Sport",
    "Umwelt",
    "Klima",
    "Software",
    "Chip",
    "Batterie",
    "Solar",
    "Wind",
    "Strom",
    "Gas",
    "Auto",
    "Fahrrad",
    "Flughafen",
    "Messe",
    "Hotel",
    "Pflege",
    "Bildungs",
    "Forschungs",
    "Export",
    "Import",
    "Arbeits",
    "Fachkräfte",
    "Tarif",
    "Immobilien",
    "Lebensmittel",
    "Textil",
    "Maschinenbau",
    "Stahl",
    "Papier",
    "Glas",
    "Möbel",
    "Brauerei",
    "Bäckerei",
]
TAILS = [
    "projekt",
    "gesetz",
    "konzern",
    "markt",
    "preis",
    "branche",
    "verband",
    "strategie",
    "reform",
    "förderung",
    "standort",
    "werk",
    "netz",
    "plan",
    "bericht",
    "studie",
    "streit",
    "gipfel",
    "bilanz",
    "prognose",
    "investition",
    "krise",
    "wende",
    "initiative",
    "zentrum",
    "messe",
    "abkommen",
    "programm",
    "behörde",
    "kommission",
    "versorgung",
    "entwicklung",
    "produktion",
    "nachfrage",
    "umsatz",
    "sparte",
    "kooperation",
]
GENERAL_VERBS = [
    "meldet",
    "kritisiert",
    "verschiebt",
    "beschließt",
    "prüft",
    "senkt",
    "erhöht",
    "verhandelt",
    "übernimmt",
    "verkauft",
    "baut",
    "schließt",
    "bestätigt",
    "fordert",
    "lehnt",
    "kündigt",
    "investiert",
]
CITIES = [
    "Bremen",
    "Hannover",
    "Essen",
    "Duisburg",
    "Bochum",
    "Bielefeld",
    "Münster",
    "Kiel",
    "Rostock",
    "Magdeburg",
    "Erfurt",
    "Jena",
    "Kassel",
    "Augsburg",
    "Regensburg",
    "Freiburg",
    "Ulm",
    "Bonn",
    "Aachen",
    "Mainz",
    "Wiesbaden",
    "Saarbrücken",
    "Trier",
    "Würzburg",
    "Chemnitz",
    "Halle",
    "Lübeck",
    "Oldenburg",
]
HUB_SHARE = 0.15  # the share of announcements about the initiative and its hubs
SOURCES = ["bmwk-presse", "dehub-news", "dpa-regional", "stadt-presse", "hub-blog", "wirtschaft-online"]
QUERIES: list[tuple[str, SearchFilters]] = [
    ("Logistik", SearchFilters()),
    ("Hubs Gründerinnen", SearchFilters()),
    ('"Smart Systems" Dresden', SearchFilters()),
    ("Künstliche Intelligenz Karlsruhe", SearchFilters()),
    ("Fintech Frankfurt Finanzierungsrunde", SearchFilters()),
    ("Reallabor", SearchFilters(since="2024-06-01")),
    ("Accelerator", SearchFilters(hub="Hamburg")),
    ("Cybersicherheit Darmstadt", SearchFilters(sector="Cybersicherheit")),
    ("Hackathon Energiewende", SearchFilters(source="dpa-regional")),
    ("Chemieindustrie Mannheim", SearchFilters()),
    ("Wasserstoffprojekt Rostock", SearchFilters()),
    ("Fachkräfte Pflegebranche", SearchFilters()),
    ("Branche", SearchFilters()),  # the head of 48 compounds (*Agrarbranche* …): found by their tails
]
START = datetime(2023, 1, 1, tzinfo=UTC)
DUPLICATE_SHARE = 0.05
TEXT_SCALE = 1  # --text-scale: sentences per article × this (1: ~900 characters; 4: ~3,600, nearer real news)


def sentence(rng: random.Random, hub: str, city: str, sector_word: str) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PHRASES)}."
    if kind < 0.7:
        return f"Der Digital Hub {hub} {rng.choice(VERBS)} in {city} {rng.choice(OBJECTS)} für {sector_word}."
    if kind < 0.85:
        return rng.choice(FILLER).format(n=rng.randint(2, 400))
    where = f"aus {city} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    return f"{rng.choice(SUBJECTS)} {where} im Bereich {sector_word}."


def generate(i: int) -> tuple[str, str, Article, Analysis, str]:
    """Row i, the same every time it is asked for (the rerun regenerates it)."""
    rng = random.Random(i)
    if i > 100 and rng.random() < DUPLICATE_SHARE:
        original = rng.randrange(i)
        _, _, article, analysis, at = generate(original)
        source = SOURCES[(SOURCES.index(_source(original)) + 1 + i % 3) % len(SOURCES)]
        text = article.text + f"\n(Quelle: {source}, übernommen)"
        url = f"https://{source}.example/artikel/{i}"
        copy = Article(url=url, title=article.title, text=text, published_at=article.published_at)
        return source, url, copy, analysis, at
    if rng.random() >= HUB_SHARE:
        return _general(i, rng)
    hub = rng.choice(list(HUBS))
    city, sectors = HUBS[hub]
    sector = rng.choice(sectors)
    word = rng.choice(SECTOR_WORDS[sector])
    sentences = [sentence(rng, hub, city, word) for _ in range(rng.randint(8, 16) * TEXT_SCALE)]
    paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {city}"
    text = "\n".join(paragraphs)
    day = START + timedelta(minutes=i * 1.1)
    source = _source(i)
    url = f"https://{source}.example/artikel/{i}"
    article = Article(url=url, title=title, text=text, published_at=day.date(), language="de")
    return source, url, article, _analysis(text, hub, city, sector, word), day.isoformat()


def _compound(rng: random.Random) -> str:
    return rng.choice(HEADS) + rng.choice(TAILS)


def _general(i: int, rng: random.Random) -> tuple[str, str, Article, Analysis, str]:
    """A business news item without hub vocabulary: most of what the press publishes."""
    city = rng.choice(CITIES)
    sentences = []
    for _ in range(rng.randint(8, 16) * TEXT_SCALE):
        if rng.random() < 0.6:
            sentences.append(
                f"Der {_compound(rng)} in {city} {rng.choice(GENERAL_VERBS)} die {_compound(rng)} "
                f"{rng.choice(PHRASES[1:])}."
            )
        else:
            sentences.append(rng.choice(FILLER).format(n=rng.randint(2, 400)))
    paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    title = f"{_compound(rng).capitalize()}: {city} {rng.choice(GENERAL_VERBS)} {_compound(rng)}"
    day = START + timedelta(minutes=i * 1.1)
    source = _source(i)
    url = f"https://{source}.example/artikel/{i}"
    article = Article(
        url=url, title=title, text="\n".join(paragraphs), published_at=day.date(), language="de"
    )
    mentions = [Mention("CITY", city, city, 0, len(city))]
    return source, url, article, Analysis(mentions=mentions), day.isoformat()


def _source(i: int) -> str:
    return SOURCES[i % len(SOURCES)]


def _analysis(text: str, hub: str, city: str, sector: str, word: str) -> Analysis:
    mentions = [Mention("HUB", f"Digital Hub {hub}", hub, 0, 0)]
    for label, found, canonical in (("CITY", city, city), ("SECTOR", word, sector)):
        start = text.find(found)
        if start >= 0:
            mentions.append(Mention(label, found, canonical, start, start + len(found)))  # type: ignore[arg-type]
    facts = [Fact(hub, "city", city), Fact(hub, "sector", sector, f"Der Digital Hub {hub} … {word}.")]
    return Analysis(mentions=mentions, facts=facts, relevant=True)


def fill(db_path: Path, rows: int, *, batch: int, per_item: int) -> None:
    """Bulk-load the first rows `batch` to a transaction, then the last `per_item` rows the way a run
    does (one transaction each), and report both rates."""
    db = open_db(db_path)
    bulk = max(rows - per_item, 0)
    started = last = time.perf_counter()
    for i in range(bulk):
        if i % batch == 0:
            db.conn.commit()
            db.execute("BEGIN")
        _save(db, i)
        if (i + 1) % 50_000 == 0:
            now = time.perf_counter()
            print(f"  {i + 1:>9,} rows, {50_000 / (now - last):,.0f} rows/s", flush=True)
            last = now
    db.conn.commit()
    if bulk:
        print(f"insert rate, bulk ({batch} per transaction): {bulk / (time.perf_counter() - started):,.0f}/s")
    started = time.perf_counter()
    for i in range(bulk, rows):
        _save(db, i)
    if rows > bulk:
        rate = (rows - bulk) / (time.perf_counter() - started)
        print(f"insert rate, as a run does it (one transaction per announcement): {rate:,.0f}/s")
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _save(db: sqlite_utils.Database, i: int) -> None:
    source, url, article, analysis, at = generate(i)
    save_article(db, source_id=source, url=url, article=article, analysis=analysis, fetched_at=at)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm the page cache once
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_search(db_path: Path, repeat: int) -> None:
    db = open_db(db_path)
    everything: list[float] = []
    for query, filters in QUERIES:
        times = timed(lambda q=query, f=filters: search_announcements(db, q, limit=20, filters=f), repeat)
        everything += times
        hits = len(search_announcements(db, query, limit=20, filters=filters))
        print(
            f"  {query!r:42} {_describe(filters):22} p50 {percentile(times, 50):7.1f} ms  "
            f"p95 {percentile(times, 95):7.1f} ms  ({hits} hits)"
        )
    print(f"  all queries: p50 {percentile(everything, 50):.1f} ms, p95 {percentile(everything, 95):.1f} ms")


def _describe(filters: SearchFilters) -> str:
    return ", ".join(f"{k}={v}" for k, v in vars(filters).items() if v) or "-"


VIEW_QUERIES = {
    "announcements_with_entities, newest 50": "SELECT * FROM announcements_with_entities "
    "ORDER BY id DESC LIMIT 50",
    "hub_timeline, Karlsruhe newest 50": "SELECT * FROM hub_timeline WHERE hub = 'Karlsruhe' "
    "ORDER BY day DESC LIMIT 50",
    "sector_hub_matrix, whole": "SELECT * FROM sector_hub_matrix",
    "new this week (canned query)": (
        Path(__file__).resolve().parents[1] / "db" / "queries" / "new_this_week.sql"
    ).read_text(encoding="utf-8"),
}


def bench_views(db_path: Path) -> None:
    db = open_db(db_path)
    for name, sql in VIEW_QUERIES.items():
        times = timed(lambda s=sql: db.execute(s).fetchall(), 3)
        print(f"  {name:42} {statistics.median(times):9.1f} ms")
    times = timed(lambda: hub_table(db), 1)
    print(f"  {'hubwatch hubs (hub_table)':42} {statistics.median(times):9.1f} ms")


def bench_new(db_path: Path, count: int) -> None:
    """New announcements the way a run saves them: one transaction each, on top of the filled database."""
    db = open_db(db_path)
    start = db.execute("SELECT max(id) FROM announcements").fetchone()[0] or 0
    items = [generate(i) for i in range(start, start + count)]
    started = time.perf_counter()
    for source, url, article, analysis, at in items:
        save_article(db, source_id=source, url=url, article=article, analysis=analysis, fetched_at=at)
    elapsed = time.perf_counter() - started
    print(f"  {count:,} new items in {elapsed:.2f} s ({count / elapsed:,.0f}/s)")


def bench_rerun(db_path: Path, rows: int, count: int) -> None:
    db = open_db(db_path)
    picks = random.Random(7).sample(range(rows), min(count, rows))
    items = [generate(i) for i in picks]
    started = time.perf_counter()
    changes = {"new": 0, "changed": 0, "unchanged": 0}
    for source, url, article, analysis, _ in items:
        saved = save_article(db, source_id=source, url=url, article=article, analysis=analysis)
        changes[saved.change] += 1
    elapsed = time.perf_counter() - started
    print(f"  {len(items):,} items in {elapsed:.2f} s ({len(items) / elapsed:,.0f}/s): {changes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="announcements to fill (default 1M)")
    parser.add_argument("--db", type=Path, help="database file (default: a new temporary file)")
    parser.add_argument("--rerun", type=int, default=10_000, help="items in the unchanged rerun")
    parser.add_argument("--repeat", type=int, default=20, help="timings per search query")
    parser.add_argument(
        "--batch", type=int, default=500, help="announcements per transaction in the bulk fill"
    )
    parser.add_argument("--per-item", type=int, default=10_000, help="last rows saved one transaction each")
    parser.add_argument(
        "--new", type=int, default=0, help="also time this many new items, one transaction each"
    )
    parser.add_argument("--skip-fill", action="store_true", help="reuse an already filled --db")
    parser.add_argument(
        "--text-scale", type=int, default=1, help="longer texts: sentences × N (4 is nearer real articles)"
    )
    args = parser.parse_args()
    global TEXT_SCALE
    TEXT_SCALE = args.text_scale
    db_path = args.db or Path(tempfile.mkdtemp(prefix="hubwatch-bench-")) / "bench.db"
    print(f"database {db_path}, {args.rows:,} rows, text scale {TEXT_SCALE}")
    if not args.skip_fill:
        fill(db_path, args.rows, batch=args.batch, per_item=min(args.per_item, args.rows))
    size = db_size(db_path)
    print(f"database size: {size / 1e6:,.0f} MB ({size / max(args.rows, 1):,.0f} bytes per announcement)")
    print("search (limit 20, near-duplicates folded):")
    bench_search(db_path, args.repeat)
    print("views:")
    bench_views(db_path)
    if args.new:
        print("new announcements through save_article, one transaction each:")
        bench_new(db_path, args.new)
    print("unchanged rerun through save_article:")
    bench_rerun(db_path, args.rows, args.rerun)


if __name__ == "__main__":
    main()
