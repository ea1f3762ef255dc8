"""The Network tab's interactive picture in Chromium, on the largest demo case (6,000
records): time from navigation to a drawn graph, the layout's own time, how many nodes,
links and labels it shows, and whether any two labels overprint.

    .venv/bin/python benchmarks/network_picture.py [--runs 3] [--db PATH]

Builds DEMO-2024-001 as ``palermo demo`` does in a temporary SQLite database (or reuses
``--db``), serves the app on 127.0.0.1 in a thread, and opens the tab in Debian's
Chromium through Playwright, signed in as the demo prosecutor. Needs the graph library
installed (``make install`` copies it into static/vendor). Prints figures; no
assertions.
"""

from __future__ import annotations

import argparse
import re
import secrets
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REFERENCE = "DEMO-2024-001"
OVERLAPS_JS = """(box) => {
  const cy = box.palermoGraph;
  const b = cy.nodes().filter(n => n.visible() && !n.hasClass('nw-nolabel') && n.data('label'))
    .map(n => n.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true}));
  let hits = 0;
  for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) {
    if (b[i].x1 < b[j].x2 && b[i].x2 > b[j].x1 && b[i].y1 < b[j].y2 && b[i].y2 > b[j].y1) hits++;
  }
  return [b.length, hits];
}"""


def _context(db: Path, data: Path) -> Any:
    from palermo.services.context import Context
    from palermo.settings import Settings

    key_file = db.with_suffix(".key")
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    settings = Settings(
        data_dir=data, database_url=f"sqlite:///{db}", secret_key=key_file.read_text().strip()
    )
    return Context.create(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from palermo.services.demo import DEMO_CASES, build_demo, demo_password
    from palermo.web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="palermo-netpic-"))
    db = args.db or work / "bench.db"
    fresh = not db.exists()
    ctx = _context(db, work / "data")
    if fresh:
        t = time.perf_counter()
        build_demo(ctx, specs=[DEMO_CASES[0]], history_cases=0)
        print(f"demo case {REFERENCE} ready in {time.perf_counter() - t:.0f} s")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    ready: list[float] = []
    layout: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        page.goto(f"{base}/login")
        page.get_by_label("Username").fill("prosecutor")
        page.get_by_label("Password").fill(demo_password("prosecutor"))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/cases$"))
        for run in range(args.runs):
            t = time.perf_counter()
            page.goto(f"{base}/cases/{REFERENCE}/network")
            box = page.locator("#nw-canvas")
            box.locator("canvas").first.wait_for(timeout=120_000)
            page.locator("#nw-canvas[data-ready='1']").wait_for(timeout=120_000)
            ready.append(time.perf_counter() - t)
            layout.append(float(box.get_attribute("data-layout-ms") or "nan") / 1000)
            if run == 0:
                nodes = box.get_attribute("data-visible-nodes")
                edges = box.get_attribute("data-visible-edges")
                labelled, overlaps = box.evaluate(OVERLAPS_JS)
                print(
                    f"shown: {nodes} nodes, {edges} links; {labelled} labels, {overlaps} overlaps"
                )
        browser.close()
    server.should_exit = True
    print(
        f"navigation to drawn graph: median {statistics.median(ready):.2f} s, "
        f"max {max(ready):.2f} s over {len(ready)} runs (first includes the server's view)"
    )
    print(f"layout in the browser: median {statistics.median(layout):.2f} s")


if __name__ == "__main__":
    main()
