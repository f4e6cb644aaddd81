"""Write the titles and texts of flairNLP/fundus's German test articles for the entity step's final check.

Why: ``tests/fixtures/entities/real/fundus_*.yaml`` labels real German news nobody in this project wrote
(fundus's parser test data, MIT licence); the repository keeps only the labels, never the text. This script
turns a fundus checkout's ``tests/resources/parser/test_data/de/*.json`` into one
``<Publisher>__<key>.json`` per article ({"title", "text", "path"}), the text as the pipeline would see an
extracted page: the summary, then each section's headline and paragraphs, one per line.

Usage: ``python scripts/fundus_texts.py FUNDUS_CHECKOUT [--out /tmp/fundus/texts]``; then
``HUBWATCH_FUNDUS_TEXTS=/tmp/fundus/texts python scripts/eval_entities.py --final``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TEST_DATA = Path("tests/resources/parser/test_data/de")


def article_text(article: dict[str, Any]) -> str:
    """The body as lines: summary, then each section's headline and paragraphs, in order."""
    body = article.get("body") or {}
    lines = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(line.strip() for line in lines if line and line.strip())


def articles(path: Path) -> dict[str, dict[str, str]]:
    """Each article of one publisher's file by ``<Publisher>__<key>``; an unreadable file gives none."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        print(f"skipped {path.name}: {exc}", file=sys.stderr)
        return {}
    found = {}
    for key, article in data.items():
        text = article_text(article) if isinstance(article, dict) else ""
        if text:
            found[f"{path.stem}__{key}"] = {
                "title": article.get("title") or "",
                "text": text,
                "path": str(path),
            }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a clone of github.com/flairNLP/fundus")
    parser.add_argument("--out", type=Path, default=Path("/tmp/fundus/texts"))
    args = parser.parse_args(argv)
    folder = args.checkout / TEST_DATA
    if not folder.is_dir():
        parser.error(f"{folder} not found: is {args.checkout} a fundus checkout?")
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(folder.glob("*.json")):
        for name, article in articles(path).items():
            (args.out / f"{name}.json").write_text(json.dumps(article, ensure_ascii=False), "utf-8")
            written += 1
    print(f"{written} articles written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
