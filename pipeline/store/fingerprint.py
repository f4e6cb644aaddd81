"""Near-duplicates across sources: a 64-bit SimHash per announcement and a banded index to find them.

One dpa text runs on five sites, one press release on the ministry's and the city's site; each copy
differs a little (a headline, a closing line, the site's boilerplate). SimHash over word shingles maps
such copies to fingerprints a few bits apart. Split into BANDS of 16 bits, two fingerprints within
MAX_DISTANCE (3) bits must agree on at least one band (pigeonhole), so the lookup reads four index
buckets instead of scanning every announcement.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
import sqlite_utils

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = 3  # must stay below BANDS for the pigeonhole guarantee
MIN_WORDS = 25  # shorter texts (a teaser, a stub) are too generic to call anything a duplicate
_WORD = re.compile(r"\w+")
_BIT_WEIGHTS = (1 << np.arange(BITS, dtype=np.uint64)).astype(np.uint64)


def words(form: str) -> list[str]:
    """The words of a comparison form's text (its title is left out: copies often retitle)."""
    body = form.split("\n\n", 1)[-1]
    return _WORD.findall(body.casefold())


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the combined word hashes over all 64 bits."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def simhash(form: str) -> int | None:
    """The signed 64-bit SimHash of the word 3-shingles (SQLite stores signed integers).

    Word hashes are cached and combined per shingle in numpy, so a text costs well under a millisecond.
    """
    tokens = words(form)
    if len(tokens) < MIN_WORDS:
        return None
    hashed = np.fromiter(map(_word_hash, tokens), dtype=np.uint64, count=len(tokens))
    with np.errstate(over="ignore"):
        combined = hashed[:-2] * np.uint64(3) + hashed[1:-1] * np.uint64(0x9E3779B97F4A7C15) + hashed[2:]
        shingles = np.unique(_mix(combined))
    bits = np.unpackbits(shingles.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 > len(shingles)
    value = int(_BIT_WEIGHTS[votes].sum(dtype=np.uint64))
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def bands(fingerprint: int) -> list[tuple[int, int]]:
    """(band number, 16-bit bucket) pairs for the index."""
    unsigned = fingerprint & ((1 << BITS) - 1)
    mask = (1 << BAND_BITS) - 1
    return [(band, (unsigned >> (band * BAND_BITS)) & mask) for band in range(BANDS)]


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << BITS) - 1)).bit_count()


def find_original(db: sqlite_utils.Database, ann_id: int, fingerprint: int) -> int | None:
    """The first-seen announcement this one nearly duplicates, or None; reads only the shared buckets."""
    pairs = bands(fingerprint)
    where = " OR ".join("(b.band = ? AND b.bucket = ?)" for _ in pairs)
    rows = db.execute(
        f"""SELECT DISTINCT a.id, a.simhash, a.duplicate_of FROM fingerprint_bands b
            JOIN announcements a ON a.id = b.announcement_id
            WHERE ({where}) AND b.announcement_id != ? ORDER BY a.id""",
        [v for pair in pairs for v in pair] + [ann_id],
    ).fetchall()
    for other_id, other_hash, other_root in rows:
        if other_id < ann_id and distance(fingerprint, other_hash) <= MAX_DISTANCE:
            return int(other_root or other_id)
    return None


def index_fingerprint(db: sqlite_utils.Database, ann_id: int, fingerprint: int | None) -> None:
    """Replace the announcement's buckets (a real edit changes its fingerprint)."""
    db.execute("DELETE FROM fingerprint_bands WHERE announcement_id = ?", [ann_id])
    if fingerprint is not None:
        db.conn.executemany(
            "INSERT INTO fingerprint_bands (band, bucket, announcement_id) VALUES (?, ?, ?)",
            [(band, bucket, ann_id) for band, bucket in bands(fingerprint)],
        )


def link_duplicate(db: sqlite_utils.Database, ann_id: int, form: str) -> int | None:
    """Fingerprint the comparison form, index it, set `duplicate_of`; return the original's id or None."""
    fingerprint = simhash(form)
    original = find_original(db, ann_id, fingerprint) if fingerprint is not None else None
    db.execute(
        "UPDATE announcements SET simhash = ?, duplicate_of = ? WHERE id = ?", [fingerprint, original, ann_id]
    )
    index_fingerprint(db, ann_id, fingerprint)
    return original
