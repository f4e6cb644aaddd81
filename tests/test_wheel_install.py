"""From a wheel, as deployments install it: `hubwatch serve` finds its Datasette metadata and canned queries.

The test builds a wheel of the project (from a copy of its sources in tmp_path, so the checkout gets no
build/ or egg-info), installs it with `--no-deps` into a fresh venv whose dependencies come from the test's
own environment (a .pth line naming its site-packages: installing the whole dependency set per run would
take minutes and need the network), starts `hubwatch serve` from an empty folder and reads the database's
name, the table titles and a canned query back over HTTP.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("datasette")
pytestmark = pytest.mark.slow


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(
            f"no wheel could be built here (build backend unavailable offline?): {done.stderr[-500:]}"
        )
    (wheel,) = wheels.glob("hubwatch-*.whl")
    return wheel


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    packages = next((venv / "lib").glob("python3*/site-packages"))
    (packages / "test-dependencies.pth").write_text(site.getsitepackages()[0] + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        timeout=300,
    )
    return venv


def test_serve_from_a_wheel_install_has_titles_and_canned_queries(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"  # no db/, no sources.yaml: nothing to find but the package
    elsewhere.mkdir()
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout
    db = elsewhere / "prod-2024.db"
    create = f"from pipeline.store.schema import open_db; open_db({str(db)!r})"
    subprocess.run([venv / "bin" / "python", "-c", create], cwd=elsewhere, check=True, timeout=60)
    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "hubwatch", "--db", str(db), "serve", "--port", str(port)],
        cwd=elsewhere,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                start = httpx.get(f"{base}/hubwatch", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "hubwatch serve did not start"
                time.sleep(0.3)
        assert start.status_code == 200
        for title in ("New this week", "What changed in an announcement", "Copies of an announcement"):
            assert title in start.text  # the canned queries, by their titles
        for table, title in (
            ("announcements_with_entities", "Announcements with hubs, cities and sectors"),
            ("hub_locations", "Hubs on a map"),
        ):
            assert title in httpx.get(f"{base}/hubwatch/{table}", timeout=10).text
        query = httpx.get(f"{base}/hubwatch/timeline_of_a_hub.json?hub=Karlsruhe&_shape=objects", timeout=10)
        assert query.status_code == 200 and query.json()["rows"] == []
        assert "FROM hub_timeline" in httpx.get(f"{base}/hubwatch/timeline_of_a_hub", timeout=10).text
        places = httpx.get(
            f"{base}/hubwatch/hub_locations.json?_shape=array&hub=Karlsruhe", timeout=10
        ).json()
        assert places[0]["latitude"] > 48  # the shipped coordinates came along in the wheel
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "no Datasette metadata" not in errors
