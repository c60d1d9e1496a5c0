"""Attacks on signing in (issue 12): a flood of wrong tokens must not stall signed-in users and
must run into a lock-out; `next` must never send the browser to another site."""
from __future__ import annotations

import http.client
import json
import selectors
import socket
import statistics
import threading
import time
import urllib.parse

from selenium.webdriver.common.by import By

from attack_clients import parse_responses, request
from browser import browser_factory, browser  # noqa: F401  (fixtures)

TOKEN = "correct-horse-battery-staple-42"


def wrong_logins(port: int, count: int) -> dict[socket.socket, bytes]:
    """Opens `count` connections, each sending one wrong `POST /api/login`; returns them."""
    payload = request(port, "POST", "/api/login", {"token": "not-the-token-at-all"})
    sockets = {}
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(payload)
        s.setblocking(False)
        sockets[s] = b""
    return sockets


def collect(sockets: dict[socket.socket, bytes], timeout: float) -> dict[socket.socket, bytes]:
    selector = selectors.DefaultSelector()
    for s in sockets:
        selector.register(s, selectors.EVENT_READ)
    deadline = time.time() + timeout
    pending = set(sockets)
    while pending and time.time() < deadline:
        for key, _ in selector.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            sockets[s] += data
            if not data or parse_responses(sockets[s]):
                selector.unregister(s)
                pending.discard(s)
    return sockets


def test_six_hundred_wrong_logins_do_not_stall_a_signed_in_user(spool_factory):
    server = spool_factory({"AUTH_TOKEN": TOKEN})
    port = server.port
    user = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    def timed_tracks() -> float:
        started = time.perf_counter()
        user.request("GET", "/api/tracks", headers=bearer)
        response = user.getresponse()
        response.read()
        assert response.status == 200
        return time.perf_counter() - started

    baseline = statistics.median(timed_tracks() for _ in range(5))
    flood = wrong_logins(port, 600)
    during = [timed_tracks() for _ in range(10)]
    answers = collect(flood, timeout=30)
    print(f"GET /api/tracks: {baseline * 1000:.1f} ms before, during 600 wrong logins "
          f"median {statistics.median(during) * 1000:.1f} ms, worst {max(during) * 1000:.1f} ms")
    # The bound is generous on purpose (a loaded CI machine); before, this took 18 s.
    assert max(during) < 2.0, during
    statuses = [parse_responses(data)[0].status for data in answers.values() if parse_responses(data)]
    assert len(statuses) == 600, f"{len(statuses)} of 600 wrong logins answered"
    assert set(statuses) == {401, 429}, set(statuses)
    locked = next(parse_responses(d)[0] for d in answers.values() if parse_responses(d)[0].status == 429)
    assert int(locked.headers["retry-after"]) >= 1 and locked.json()["error"]["code"] == "too_many_attempts"
    for s in flood:
        s.close()


def test_wrong_tokens_slow_down_then_lock_the_address_out(spool_factory):
    server = spool_factory({"AUTH_TOKEN": TOKEN})
    port = server.port
    started = time.time()
    tries = wrong_logins(port, 10)
    answers = collect(tries, timeout=15)
    elapsed = time.time() - started
    statuses = sorted(parse_responses(d)[0].status for d in answers.values())
    assert statuses == [401] * 9 + [429], statuses
    # The nine 401s were delayed 0.25 s, doubling, to 4 s at most — by the loop, not a thread.
    assert 3.5 < elapsed < 10, elapsed
    # Locked out: even the right token is not looked at until the lock-out ends.
    locked = server.post("/api/login", {"token": TOKEN})
    assert locked.status == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    # Other requests are not throttled.
    assert server.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    for s in tries:
        s.close()


# --- The open redirect (item 3) -----------------------------------------------------------


OFF_SITE = ["/%5Cevil.example/", "/%09/evil.example", "//evil.example/", "/%2F%2Fevil.example/", "https://evil.example/",
            "/\\evil.example", "javascript:alert(1)", "/.//evil.example"]


def token_field(browser):
    """The login page's token field (the page opens with name and password; the owner's token
    is one click away)."""
    token = browser.find("login-token")
    if not token.is_displayed():
        browser.find("login-switch").click()
    return token


def sign_in(browser, server, next_value: str) -> str:
    """Signs in on /login?next=… and returns where the browser ended up."""
    browser.driver.get(f"{server.base_url}/login?next={urllib.parse.quote(next_value, safe='/%:')}")
    token = token_field(browser)
    token.clear()
    token.send_keys(TOKEN)
    browser.find("login-submit").click()
    browser.wait(lambda: "/login" not in browser.driver.current_url, timeout=10, message="leaving the login page")
    return browser.driver.current_url


def test_next_after_signing_in_never_leaves_the_site(spool_factory, browser):  # noqa: F811
    server = spool_factory({"AUTH_TOKEN": TOKEN})
    for value in OFF_SITE:
        landed = sign_in(browser, server, value)
        assert landed.startswith(server.base_url + "/"), f"next={value!r} sent the browser to {landed}"
    # Paths of the site still work, with their query.
    assert sign_in(browser, server, "/library?q=x") == f"{server.base_url}/library?q=x"
    # The first-start page goes on through the same function (web/app/signin.js); it once
    # checked the text of `next` and let `/\\evil.example` through.
    targets = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/app/signin.js').then(m => done(arguments[0].map(m.sameOriginTarget)));", OFF_SITE)
    assert all(t == "/" or t.startswith(server.base_url + "/") for t in targets), dict(zip(OFF_SITE, targets))
    assert "signin.js" in server.get("/setup").text
    # The page the server sends an anonymous visitor from comes back after signing in.
    browser.driver.delete_all_cookies()
    browser.driver.get(f"{server.base_url}/jobs")
    browser.wait(lambda: "/login?next=" in browser.driver.current_url, timeout=10, message="the login page")
    token_field(browser).send_keys(TOKEN)
    browser.find("login-submit").click()
    browser.wait(lambda: browser.driver.current_url == f"{server.base_url}/jobs", timeout=10, message="back on /jobs")


def test_the_web_app_keeps_no_token_in_local_storage(spool_factory, browser):  # noqa: F811
    server = spool_factory({"AUTH_TOKEN": TOKEN})
    browser.driver.get(f"{server.base_url}/login")
    # A token an older version kept in localStorage, readable by any script on the page.
    browser.js("localStorage.setItem('spool.token', arguments[0])", TOKEN)
    token_field(browser).send_keys(TOKEN)
    browser.find("login-submit").click()
    browser.wait(lambda: "/login" not in browser.driver.current_url, timeout=10, message="signed in")
    browser.find("main")
    browser.wait(lambda: browser.js("return localStorage.getItem('spool.token')") is None, timeout=10,
                 message="the stored token removed")
    # The app works on the HttpOnly cookie alone: its API calls and the live feed.
    browser.wait(lambda: server.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).json()["live"]["clients"] >= 1,
                 timeout=10, message="the live feed connected with the cookie")
    assert not browser.js("return document.cookie").count(TOKEN), "the sign-in cookie must be HttpOnly"
