"""`hubwatch serve`: Datasette over the live database, read-only, with the project's metadata.

Checked with Datasette's own test client, and once in a real headless Chromium (skipped where
/usr/bin/chromium is not installed).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.schema import open_db

datasette = pytest.importorskip("datasette")

from pipeline.analysts.serve import load_metadata, make_datasette  # noqa: E402

TEXT = (
    "Der Digital Hub Karlsruhe für Künstliche Intelligenz eröffnet ein Reallabor. Gründerinnen und Gründer "
    "sollen dort mit dem Mittelstand an Anwendungen arbeiten."
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    db = open_db(path)
    analysis = Analysis(
        mentions=[
            Mention("HUB", "Digital Hub Karlsruhe", "Karlsruhe", 4, 25),
            Mention("CITY", "Karlsruhe", "Karlsruhe", 16, 25),
        ],
        facts=[Fact("Karlsruhe", "sector", "Künstliche Intelligenz", TEXT.split(".")[0])],
        relevant=True,
    )
    url = "https://ka.example/reallabor"
    for n, text in enumerate((TEXT, TEXT + " Die Stadt fördert das Labor mit zwei Millionen Euro.")):
        article = Article(url=url, title="Karlsruher KI-Hub eröffnet Reallabor", text=text)
        save_article(
            db,
            source_id="ka",
            url=url,
            article=article,
            analysis=analysis,
            fetched_at=f"2024-03-0{n + 1}T08:00:00+00:00",
        )
    db.close()
    return path


def get(ds: Any, path: str) -> Any:
    async def fetch() -> Any:
        return await ds.client.get(path)

    return asyncio.run(fetch())


def test_metadata_titles_views_and_canned_queries(db_path: Path) -> None:
    ds = make_datasette(db_path)
    page = get(ds, "/hubwatch")
    assert page.status_code == 200
    for shown in ("announcements_with_entities", "hub_timeline", "sector_hub_matrix", "New this week"):
        assert shown in page.text
    assert "raw_page_history" not in page.text  # hidden: blobs are of no use in a browser
    table = get(ds, "/hubwatch/announcements_with_entities")
    assert "Announcements with hubs, cities and sectors" in table.text
    rows = get(ds, "/hubwatch/announcements_with_entities.json?_shape=array").json()
    assert rows[0]["hubs"] == "Karlsruhe" and rows[0]["version"] == 2


def test_canned_queries_answer_the_analyst_questions(db_path: Path) -> None:
    ds = make_datasette(db_path)
    timeline = get(ds, "/hubwatch/timeline_of_a_hub.json?hub=Karlsruhe&_shape=array").json()
    assert [(r["title"], r["sectors"]) for r in timeline] == [
        ("Karlsruher KI-Hub eröffnet Reallabor", "Künstliche Intelligenz")
    ]
    changes = get(ds, "/hubwatch/announcement_changes.json?id=1&_shape=array").json()
    assert [r["version"] for r in changes] == [1, 2]
    diff = changes[1]["diff"].splitlines()
    assert diff[:2] == ["--- v1", "+++ v2"]
    assert f"-{TEXT}" in diff and f"+{TEXT} Die Stadt fördert das Labor mit zwei Millionen Euro." in diff
    matrix = get(ds, "/hubwatch/sector_hub_matrix.json?_shape=array").json()
    assert matrix == [
        {**{k: 0 for k in matrix[0] if k not in ("hub",)}, "hub": "Karlsruhe", "Künstliche Intelligenz": 1}
    ]


def test_facets_from_metadata_are_shown(db_path: Path) -> None:
    ds = make_datasette(db_path)
    data = get(ds, "/hubwatch/hub_facts.json").json()
    assert {"hub", "kind", "value"} <= set(data["facet_results"])


def test_the_database_is_served_read_only(db_path: Path) -> None:
    ds = make_datasette(db_path)
    (database,) = [d for d in ds.databases.values() if d.name == "hubwatch"]
    assert database.is_mutable  # not immutable: a run may write meanwhile
    result = get(ds, "/hubwatch.json?sql=" + "DELETE FROM announcements")
    assert result.status_code == 400
    assert open_db(db_path).execute("SELECT count(*) FROM announcements").fetchone()[0] == 1


def test_reads_go_on_while_a_run_holds_the_write_lock(db_path: Path) -> None:
    writer = open_db(db_path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE announcements SET title = 'im Flug' WHERE id = 1")
    try:
        ds = make_datasette(db_path)
        rows = get(ds, "/hubwatch/announcements.json?_shape=array").json()
        assert rows[0]["title"] == "Karlsruher KI-Hub eröffnet Reallabor"
    finally:
        writer.conn.rollback()


def test_the_database_is_served_as_hubwatch_whatever_its_file_is_called(db_path: Path) -> None:
    assert db_path.stem == "news"
    ds = make_datasette(db_path)
    assert [d.name for d in ds.databases.values() if not d.is_memory] == ["hubwatch"]
    assert get(ds, "/news").status_code == 404
    metadata = load_metadata()
    assert "FROM hub_timeline" in metadata["databases"]["hubwatch"]["queries"]["timeline_of_a_hub"]["sql"]


def test_serve_without_datasette_says_how_to_install(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    import builtins

    from click.testing import CliRunner

    from pipeline.cli import cli

    real_import = builtins.__import__

    def no_datasette(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("datasette"):
            raise ImportError("No module named 'datasette'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_datasette)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "serve"])
    assert result.exit_code == 1
    assert "hubwatch[web]" in result.stderr and "Traceback" not in result.stderr


# --- a real browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live_server(db_path: Path) -> Iterator[str]:
    import uvicorn

    ds = make_datasette(db_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(ds.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_a_real_browser_renders_the_hub_timeline(live_server: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            f"{live_server}/hubwatch/hub_timeline?hub=Karlsruhe",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hub timeline" in done.stdout
    assert "Karlsruher KI-Hub eröffnet Reallabor" in done.stdout


# --- the [web] extra's pictures: map, dashboard, report -------------------------------------------


@pytest.fixture(scope="module")
def demo_ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datetime import date

    from pipeline.analysts.places import ensure_places
    from tests.demodata import build_demo_db

    path = build_demo_db(tmp_path_factory.mktemp("web") / "demo.db", today=date.today())
    db = open_db(path)
    ensure_places(db)
    db.close()
    return make_datasette(path)


def test_the_hub_map_page_carries_the_cluster_map(demo_ds: Any) -> None:
    pytest.importorskip("datasette_cluster_map")
    page = get(demo_ds, "/hubwatch/hub_locations")
    assert page.status_code == 200
    assert "Hubs on a map" in page.text
    assert "datasette-cluster-map.js" in page.text and "DATASETTE_CLUSTER_MAP_LATITUDE_COLUMN" in page.text
    rows = get(demo_ds, "/hubwatch/hub_locations.json?_shape=array&status=unbestätigt").json()
    assert [(r["hub"], r["announcements"]) for r in rows] == [("Magdeburg", 4)]
    assert rows[0]["latitude"] and rows[0]["longitude"]


def test_the_dashboard_has_its_map_and_chart_containers(demo_ds: Any) -> None:
    pytest.importorskip("datasette_dashboards")
    start = get(demo_ds, "/")
    assert 'href="/-/dashboards/hubwatch"' in start.text  # the start page leads to it first
    page = get(demo_ds, "/-/dashboards/hubwatch")
    assert page.status_code == 200
    for chart in ("karte", "hubs_monate", "branchen_monate", "branchen_hubs"):
        assert f'id="chart-{chart}"' in page.text
    assert "vega-lite.min.js" in page.text and "Digital Hub Initiative im Überblick" in page.text


def test_each_dashboard_query_runs_and_returns_rows(demo_ds: Any) -> None:
    from urllib.parse import quote

    charts = demo_ds.plugin_config("datasette-dashboards")["hubwatch"]["charts"]
    for name, chart in charts.items():
        answer = get(demo_ds, f"/hubwatch.json?_shape=array&sql={quote(chart['query'])}")
        assert answer.status_code == 200, (name, answer.text[:300])
        assert answer.json(), name


def test_the_report_is_served_too(demo_ds: Any) -> None:
    from datetime import date, timedelta

    since = date.today() - timedelta(days=30)
    page = get(demo_ds, f"/-/report?since={since.isoformat()}")
    assert page.status_code == 200
    assert f"Neu seit {since:%d.%m.%Y}" in page.text and page.text.count("<svg") == 3


def test_a_real_browser_draws_the_dashboard(demo_ds: Any, tmp_path: Path) -> None:
    pytest.importorskip("datasette_dashboards")
    import uvicorn

    from tests.browser import open_browser

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(demo_ds.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with open_browser() as browser:
            tab = browser.new_page(viewport={"width": 1280, "height": 1000})
            tab.route(
                "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
            )
            tab.goto(f"http://127.0.0.1:{port}/-/dashboards/hubwatch")
            tab.wait_for_selector("#chart-branchen_hubs canvas, #chart-branchen_hubs svg", timeout=20_000)
            tab.wait_for_selector("#chart-karte .leaflet-marker-icon", timeout=20_000)
            markers = tab.locator("#chart-karte .leaflet-marker-icon").count()
            tab.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert markers == 18  # 14 hubs, three twins with two cities each, and Jena and Magdeburg
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000
