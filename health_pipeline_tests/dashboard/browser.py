"""Serve the dashboard with the installed `health-pipeline dashboard` command and look at its pages in headless
Chromium (Debian's /usr/bin/chromium driven by playwright). `python -m health_pipeline_tests.dashboard.browser
HOME OUT_DIR` writes a screenshot of every page of the instance in HOME to OUT_DIR (the README's pictures)."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from benchmarks import dagster_dev

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# url path -> the page's heading; the views' file names are Streamlit's url paths
PAGE_HEADINGS = {"": "Portfolio", "movers": "Movers", "account": "Account", "evidence": "Evidence",
                 "quality": "Data quality and delivery"}
WIDTH, HEIGHT, MAX_HEIGHT = 1400, 1000, 4000
ERROR_SELECTORS = ('[data-testid="stException"]', '[data-testid="stAlertContentError"]')
# true once the page's run is over (Streamlit marks its app element with the script's state), no element waits for
# its code any more (Streamlit shows a skeleton until an element's lazily loaded code arrives, after the run may have
# ended), and every chart and table is drawn (plotly's svg, the data grid's canvas)
PAGE_DRAWN = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart => chart.querySelector('.main-svg'))
    && [...document.querySelectorAll('[data-testid="stDataFrame"]')].every(grid => grid.querySelector('canvas'))"""


@contextlib.contextmanager
def serve_dashboard(home: Path, timeout: float = 120) -> Iterator[str]:
    """Run `health-pipeline dashboard` on the instance in `home` until the app answers; yields its base URL."""
    port = dagster_dev.free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    env.pop("HEALTH_PIPELINE_PROFILE", None)
    command = [shutil.which("health-pipeline") or "health-pipeline", "dashboard", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard did not start: {process.stdout.read() if process.stdout else ''}")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


@dataclass(frozen=True)
class PageView:
    """What a browser saw on one page."""

    headings: list[str]
    errors: int
    charts: int
    screenshot: Path


def look_at_pages(base: str, paths: dict[str, str], out_dir: Path) -> dict[str, PageView]:
    """Open each url path (name -> path with query) in headless Chromium, wait for its heading, screenshot it."""
    from playwright.sync_api import sync_playwright

    seen = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        for name, path in paths.items():
            page.goto(f"{base}/{path}")
            page.locator("h1").first.wait_for(timeout=60_000)
            # every chart and table drawn, not only the first (the first page also waits for plotly.js to load)
            page.wait_for_function(PAGE_DRAWN, timeout=60_000)
            # Streamlit scrolls inside its main element: grow the window to it so the picture holds the whole page
            height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            page.set_viewport_size({"width": WIDTH, "height": min(max(height, HEIGHT), MAX_HEIGHT)})
            page.wait_for_timeout(1500)  # plotly and the data grid draw after their containers appear
            shot = out_dir / f"dashboard-{name}.png"
            page.screenshot(path=str(shot))
            page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
            seen[name] = PageView(page.locator("h1").all_inner_texts(),
                                  sum(page.locator(selector).count() for selector in ERROR_SELECTORS),
                                  page.locator(".js-plotly-plot").count(), shot)
        browser.close()
    return seen


# timed by the page's own clock, so the driver's round trips and its checks before a click are not counted: click
# the link, check on every animation frame until the new heading shows and the page is drawn, then let that frame
# be painted
TIMED_SWITCH = """async ([href, heading]) => {
    const drawn = %s;
    const start = performance.now();
    document.querySelector(`[data-testid="stSidebarNav"] a[href="${href}"]`).click();
    await new Promise((done, fail) => {
        const look = () => {
            if ([...document.querySelectorAll('h1')].some(h => h.textContent.includes(heading)) && drawn()) done();
            else if (performance.now() - start > 60000) fail(new Error(`${heading} not drawn within 60 s`));
            else requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
    });
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
    return (performance.now() - start) / 1000;
}""" % PAGE_DRAWN
PAUSE_BEFORE_CLICK_MS = 300  # a reader's pause: the previous page has finished drawing before the next click


def page_switch_seconds(base: str, repeat: int) -> dict[str, list[float]]:
    """Seconds of each click on a page's sidebar link until its heading shows, its script has finished and its
    charts and tables are drawn, `repeat` rounds over the pages (the first round is each page's first visit)."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(base)
        page.wait_for_function(PAGE_DRAWN, timeout=120_000)
        for _ in range(repeat):
            for path, heading in [*list(PAGE_HEADINGS.items())[1:], ("", "Portfolio")]:
                page.wait_for_timeout(PAUSE_BEFORE_CLICK_MS)
                seconds = page.evaluate(TIMED_SWITCH, [f"{base}/{path}", heading])
                times.setdefault(heading, []).append(seconds)
        browser.close()
    return times


if __name__ == "__main__":
    home_dir, output_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    with serve_dashboard(home_dir) as url:
        names = {"portfolio": "", **{path: path for path in PAGE_HEADINGS if path}}
        for shown in look_at_pages(url, names, output_dir).values():
            print(shown.screenshot, shown.headings, f"errors={shown.errors}")
