"""scripts/fundus_texts.py: a fundus-shaped checkout becomes one title+text file per article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.fundus_texts import TEST_DATA, main


def _checkout(root: Path, files: dict[str, str]) -> Path:
    folder = root / TEST_DATA
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return root


def test_each_article_becomes_its_title_and_body_lines(tmp_path: Path) -> None:
    article = {
        "title": "Neuer Radweg zwischen Lienen und Lengerich",
        "body": {
            "summary": ["Der Kreis baut weiter."],
            "sections": [
                {"headline": [], "paragraphs": ["Lienen. Der erste Abschnitt ist fertig.", "  "]},
                {"headline": ["Wie es weitergeht"], "paragraphs": ["Im Frühjahr folgt der Rest."]},
            ],
        },
    }
    checkout = _checkout(tmp_path / "fundus", {"Lokalblatt.json": json.dumps({"V1": article, "V2": {}})})
    out = tmp_path / "texts"
    assert main([str(checkout), "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["Lokalblatt__V1.json"]  # V2 has no body: skipped
    written = json.loads((out / "Lokalblatt__V1.json").read_text("utf-8"))
    assert written["title"] == "Neuer Radweg zwischen Lienen und Lengerich"
    assert written["text"].split("\n") == [
        "Der Kreis baut weiter.",
        "Lienen. Der erste Abschnitt ist fertig.",
        "Wie es weitergeht",
        "Im Frühjahr folgt der Rest.",
    ]


def test_a_broken_file_is_skipped_and_the_others_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"V1": {"title": "T", "body": {"summary": ["Text."], "sections": []}}}
    checkout = _checkout(tmp_path / "fundus", {"A.json": "{not json", "B.json": json.dumps(good)})
    out = tmp_path / "texts"
    assert main([str(checkout), "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["B__V1.json"]
    assert "skipped A.json" in capsys.readouterr().err


def test_a_folder_that_is_no_fundus_checkout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert exit_info.value.code == 2
