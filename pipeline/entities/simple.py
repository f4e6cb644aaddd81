"""A first gazetteer matcher for the canonical hubs, cities and sectors (replaced by the spaCy pipeline)."""

from __future__ import annotations

import re

from pipeline.entities import Analysis, Fact, Mention

HUB_CITIES = {
    "Berlin": ["Berlin"],
    "Dortmund": ["Dortmund"],
    "Frankfurt": ["Frankfurt am Main"],
    "Hamburg": ["Hamburg"],
    "München": ["München"],
    "Dresden/Leipzig": ["Dresden", "Leipzig"],
    "Potsdam": ["Potsdam"],
    "Köln": ["Köln"],
    "Karlsruhe": ["Karlsruhe"],
    "Stuttgart": ["Stuttgart"],
    "Ludwigshafen/Mannheim": ["Ludwigshafen am Rhein", "Mannheim"],
    "Nürnberg/Erlangen": ["Nürnberg", "Erlangen"],
    "Darmstadt": ["Darmstadt"],
}
CITY_FORMS = {
    "Berlin": "Berlin",
    "Dortmund": "Dortmund",
    "Frankfurt": "Frankfurt am Main",
    "Hamburg": "Hamburg",
    "München": "München",
    "Dresden": "Dresden",
    "Leipzig": "Leipzig",
    "Potsdam": "Potsdam",
    "Köln": "Köln",
    "Karlsruhe": "Karlsruhe",
    "Stuttgart": "Stuttgart",
    "Ludwigshafen": "Ludwigshafen am Rhein",
    "Mannheim": "Mannheim",
    "Nürnberg": "Nürnberg",
    "Erlangen": "Erlangen",
    "Darmstadt": "Darmstadt",
}
SECTOR_FORMS = {
    "Fintech": "Fintech",
    "Insurtech": "Insurtech",
    "Internet of Things": "Internet of Things",
    "IoT": "Internet of Things",
    "Logistik": "Logistik",
    "Mobilität": "Mobilität",
    "Smart Systems": "Smart Systems",
    "Smart City": "Smart City",
    "Energie": "Energie",
    "Medientechnologie": "Medientechnologien",
    "Künstliche Intelligenz": "Künstliche Intelligenz",
    "KI": "Künstliche Intelligenz",
    "Future Industries": "Future Industries",
    "Chemie": "Chemie",
    "Gesundheit": "Gesundheit",
    "Cybersicherheit": "Cybersicherheit",
}
HUB_NAMES = {
    "Digital Hub Logistics": ("Hamburg", "Logistik"),
    "Smart Systems Hub": ("Dresden/Leipzig", "Smart Systems"),
    "InsurLab Germany": ("Köln", "Insurtech"),
}
_HUB_WORD = re.compile(r"\b(Digital Hubs?|de:hub|Digital-Hub-Initiative|Hub)\b", re.IGNORECASE)


def _find(forms: dict[str, str], label: str, text: str) -> list[Mention]:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")\w*")
    return [
        Mention(label, m.group(0), forms[m.group(1)], m.start(), m.end())  # type: ignore[arg-type]
        for m in pattern.finditer(text)
    ]


def analyze_simple(text: str, title: str = "") -> Analysis:
    cities = _find(CITY_FORMS, "CITY", text)
    sectors = _find(SECTOR_FORMS, "SECTOR", text)
    hubs: list[Mention] = []
    facts: list[Fact] = []
    if _HUB_WORD.search(title + " " + text):
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if not (_HUB_WORD.search(sentence) or _find(SECTOR_FORMS, "SECTOR", sentence)):
                continue
            for hub, hub_cities in HUB_CITIES.items():
                if any(c.split()[0] in sentence for c in hub_cities):
                    start = text.find(sentence)
                    hubs.append(Mention("HUB", hub, hub, start, start + len(sentence), sentence))
                    facts += [Fact(hub, "city", c, sentence) for c in hub_cities]
                    facts += [
                        Fact(hub, "sector", s.canonical, sentence)
                        for s in _find(SECTOR_FORMS, "SECTOR", sentence)
                    ]
    for name, (hub, sector) in HUB_NAMES.items():
        for m in re.finditer(re.escape(name), text):
            hubs.append(Mention("HUB", name, hub, m.start(), m.end()))
            facts.append(Fact(hub, "sector", sector, name))
    return Analysis(mentions=hubs + cities + sectors, facts=list(dict.fromkeys(facts)), relevant=bool(hubs))
