"""Build the shipped coordinates of German municipalities (pipeline/analysts/places.tsv.gz).

Why: the hub map (view `hub_locations`, `hubwatch report`, Datasette) needs a latitude and longitude per hub
city, and a hub found in a text ("Jena") has only its location's name. This keeps every municipality of the
official list (Destatis GV100AD) that has coordinates: its key (AGS), official name without the type suffix
(as the entities use it), Bundesland, population and position rounded to 4 decimals (~10 m).

Reads ../shared/data/gazetteer/de_gemeinden_gv100ad_2023.csv (GV100AD joined with GeoNames coordinates, see
that folder's README). Usage: ``python scripts/build_places.py [--source CSV]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "gazetteer" / "de_gemeinden_gv100ad_2023.csv"
OUT = ROOT / "pipeline" / "analysts" / "places.tsv.gz"
COLUMNS = ("ags", "name", "land", "population", "latitude", "longitude")
HEADER = """\
# Coordinates of German municipalities, for hubwatch's hub map. Built by scripts/build_places.py.
# Municipalities (AGS, name, Bundesland, population): Gemeindeverzeichnis GV100AD, Stand 30.11.2023,
#   © Statistisches Bundesamt (Destatis), 2023, Datenlizenz Deutschland – Namensnennung – Version 2.0
#   (dl-de/by-2-0, https://www.govdata.de/dl-de/by-2-0).
# Coordinates: GeoNames (https://www.geonames.org), CC BY 4.0, joined by name and Bundesland; approximate.
# Changes: only municipalities with coordinates; positions rounded to 4 decimals.
"""


def rows(source: Path) -> list[tuple[str, ...]]:
    """The municipalities with coordinates, sorted by key."""
    kept = []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["lat"] or not row["lon"]:
                continue
            kept.append(
                (
                    row["ags"],
                    row["name"],
                    row["bundesland"],
                    row["population"] or "0",
                    f"{float(row['lat']):.4f}",
                    f"{float(row['lon']):.4f}",
                )
            )
    return sorted(kept)


def write(kept: list[tuple[str, ...]], out: Path) -> None:
    """The TSV under its attribution header, gzip-compressed with a fixed mtime (reproducible bytes)."""
    text = io.StringIO()
    text.write(HEADER)
    text.write("\t".join(COLUMNS) + "\n")
    for row in kept:
        text.write("\t".join(row) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    kept = rows(args.source)
    write(kept, args.out)
    print(f"{args.out}: {len(kept)} municipalities, {args.out.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
