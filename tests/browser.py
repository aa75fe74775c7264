"""Headless Chromium for tests that must see a page as a person would."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs the Debian package 'chromium'")
    pytest.skip("chromium not installed (apt-get install chromium)")


def render_dom(html_file: Path, tmp_path: Path) -> str:
    """The DOM after Chromium has parsed and laid out the page (what a reader's browser builds)."""
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", html_file.as_uri()]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def screenshot(html_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "page.png"
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile-shot'}", f"--screenshot={out}", "--window-size=1200,1600",
            html_file.as_uri()]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and out.exists(), proc.stderr[-2000:]
    return out


FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
"""What this sandbox needs (no GPU, no setuid sandbox, no network beyond the page)."""


class DevTools:
    """One headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`).

    Why a pipe and thirty lines rather than Playwright or a websocket client: no package to install and no
    driver whose protocol version must match the Debian Chromium, no port to collide with another engineer's
    on a shared machine, and the browser dies with its pipe. Messages are JSON, each ended by a NUL byte;
    Chromium reads commands on its fd 3 and writes answers and events on its fd 4.
    """

    def __init__(self, profile: Path, width: int = 1280, height: int = 900):
        import json
        import queue
        import threading

        self._json, self._queue = json, queue
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child, before exec: its fd 3 reads our commands, fd 4 writes back
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "--hide-scrollbars", "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4), preexec_fn=wire)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._answers: dict[int, dict] = {}
        self.events: list[dict] = []
        self._inbox: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                self._inbox.put(None)
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._inbox.put(self._json.loads(message))

    def _pump(self, timeout: float = 60) -> None:
        message = self._inbox.get(timeout=timeout)
        if message is None:
            raise RuntimeError("chromium closed the DevTools pipe")
        if "id" in message:
            self._answers[message["id"]] = message
        else:
            self.events.append(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, self._json.dumps(message).encode() + b"\0")
        while self._next not in self._answers:
            self._pump()
        answer = self._answers.pop(self._next)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def open(self, url: str) -> list[dict]:
        """Load a page and wait for its load event; returns the console errors, exceptions and browser
        log errors (a CSP violation, a missing file) it raised."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self._pump()
        self.evaluate("1")  # a round trip after load: messages raised during load have arrived
        return self.errors()

    def errors(self) -> list[dict]:
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(params["exceptionDetails"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(params)
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                out.append(params["entry"])
        return out

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        import base64

        params: dict = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000),
                              "scale": 1}
        data = self.call("Page.captureScreenshot", session=True, **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
