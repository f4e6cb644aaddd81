"""The shipped municipality coordinates (places.tsv.gz, built by scripts/build_places.py) into the database.

Sources: Destatis GV100AD (dl-de/by-2-0) for the municipalities, GeoNames (CC BY 4.0) for the coordinates;
the attribution is in the file's header and in docs/database.md.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from importlib import resources

import sqlite_utils

from pipeline.store.places import Place, load_places, places_loaded

logger = logging.getLogger(__name__)

PLACES_FILE = "places.tsv.gz"


def _shipped() -> bytes:
    return resources.files("pipeline.analysts").joinpath(PLACES_FILE).read_bytes()


def parse_places(raw: bytes) -> list[Place]:
    """The rows of the gzip-compressed TSV, after its `#` attribution header and the column names."""
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    body = [line.split("\t") for line in lines if not line.startswith("#")][1:]
    return [(ags, name, land, int(n), float(lat), float(lon)) for ags, name, land, n, lat, lon in body]


def ensure_places(db: sqlite_utils.Database) -> bool:
    """Load the shipped coordinates when the database holds none or an older list; True if it loaded.

    A hash comparison on every call (~1 ms); the 10,000 rows are written only when the file changed.
    """
    raw = _shipped()
    sha256 = hashlib.sha256(raw).hexdigest()
    if places_loaded(db) == sha256:
        return False
    count = load_places(db, parse_places(raw), sha256=sha256)
    logger.info("loaded %d municipality coordinates into table places", count)
    return True
