"""Headless Chromium for the browser tests: a Selenium driver factory with console-log capture,
screenshots into test-artifacts/screenshots/, and small waiting/query helpers.

Chromium and chromedriver are the Debian packages `chromium` and `chromium-driver`
(`scripts/setup.sh test` installs them); Selenium comes from Tests/e2e/requirements.txt.
CHROMEDRIVER / CHROME_BIN override their paths.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException, StaleElementReferenceException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from fixture_site import made_once  # Tests/Fixtures is on the path (conftest.py)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

PHONE = (390, 844)
DESKTOP = (1280, 900)
WIDE = (1440, 900)


def _chromedriver() -> str:
    path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(path).exists():
        raise RuntimeError("chromedriver not found: install the Debian package chromium-driver "
                           "(scripts/setup.sh test) or set CHROMEDRIVER")
    return path


def _chrome_binary() -> str | None:
    return os.environ.get("CHROME_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One Chrome session. `console` accumulates every browser log entry read so far (Selenium's
    `get_log` drains Chrome's buffer, so all reads go through `read_console`)."""

    def __init__(self, size=DESKTOP, color_scheme: str | None = None):
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                    "--disable-gpu", "--hide-scrollbars", "--disable-extensions",
                    "--no-first-run", "--disable-background-timer-throttling",
                    "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                    f"--window-size={size[0]},{size[1]}"):
            options.add_argument(arg)
        if color_scheme:
            options.add_argument(f"--force-prefers-color-scheme={color_scheme}")
            options.add_argument("--blink-settings=preferredColorScheme=%d" % (0 if color_scheme == "dark" else 1))
        binary = _chrome_binary()
        if binary:
            options.binary_location = binary
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(_chromedriver()), options=options)
        self.driver.set_page_load_timeout(30)
        self.console: list[dict] = []
        self.size = size
        self.set_size(*size)

    # ---- window ----
    def set_size(self, width: int, height: int) -> None:
        """Sets the viewport (not the window) to width × height with device-metrics emulation,
        so the page sees exactly a phone or desktop width."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        self.size = (width, height)

    def set_color_scheme(self, scheme: str | None) -> None:
        """Emulates prefers-color-scheme (light/dark) on the open page, without a reload."""
        features = [{"name": "prefers-color-scheme", "value": scheme}] if scheme else []
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
        # Buttons fade their colours in 0.15 s: measure the end, not the middle. A fixed pause was
        # not enough on a loaded machine (axe once read a dark-theme button at 1.17:1, white on
        # white), so wait until no CSS transition runs (spinners are animations, not transitions).
        time.sleep(0.2)
        self.wait(lambda: self.js("return document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')"),
                  3, "the theme's colour transitions to end")

    # ---- navigation ----
    def open(self, base_url: str, path: str, ready_testid: str | None = "main", timeout: float = 15):
        self.driver.get(base_url + path)
        self.wait(lambda: self.js("return document.readyState") == "complete", timeout, f"{path} loaded")
        if ready_testid:
            self.find(ready_testid, timeout=timeout)
        return self

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    # ---- queries ----
    def find(self, testid: str, timeout: float = 10):
        """The element with data-testid, waiting for it to exist."""
        selector = f'[data-testid="{testid}"]'
        return self.wait(lambda: self._first(selector), timeout, f"[data-testid={testid}]")

    def find_all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def query(self, testid: str):
        """The element with data-testid or None, without waiting."""
        return self._first(f'[data-testid="{testid}"]')

    def _first(self, selector: str):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, selector)
        except NoSuchElementException:
            return None

    def click(self, testid: str, timeout: float = 10) -> None:
        """Scrolls the element into view and clicks it, finding it again if a live update
        re-rendered it in between (a stale reference is the test's race, not the user's)."""
        deadline = time.time() + timeout
        while True:
            try:
                el = self.find(testid, timeout=max(0.1, deadline - time.time()))
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
                el.click()
                return
            except StaleElementReferenceException:
                if time.time() > deadline:
                    raise

    def attr(self, testid: str, name: str):
        el = self.query(testid)
        try:
            return el.get_attribute(name) if el else None
        except StaleElementReferenceException:
            return None

    def text(self, testid: str) -> str | None:
        el = self.query(testid)
        try:
            return el.text if el else None
        except StaleElementReferenceException:
            return None

    def wait(self, predicate, timeout: float = 10, message: str = "condition", interval: float = 0.05):
        deadline = time.time() + timeout
        last = None
        error = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except (StaleElementReferenceException, NoSuchElementException) as e:
                error = e
            time.sleep(interval)
        notices = self.notices()
        raise AssertionError(f"timed out after {timeout}s waiting for {message}; last={last!r}; "
                             f"error={error!r}; notices={notices!r}; console={self.severe()[:5]!r}")

    # ---- notices ----
    def notices(self, kind: str | None = None) -> list[dict]:
        """Every notice currently shown, as {kind, text}."""
        try:
            items = self.js("""return [...document.querySelectorAll('[data-testid="notice"]')]
                .map(n => ({kind: n.dataset.kind, text: n.querySelector('[data-testid="notice-text"]')?.textContent || ''}));""")
        except WebDriverException:
            return []
        return [n for n in items if kind is None or n["kind"] == kind]

    def install_notice_recorder(self) -> None:
        """Records every notice ever added (they time out, so a final look would miss them).
        Read with `recorded_notices()`. Must be called after each page load."""
        self.js("""
            if (window.__noticeLog) return;
            window.__noticeLog = [];
            const seen = new WeakSet();
            const scan = () => document.querySelectorAll('[data-testid="notice"]').forEach(n => {
              if (seen.has(n)) return; seen.add(n);
              window.__noticeLog.push({kind: n.dataset.kind,
                text: n.querySelector('[data-testid="notice-text"]')?.textContent || '',
                at: performance.now()});
            });
            new MutationObserver(scan).observe(document.documentElement, {childList: true, subtree: true});
            scan();""")

    def recorded_notices(self, kind: str | None = None) -> list[dict]:
        items = self.js("return window.__noticeLog || []") or []
        return [n for n in items if kind is None or n["kind"] == kind]

    # ---- console ----
    def read_console(self) -> list[dict]:
        try:
            self.console.extend(self.driver.get_log("browser"))
        except WebDriverException:
            pass
        return self.console

    def severe(self, ignore: tuple[str, ...] = ()) -> list[str]:
        """SEVERE console entries (errors, failed requests, uncaught exceptions) not matching `ignore`."""
        return [e["message"] for e in self.read_console()
                if e.get("level") == "SEVERE" and not any(s in e["message"] for s in ignore)]

    def clear_console(self) -> None:
        self.read_console()
        self.console.clear()

    # ---- layout ----
    def horizontal_overflow(self) -> dict | None:
        """None when the page does not scroll sideways, else the widths and the widest offenders.
        The page scrolls inside <main> (the app shell), so main's own width counts too."""
        return self.js("""
            const doc = document.documentElement;
            const width = doc.clientWidth;
            const main = document.getElementById('main');
            const mainWide = main && main.scrollWidth > main.clientWidth + 1;
            if (doc.scrollWidth <= width && document.body.scrollWidth <= width && !mainWide) return null;
            const offenders = [...document.querySelectorAll('body *')]
              .filter(el => el.getBoundingClientRect().right > width + 1)
              .filter(el => !el.closest('.mainnav'))  // the phone nav scrolls sideways by design
              .slice(0, 5)
              .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}[${el.dataset.testid || ''}] right=${Math.round(el.getBoundingClientRect().right)}`);
            return {clientWidth: width, scrollWidth: doc.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
                    mainScrollWidth: main && main.scrollWidth, offenders};
        """)

    # ---- accessibility ----
    def axe(self, context: str | None = None) -> list[dict]:
        """Runs axe-core (bundled by axe-selenium-python) on the page against WCAG 2 A and AA;
        returns the serious and critical violations as {id, impact, help, nodes: [target…]}."""
        if not self.js("return typeof window.axe === 'object'"):
            self.js(_axe_source())
        results = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(arguments[0] || document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},"
            " resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
            context)
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")[:300]} for n in v["nodes"][:5]]}
                for v in results if v.get("impact") in ("serious", "critical")]

    # ---- artefacts ----
    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception:
            pass


