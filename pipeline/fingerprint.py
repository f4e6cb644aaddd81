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

import numpy as np
import sqlite_utils

from pipeline.changes import normalise

BITS = 64
BANDS = 4
BAND_BITS = BITS // BANDS
MAX_DISTANCE = 3  # must stay below BANDS for the pigeonhole guarantee
SHINGLE = 3
MIN_WORDS = 25  # shorter texts (a teaser, a stub) are too generic to call anything a duplicate
_WORD = re.compile(r"\w+")
_BIT_WEIGHTS = (1 << np.arange(BITS, dtype=np.uint64)).astype(np.uint64)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text).casefold())


def simhash(text: str) -> int | None:
    """The signed 64-bit SimHash of the text's word 3-shingles (SQLite stores signed integers)."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in shingles),
        dtype=np.uint64,
        count=len(shingles),
    )
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 > len(shingles)
    value = int((_BIT_WEIGHTS[votes]).sum(dtype=np.uint64))
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


def link_duplicate(db: sqlite_utils.Database, ann_id: int, text: str) -> int | None:
    """Fingerprint the text, index it, and set `duplicate_of`; return the original's id or None."""
    fingerprint = simhash(text)
    original = find_original(db, ann_id, fingerprint) if fingerprint is not None else None
    db.execute(
        "UPDATE announcements SET simhash = ?, duplicate_of = ? WHERE id = ?", [fingerprint, original, ann_id]
    )
    index_fingerprint(db, ann_id, fingerprint)
    return original
