"""The map and month views (hub_locations, hub_months, sector_months, hub_sectors), the shipped places."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import sqlite_utils

from pipeline.analysts import places
from pipeline.analysts.places import ensure_places, parse_places
from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.hubs import record_found_hub
from pipeline.store.schema import open_db
from pipeline.store.views import listed_hub_cities

SHIPPED = Path(places.__file__).with_name(places.PLACES_FILE)


def save(db: sqlite_utils.Database, n: int, analysis: Analysis, day: str, **extra: str) -> int:
    url = f"https://presse.example/{n}"
    text = f"Meldung {n}: " + " ".join(m.text for m in analysis.mentions) + extra.get("text", "")
    article = Article(url=url, title=f"Meldung {n}", text=text, published_at=None)
    saved = save_article(
        db,
        source_id="presse",
        url=url,
        article=article,
        analysis=analysis,
        fetched_at=f"{day}T08:00:00+00:00",
    )
    return saved.announcement_id


def hub(name: str, *sectors: str, relevant: bool = True) -> Analysis:
    mentions = [Mention("HUB", f"Hub {name}", name, 0, 4)]
    mentions += [Mention("SECTOR", s, s, 5, 6) for s in sectors]
    facts = [Fact(name, "sector", s, "…") for s in sectors]
    return Analysis(mentions=mentions, facts=facts, relevant=relevant)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_db(tmp_path / "hubwatch.db")
    ensure_places(database)
    return database


def test_the_shipped_file_carries_its_attribution_and_the_hub_cities() -> None:
    header = gzip.decompress(SHIPPED.read_bytes()).decode("utf-8").splitlines()[:8]
    text = "\n".join(header)
    assert "Destatis" in text and "dl-de/by-2-0" in text and "GeoNames" in text and "CC BY 4.0" in text
    names = {row[1] for row in parse_places(SHIPPED.read_bytes())}
    assert {city for _, city in listed_hub_cities()} <= names
    assert len(names) > 8000


def test_places_load_once_per_file(db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    count = db.execute("SELECT count(*) FROM places").fetchone()[0]
    assert count == len(parse_places(SHIPPED.read_bytes())) and ensure_places(db) is False
    smaller = gzip.compress(
        b"# test\nags\tname\tland\tpopulation\tlatitude\tlongitude\n1\tJena\tTH\t1\t50.9\t11.6\n"
    )
    monkeypatch.setattr(places, "_shipped", lambda: smaller)
    assert ensure_places(db) is True  # another file: loaded afresh, whole
    assert db.execute("SELECT name FROM places").fetchall() == [("Jena",)]


def test_every_listed_hub_city_is_on_the_map_with_both_cities_of_a_twin(db: sqlite_utils.Database) -> None:
    rows = {(r["hub"], r["city"]): r for r in db.query("SELECT * FROM hub_locations")}
    assert set(rows) == set(listed_hub_cities())
    assert {c for h, c in rows if h == "Dresden/Leipzig"} == {"Dresden", "Leipzig"}
    frankfurt = rows[("Frankfurt", "Frankfurt am Main")]
    assert (round(frankfurt["latitude"], 1), round(frankfurt["longitude"], 1)) == (50.1, 8.7)
    assert all(r["known"] == 1 and r["status"] == "bekannt" and r["latitude"] for r in rows.values())


def test_a_found_hub_is_placed_at_the_largest_town_of_its_name(db: sqlite_utils.Database) -> None:
    first = save(db, 1, hub("Halle/Magdeburg"), "2024-05-02")
    with db.conn:
        record_found_hub(db, "Halle/Magdeburg", announcement_id=first, at="2024-05-02T08:00:00+00:00")
        record_found_hub(db, "Atlantis", announcement_id=first, at="2024-05-02T08:00:00+00:00")
    rows = {r["city"]: r for r in db.query("SELECT * FROM hub_locations WHERE known = 0")}
    assert set(rows) == {"Halle", "Magdeburg", "Atlantis"}
    assert rows["Halle"]["land"] == "Sachsen-Anhalt"  # Halle (Saale), not the village Halle in Lower Saxony
    assert rows["Magdeburg"]["status"] == "unbestätigt" and rows["Magdeburg"]["announcements"] == 1
    assert rows["Atlantis"]["latitude"] is None  # no such municipality: kept, without coordinates


def test_counts_per_month_fold_copies_and_sectors_count_only_relevant(db: sqlite_utils.Database) -> None:
    save(db, 1, hub("Karlsruhe", "Künstliche Intelligenz"), "2024-03-05")
    save(db, 2, hub("Karlsruhe", "Künstliche Intelligenz"), "2024-03-20", text=" anders")
    save(db, 3, hub("Karlsruhe"), "2024-04-01")
    save(db, 4, hub("Berlin", "Künstliche Intelligenz", relevant=False), "2024-03-09")
    db.execute("UPDATE announcements SET duplicate_of = 1 WHERE id = 2")  # a copy on another site
    db.conn.commit()
    months = db.execute("SELECT hub, month, announcements FROM hub_months ORDER BY hub, month").fetchall()
    assert months == [("Berlin", "2024-03", 1), ("Karlsruhe", "2024-03", 1), ("Karlsruhe", "2024-04", 1)]
    sectors = db.execute("SELECT sector, month, announcements FROM sector_months").fetchall()
    assert sectors == [("Künstliche Intelligenz", "2024-03", 1)]  # Berlin's text is not about the initiative
    pairs = db.execute("SELECT hub, sector, announcements FROM hub_sectors ORDER BY hub").fetchall()
    assert pairs == [("Berlin", "Künstliche Intelligenz", 1), ("Karlsruhe", "Künstliche Intelligenz", 2)]
    placed = dict(db.execute("SELECT hub, announcements FROM hub_locations").fetchall())
    assert placed["Karlsruhe"] == 2 and placed["Berlin"] == 1 and placed["Köln"] == 0
