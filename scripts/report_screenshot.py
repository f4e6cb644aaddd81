"""Make the README's screenshot of `hubwatch report` from a local demo database (docs/images/report.png).

Builds the demo database of tests/demodata.py (written announcements, no network) in a temporary folder,
writes the report, and photographs its top part in headless Chromium (Debian's package, driven by
Playwright; pip install -e '.[dev]'). Usage: python scripts/report_screenshot.py [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.analysts.places import ensure_places  # noqa: E402
from pipeline.analysts.report import write_report  # noqa: E402
from pipeline.store.schema import open_db  # noqa: E402
from tests.browser import ARGS, CHROMIUM  # noqa: E402
from tests.demodata import build_demo_db  # noqa: E402

TODAY = date(2024, 6, 30)  # fixed, so the picture only changes when the report does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "report.png")
    parser.add_argument("--height", type=int, default=1500, help="CSS pixels of the page photographed")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(build_demo_db(Path(tmp) / "demo.db", today=TODAY))
        ensure_places(db)
        html = Path(tmp) / "report.html"
        now = datetime(2024, 6, 30, 10, tzinfo=UTC)
        write_report(db, html, since=TODAY - timedelta(days=14), now=now)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1040, "height": args.height})
            page.goto(html.as_uri())
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), clip={"x": 0, "y": 0, "width": 1040, "height": args.height})
            browser.close()
    print(f"{args.out}: {args.out.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
