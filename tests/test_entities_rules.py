"""The CITY and HUB rules can be switched per block of code, and the cross-validation in
scripts/eval_entities.py decides between settings on the other folds and scores the held one."""

from __future__ import annotations

import threading

from pipeline.entities import analyze
from pipeline.entities.rules import CityRules, HubRules, current, current_hubs, using
from scripts.eval_entities import KEYS, Setting, cross_validate, fold_of, objective, parse_rules, written_goal


def cities(text: str) -> set[str]:
    return {m.canonical for m in analyze(text).mentions if m.label == "CITY"}


def hubs(text: str) -> set[str]:
    return {m.canonical for m in analyze(text).mentions if m.label == "HUB"}


def test_a_rule_family_switched_off_changes_what_analyze_finds_inside_the_block_only() -> None:
    text = "Das Landgericht Köln hat die Klage abgewiesen."
    assert cities(text) == set()
    with using(CityRules(names=False)) as rules:
        assert current() is rules
        assert cities(text) == {"Köln"}
    assert cities(text) == set()


def test_a_larger_size_for_needing_no_cue_asks_a_smaller_town_for_one() -> None:
    text = "Bielefeld hat einen neuen Bahnhof."
    assert cities(text) == {"Bielefeld"}
    with using(CityRules(large_town=400_000)):
        assert cities(text) == set()
        assert cities("Der neue Bahnhof in Bielefeld ist fertig.") == {"Bielefeld"}


def test_the_rules_in_effect_belong_to_the_thread_that_set_them() -> None:
    seen: list[CityRules] = []
    with using(CityRules(teams=False)):
        worker = threading.Thread(target=lambda: seen.append(current()))
        worker.start()
        worker.join()
    assert seen == [CityRules()]


def test_a_hub_rule_switched_off_changes_what_analyze_finds_inside_the_block_only() -> None:
    text = "Die Hub Agency in Berlin koordiniert das Netzwerk der Standorte der Digital Hub Initiative."
    assert hubs(text) == set()
    with using(HubRules(attached_place=False)):
        assert hubs(text) == {"Berlin"}
    assert hubs(text) == set()


def test_city_and_hub_rules_are_switched_apart() -> None:
    with using(HubRules()) as hub_rules, using(CityRules(teams=False)) as city_rules:
        assert current_hubs() is hub_rules
        assert current() is city_rules
    assert current() == CityRules()


def test_settings_are_parsed_by_the_type_of_each_rule() -> None:
    base = Setting()
    assert parse_rules(["large_town=50000,200000"], base) == [
        Setting(city=CityRules(large_town=50_000)),
        Setting(city=CityRules(large_town=200_000)),
    ]
    assert parse_rules(["names=false&lists=off"], base) == [Setting(city=CityRules(names=False, lists=False))]


def test_folds_are_fixed_by_the_file_name_and_cover_every_page() -> None:
    files = [f"page{i}.html" for i in range(200)]
    folds = [fold_of(f, 5) for f in files]
    assert folds == [fold_of(f, 5) for f in files]
    assert set(folds) == set(range(5))


ORGS = ["Landgericht", "Universität", "Feuerwehr", "Amtsgericht", "Hochschule", "Stadtsparkasse"]
TOWNS = [("Köln", "Köln"), ("Bonn", "Bonn"), ("Mainz", "Mainz"), ("Dresden", "Dresden"), ("Kiel", "Kiel")]


def pages_with_a_town_inside_a_name() -> list[dict[str, object]]:
    """Each page names a town inside an organisation's name and, after "in", a town that counts."""
    pages = []
    for i, org in enumerate(ORGS * 2):
        inside, (place, canonical) = TOWNS[i % 5][0], TOWNS[(i + 2) % 5]
        text = f"Die {org} {inside} lud Gäste ein. Die Feier fand in {place} statt."
        pages.append({"file": f"page{i}.html", "text": text, "cities": [canonical]})
    return pages


def test_cross_validation_keeps_the_rules_that_win_out_of_fold() -> None:
    """Reading a town inside a name costs precision on every training part: each fold keeps the rules in
    effect, and the out-of-fold total is then the figure over all pages."""
    pages = pages_with_a_town_inside_a_name()
    rows, chosen, base = cross_validate(pages, 3, [Setting(), Setting(city=CityRules(names=False))])
    assert [row["chosen"] for row in rows] == [0, 0, 0]
    assert (chosen["CITY"].tp, chosen["CITY"].fp, chosen["CITY"].fn) == (12, 0, 0)
    assert (base["CITY"].tp, base["CITY"].fp, base["CITY"].fn) == (12, 0, 0)
    assert sum(row["pages"] for row in rows) == len(pages)
    assert sum(row["each"][1]["CITY"].fp for row in rows) == 12


def test_cross_validation_adopts_a_setting_that_wins_on_the_training_folds() -> None:
    """Offered only the worse setting first, every fold switches to the better one."""
    pages = pages_with_a_town_inside_a_name()
    rows, chosen, base = cross_validate(pages, 3, [Setting(city=CityRules(names=False)), Setting()])
    assert [row["chosen"] for row in rows] == [1, 1, 1]
    assert (chosen["CITY"].fp, base["CITY"].fp) == (0, 12)
    assert objective(chosen["CITY"]) > objective(base["CITY"])


def written_texts_with_an_agency_in_a_hub_city() -> list[dict[str, object]]:
    """Each text names the agency's seat after "in" (no hub) and a hub after "Hubs in" (a hub)."""
    towns = ["Berlin", "Köln", "Hamburg", "Dortmund", "Potsdam", "Darmstadt"]
    texts = []
    for i, seat in enumerate(towns * 2):
        hub = towns[(i + 1) % len(towns)]
        text = (
            f"Die Hub Agency in {seat} lobt die Standorte der Digital Hub Initiative. Hubs in {hub} wachsen."
        )
        texts.append(
            {"file": f"text{i}", "text": text, "hubs": [hub], "cities": [seat, hub], "relevant": True}
        )
    return texts


def test_cross_validation_on_written_texts_decides_the_hub_rules() -> None:
    """Reading the agency's seat as a hub costs HUB precision on every training part: each fold adopts the
    rule that a place after "in" belongs to the word before it."""
    docs = written_texts_with_an_agency_in_a_hub_city()
    options = [Setting(hub=HubRules(attached_place=False)), Setting()]
    rows, chosen, base = cross_validate(docs, 3, options, KEYS, written_goal)
    assert [row["chosen"] for row in rows] == [1, 1, 1]
    assert (chosen["HUB"].tp, chosen["HUB"].fp) == (12, 0)
    assert base["HUB"].fp == 12
