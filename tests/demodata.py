"""A demo database for the analysts' pictures: written announcements about the hubs over 18 months.

Deterministic (seeded), stored through the real `save_article`, so the views, the report and Datasette read
what a crawl would have written. Used by the report and Datasette tests and by scripts/report_screenshot.py
(the README's screenshot).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.crawlstate import finish_run, source_failed, source_ok, start_run, sync_sources
from pipeline.store.hubs import record_found_hub
from pipeline.store.schema import open_db

# hub, its cities, its sectors, how often the press writes about it (relative)
HUBS = (
    ("Berlin", ("Berlin",), ("Fintech", "Internet of Things"), 9),
    ("München", ("München",), ("Mobilität", "Insurtech"), 8),
    ("Hamburg", ("Hamburg",), ("Logistik",), 6),
    ("Dresden/Leipzig", ("Dresden", "Leipzig"), ("Smart Systems", "Energie"), 6),
    ("Frankfurt", ("Frankfurt am Main",), ("Fintech",), 5),
    ("Karlsruhe", ("Karlsruhe",), ("Künstliche Intelligenz",), 5),
    ("Köln", ("Köln",), ("Insurtech",), 4),
    ("Stuttgart", ("Stuttgart",), ("Future Industries",), 3),
    ("Dortmund", ("Dortmund",), ("Logistik",), 3),
    ("Potsdam", ("Potsdam",), ("Medientechnologien",), 3),
    ("Nürnberg/Erlangen", ("Nürnberg", "Erlangen"), ("Gesundheit",), 3),
    ("Ludwigshafen/Mannheim", ("Ludwigshafen am Rhein", "Mannheim"), ("Chemie",), 2),
    ("Darmstadt", ("Darmstadt",), ("Cybersicherheit",), 2),
)
FOUND_HUB = ("Magdeburg", ("Magdeburg",), ("Smart City",), 1)  # announced in a text, not in hubs.yaml
TITLES = (
    "{hub}: Digital Hub startet Programm für {sector}-Start-ups",
    "Neue Partner im Digital Hub {hub} – Mittelstand setzt auf {sector}",
    "{hub} lädt zum Demo Day: Gründerinnen zeigen Lösungen für {sector}",
    "Ministerium fördert Reallabor für {sector} in {city}",
    "{sector}-Konferenz im Hub {hub} zieht Investoren an",
)
DETAILS = (
    "Zum Auftakt kamen {n} Gäste aus Wirtschaft, Wissenschaft und Verwaltung.",
    "Die Teams erhalten sechs Monate lang Zugang zu Laboren, Mentoren und Pilotkunden.",
    "Bewerbungen sind bis Ende des Quartals möglich, ausgewählt werden {k} Teams.",
    "Das Land beteiligt sich mit {m} Millionen Euro an der Finanzierung.",
    "Mehrere Konzerne haben bereits Absichtserklärungen unterzeichnet.",
    "Der Oberbürgermeister sprach von einem wichtigen Signal für den Standort.",
    "Ein Beirat aus {k} Fachleuten begleitet die Auswahl der Projekte.",
    "Erste Prototypen sollen im Herbst in realer Umgebung getestet werden.",
    "Hochschulen der Region bringen Studierende und Forschungsergebnisse ein.",
    "Die Veranstaltung wurde live übertragen und von {n} Menschen verfolgt.",
    "Investoren aus dem In- und Ausland zeigten großes Interesse an den Ideen.",
    "Geplant ist ein regelmäßiger Austausch mit anderen Hubs der Initiative.",
)
SOURCES = (
    ("bmwk-presse", "BMWK Pressemitteilungen", "feed", "https://bmwk.example/presse.xml"),
    ("dehub-news", "de:hub Neuigkeiten", "listing", "https://dehub.example/news"),
    ("stadt-presse", "Pressestellen der Hub-Städte", "sitemap", "https://staedte.example/sitemap.xml"),
    ("gruenderszene", "Gründerszene (Beispiel)", "feed", "https://gruender.example/feed"),
)


def _announcement(
    hub: str, cities: tuple[str, ...], sector: str, title: str, rng: random.Random
) -> tuple[str, Analysis]:
    details = " ".join(
        d.format(n=rng.randint(40, 900), k=rng.randint(5, 30), m=rng.randint(1, 20))
        for d in rng.sample(DETAILS, 4)
    )
    text = (
        f"{title}. Der Digital Hub {hub} der Digital Hub Initiative bringt Start-ups und Mittelstand "
        f"in {' und '.join(cities)} zusammen; Schwerpunkt ist {sector}. {details}"
    )
    start = text.index(f"Digital Hub {hub}")
    mentions = [Mention("HUB", f"Digital Hub {hub}", hub, start, start + len(f"Digital Hub {hub}"))]
    for city in cities:
        at = text.index(city, start + len(f"Digital Hub {hub}"))
        mentions.append(Mention("CITY", city, city, at, at + len(city)))
    at = text.index(f"Schwerpunkt ist {sector}") + len("Schwerpunkt ist ")
    mentions.append(Mention("SECTOR", sector, sector, at, at + len(sector)))
    sentence = text.split(". ")[1] + "."
    facts = [Fact(hub, "city", city, sentence) for city in cities]
    facts.append(Fact(hub, "sector", sector, sentence))
    return text, Analysis(mentions=mentions, facts=facts, relevant=True)


def build_demo_db(path: Path, *, today: date, per_hub_weight: int = 4, seed: int = 16) -> Path:
    """Write the demo database at `path`: announcements over the 18 months before `today`, a found hub,
    a syndicated copy, sources (one failing) and one finished run."""
    rng = random.Random(seed)
    db = open_db(path)
    sync_sources(db, SOURCES)
    n = 0
    for hub, cities, sectors, weight in (*HUBS, FOUND_HUB):
        for _ in range(weight * per_hub_weight):
            n += 1
            day = today - timedelta(days=int(540 * rng.random() ** 1.6))  # more of it lately
            sector, city = rng.choice(sectors), rng.choice(cities)
            title = rng.choice(TITLES).format(hub=hub, sector=sector, city=city)
            text, analysis = _announcement(hub, cities, sector, title, rng)
            url = f"https://{rng.choice(SOURCES)[3].split('/')[2]}/meldung/{n}"
            article = Article(url=url, title=title, text=text, published_at=day)
            saved = save_article(
                db,
                source_id=rng.choice(SOURCES)[0],
                url=url,
                article=article,
                analysis=analysis,
                fetched_at=f"{day.isoformat()}T09:00:00+00:00",
            )
            if hub == FOUND_HUB[0]:
                with db.conn:
                    record_found_hub(
                        db, hub, announcement_id=saved.announcement_id, at=f"{day}T09:00:00+00:00"
                    )
    run_id = start_run(db)
    for source_id, *_ in SOURCES[:3]:
        source_ok(db, source_id, items=20, run_id=run_id)
    source_failed(db, SOURCES[3][0], error="HTTP 503 Service Unavailable", items=0, run_id=run_id)
    source_failed(db, SOURCES[3][0], error="HTTP 503 Service Unavailable", items=0, run_id=run_id)
    finish_run(db, run_id, status="partial", counts={"sources_ok": 3, "sources_failed": 1, "new": n})
    stamp = f"{today.isoformat()}T05:30:00+00:00"  # the run "happened" this morning, not when the test ran
    with db.conn:
        db.execute("UPDATE runs SET started_at = ?, finished_at = ?", [stamp, stamp])
        db.execute("UPDATE sources SET last_ok_at = ? WHERE last_ok_at IS NOT NULL", [stamp])
        db.execute("UPDATE sources SET last_error_at = ? WHERE last_error_at IS NOT NULL", [stamp])
    db.close()
    return path