def _axe_source() -> str:
    global _AXE
    if _AXE is None:
        import axe_selenium_python
        _AXE = (Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js").read_text()
    return _AXE


_AXE: str | None = None


@pytest.fixture
def browser_factory(request):
    """browser_factory(size=PHONE) → Browser; all are closed at the end of the test. A failed
    test leaves a screenshot named after it in test-artifacts/screenshots/failed-*.png."""
    browsers: list[Browser] = []
    failed_before = request.session.testsfailed

    def make(size=DESKTOP, **kw) -> Browser:
        b = Browser(size=size, **kw)
        browsers.append(b)
        return b

    yield make
    # The call phase's report is logged before fixtures are torn down.
    failed = request.session.testsfailed > failed_before
    for i, b in enumerate(browsers):
        if failed:
            try:
                b.screenshot(f"failed-{request.node.name}-{i}")
            except Exception:
                pass
        b.quit()


@pytest.fixture
def browser(browser_factory) -> Browser:
    return browser_factory()


# ---- library seeding (for the player) ----

def make_tone(path: Path, seconds: int, freq: int) -> int:
    """An AAC tone made by the real ffmpeg; returns its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    made_once(str(path), ".m4a", "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}",
              "-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart")
    return path.stat().st_size


def prefill_site(directory: Path, episodes: int) -> None:
    """The fixture site's media for `episodes` entries (and its flaky one) before it starts: one real
    tone and thumbnail, copied for every entry (the site reuses files it finds; an ffmpeg run per
    entry takes longer than the sync it feeds)."""
    make_tone(directory / "tone.m4a", 2, 440)
    made_once(str(directory / "thumb.jpg"), ".jpg", "-f", "lavfi", "-i", "color=c=0x5151cc:s=64x64", "-frames:v", "1")
    for entry in [f"ep-{i:03d}" for i in range(1, episodes + 1)] + ["flaky"]:
        shutil.copyfile(directory / "tone.m4a", directory / f"{entry}.m4a")
        shutil.copyfile(directory / "thumb.jpg", directory / f"{entry}.jpg")


def migrate(server) -> None:
    """Creates the schema in the server's (not yet started) database with `spool db migrate`."""
    from conftest import spool_binary
    server.db_path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([spool_binary(), "db", "migrate"], cwd=server.tmp, env=server.env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


def seed_liked_tracks(server, count: int = 3, seconds: int = 60) -> list[dict]:
    """Before the server starts: real ffmpeg tones in the library and liked track rows pointing
    at them (liked in order, so the likes playlist plays them in this order)."""
    migrate(server)
    now = time.time()
    rows = []
    for i in range(count):
        rel = f"Seeded/Liked tone {i + 1} [seed{i + 1}].m4a"
        size = make_tone(server.library / rel, seconds, 330 + 110 * i)
        rows.append({"video_id": f"seed{i + 1}", "title": f"Liked tone {i + 1}", "uploader": "Seeded",
                     "duration": float(seconds), "file_path": rel, "size": size,
                     "mime_type": "audio/mp4", "rating": 1, "liked_at": now - 100 + i,
                     "created_at": now - 100 + i})
    db = sqlite3.connect(server.db_path)
    try:
        with db:
            for r in rows:
                cur = db.execute(
                    "INSERT INTO tracks (video_id, title, uploader, duration, file_path, size, mime_type,"
                    " created_at) VALUES (?,?,?,?,?,?,?,?)",
                    (r["video_id"], r["title"], r["uploader"], r["duration"], r["file_path"], r["size"],
                     r["mime_type"], r["created_at"]))
                r["id"] = cur.lastrowid
                # Liked by the owner (user 1), whom a loopback server without passwords acts as.
                db.execute("INSERT INTO user_tracks (user_id, track_id, rating, liked_at) VALUES (1, ?, ?, ?)",
                           (r["id"], r["rating"], r["liked_at"]))
    finally:
        db.close()
    return rows


def db_query(server, sql: str, args: tuple = ()) -> list[tuple]:
    """A read-only look at the server's database (WAL allows it while the server runs)."""
    db = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def api_json(response):
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


# ---- one server and one browser per test module (the suite's time budget) ----

def module_server(tmp_path_factory, name: str, env: dict | None = None, seed_likes: int = 0, seconds: int = 60, before_start=None):
    """A generator for a module-scoped fixture: a real `spool serve` with `seed_likes` liked tone
    tracks (and whatever `before_start(server)` puts into the database), stopped at the end with
    the log checked for "database is locked"."""
    from conftest import SpoolServer
    server = SpoolServer(tmp_path_factory.mktemp(name), env=env)
    server.seeded = seed_liked_tracks(server, count=seed_likes, seconds=seconds) if seed_likes else []
    if before_start:
        if not seed_likes:
            migrate(server)
        before_start(server)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        assert "database is locked" not in server.log().lower()


def module_browser(request, size=DESKTOP):
    """A generator for a module-scoped fixture: one Chrome for the module's tests."""
    b = Browser(size=size)
    try:
        yield b
    finally:
        b.quit()


@pytest.fixture
def shot_on_failure(request):
    """Use as `shot_on_failure(b)` in a test: a failed test leaves failed-<test>.png behind."""
    failed_before = request.session.testsfailed
    watched: list[Browser] = []
    yield watched.append
    if request.session.testsfailed > failed_before:
        for i, b in enumerate(watched):
            try:
                b.screenshot(f"failed-{request.node.name}-{i}")
            except Exception:
                pass


def seed_source(server, url: str, title: str, state: str = "idle", last_error: str | None = None,
                last_error_class: str | None = None, last_error_detail: str | None = None, kind: str = "channel") -> int:
    """A source row (before the server starts, default profile) that is not due for a sync for a day."""
    now = time.time()
    db = sqlite3.connect(server.db_path)
    try:
        with db:
            cur = db.execute("INSERT INTO sources (url, title, state, added_at, last_synced_at, next_sync_at, last_error,"
                             " last_error_class, last_error_detail, kind) VALUES (?,?,?,?,?,?,?,?,?,?)",
                             (url, title, state, now - 3600, now - 3000, now + 86400, last_error,
                              last_error_class, last_error_detail, kind))
            return cur.lastrowid
    finally:
        db.close()


def add_source(b: Browser, url: str, filters: dict[str, str] | None = None) -> int:
    """Adds a source the way a user does on /sources: the URL, Preview, (filter fields typed in),
    Add. Returns the new source's id (from its card)."""
    b.find("add-source-url").clear()
    b.find("add-source-url").send_keys(url)
    b.click("add-source-check")
    b.find("add-source-submit", timeout=60)
    for name, value in (filters or {}).items():
        if not b.js("return document.querySelector('[data-testid=add-source-filters]').open"):
            b.js("document.querySelector('[data-testid=add-source-filters]').open = true")
        b.find(f"add-source-filters-{name}").send_keys(value)
    b.click("add-source-submit")
    link = b.find("add-source-open", timeout=15)
    return int(link.get_attribute("href").rstrip("/").rsplit("/", 1)[1])


def media_state(b: Browser) -> dict | None:
    """The player's media element: paused, time, volume, duration, src, readyState."""
    return b.js("""const m = document.querySelector('[data-testid=player-audio], [data-testid=player-video]');
        return m ? {paused: m.paused, time: m.currentTime, volume: m.volume, duration: m.duration,
                    src: m.currentSrc, ready: m.readyState, error: m.error && m.error.code} : null;""")


def nav(b: Browser, testid: str, path: str) -> None:
    """Follows an in-app link (the router swaps the page; nothing reloads) and waits for `path`."""
    b.find(testid).click()
    b.wait(lambda: b.js("return location.pathname") == path, 5, f"routed to {path}")
    b.wait(lambda: not b.js(r"""return [...document.querySelectorAll('#main .placeholder')]
        .some(p => /^\s*loading/i.test(p.textContent))"""), 10, f"{path} loaded")
