#!/usr/bin/env python3
"""Opens the lab report in a real browser (headless Chromium, from disk) and checks that it
loads with no console error, no exception and no network request, that every plot has drawn
data, and that a screenshot shows every plot non-empty: each plot's area holds coloured (data)
pixels, which axes, grid and text (grey and black) never produce. Also prints it to PDF.

  browser_test.py --activ build/cli/activ --fixture tests/data/lab_run --work DIR
                  [--run-lab] [--screenshot PNG] [--chromium /usr/bin/chromium] [--broken]

With --run-lab the report is that of a fresh `activ lab` run on a small built-in set (a few
seconds), else `activ report` of the fixture (a committed lab run).

With --broken the report is spoiled before it is opened (a console error, a request to the
network, a plot whose lines are emptied) and the test passes only if it reports all three:
the check of the checker.

Chromium is driven through the DevTools protocol over a pipe (--remote-debugging-pipe), so
nothing listens on a port; the PNG is decoded here with zlib and numpy.
"""
import argparse
import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

# A pixel is "coloured" when its channels differ by this much: the palette's colours do, the
# greys and blacks of axes, grid lines and text do not.
SATURATION = 40
# Coloured pixels each plot must show in the screenshot.
MIN_COLOURED = 40


class Browser:
    """Headless Chromium with the DevTools protocol on fds 3 (commands) and 4 (replies)."""

    def __init__(self, chromium, timeout=60):
        self.deadline = time.monotonic() + timeout
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire_fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.profile = tempfile.mkdtemp(prefix="activ-chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--hide-scrollbars",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            close_fds=False, preexec_fn=wire_fds)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def receive(self):
        while b"\0" not in self.buf:
            if time.monotonic() > self.deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError("Chromium closed the DevTools pipe; its stderr ends:\n" + err)
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        while True:
            msg = self.receive()
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]
            self.events.append(msg)

    def wait_for(self, match):
        """Reads events until one satisfies match(event); returns it."""
        while True:
            for e in self.events:
                if match(e):
                    return e
            self.events.append(self.receive())

    def load(self, url, session):
        """Opens url in the session's page and waits for its load event: the event of this
        navigation (the blank page before it has one of its own). Needs Page.enable."""
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session)
        nav = self.call("Page.navigate", {"url": url}, session=session)
        if nav.get("errorText"):
            raise RuntimeError(f"cannot open {url}: {nav['errorText']}")
        self.wait_for(lambda e: e.get("method") == "Page.lifecycleEvent" and
                      e["params"]["name"] == "load" and
                      e["params"]["loaderId"] == nav["loaderId"])

    def evaluate(self, expression, session):
        """The value of a JavaScript expression; a promise is awaited."""
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session=session)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression[:60]}...: {reply['exceptionDetails']}")
        return reply["result"]["value"]


def decode_png(data):
    """8-bit RGB or RGBA PNG (what Chromium writes) -> array of shape (height, width, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    raw = raw.reshape(height, width * bpp + 1)
    out = np.zeros((height, width * bpp), dtype=np.uint8)
    prior = np.zeros(width * bpp, dtype=np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:]
        if kind == 0:
            row = line.copy()
        elif kind == 1:  # Sub: a running sum per channel, modulo 256
            row = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            row = line + prior
        else:  # Average and Paeth depend on the pixel just decoded: one at a time
            row = bytearray(line.tobytes())
            up = prior.tobytes()
            for i in range(len(row)):
                a = row[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    row[i] = (row[i] + (a + b) // 2) & 0xFF
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    row[i] = (row[i] + pred) & 0xFF
            row = np.frombuffer(bytes(row), dtype=np.uint8)
        out[y] = row
        prior = row
    return out.reshape(height, width, bpp)[:, :, :3]


# Runs in the page: every plot, whether its series drew something with an extent, and where its
# data area (the frame the axes draw around it) is.
# Resolves once the page is laid out and painted as it stands: its fonts loaded, then two
# animation frames, the second of which begins only after the first (with every change made
# before it, a new viewport size included) was committed for drawing. Returns the page's height.
SETTLE_JS = """
(async () => {
  await document.fonts.ready;
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return document.documentElement.scrollHeight;
})()
"""

PLOTS_JS = """
JSON.stringify(Array.from(document.querySelectorAll('svg.plot')).map(svg => {
  const marks = Array.from(svg.querySelectorAll('g.series path, g.series circle, g.series rect'));
  const drawn = marks.filter(m => {
    const b = m.getBBox();
    const length = m.tagName === 'path' ? m.getTotalLength() : 1;
    return (b.width > 0 || b.height > 0) && length > 0;
  }).length;
  const r = svg.querySelector('.frame').getBoundingClientRect();
  return {title: svg.getAttribute('aria-label'), marks: marks.length, drawn: drawn,
          x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height};
}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--activ", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--screenshot", help="also copy the screenshot here")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--broken", action="store_true")
    ap.add_argument("--run-lab", action="store_true")
    args = ap.parse_args()
    failures = []
    start = time.monotonic()

    os.makedirs(args.work, exist_ok=True)
    report = os.path.abspath(os.path.join(args.work, "report.html"))
    if args.run_lab:
        lab = os.path.join(args.work, "lab")
        subprocess.run([args.activ, "lab", "--dataset", "moons", "--rows", "400",
                        "--activations", "relu,tanh,gelu", "--hidden", "16,16", "--epochs", "3",
                        "--seeds", "2", "--quiet", "--out", lab], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.copyfile(os.path.join(lab, "report.html"), report)
    else:
        subprocess.run([args.activ, "report", args.fixture, "-o", report, "-q"], check=True)
    if args.broken:
        with open(report) as f:
            html = f.read()
        start_svg = html.index('aria-label="Training loss"')
        end_svg = html.index("</svg>", start_svg)
        emptied = re.sub(r'class="(line|band)" d="[^"]*"', r'class="\1" d=""',
                         html[start_svg:end_svg])
        html = (html[:start_svg] + emptied + html[end_svg:]).replace(
            "</body>", "<script>console.error('spoiled')</script>"
                       "<img src='http://activ.invalid/x.png' alt=''></body>")
        with open(report, "w") as f:
            f.write(html)
    if not os.path.exists(args.chromium):
        sys.exit(f"browser test: {args.chromium} not found (scripts/deps.sh installs chromium)")

    browser = Browser(args.chromium)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})
        session = browser.call("Target.attachToTarget",
                               {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
            browser.call(domain, session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                     session=session)
        browser.load("file://" + report, session)

        # The screenshot shows the whole page in one viewport as tall as the page. Every plot is
        # measured after the page was laid out and painted at that size, and the page's height
        # must have stayed the same: else the page is fitted again.
        page_height = browser.evaluate(SETTLE_JS, session)
        for _ in range(5):
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": 1280, "height": int(page_height), "deviceScaleFactor": 1,
                          "mobile": False}, session=session)
            settled_height = browser.evaluate(SETTLE_JS, session)
            if settled_height == page_height:
                break
            page_height = settled_height
        else:
            failures.append(f"the page's height does not settle ({page_height} px last)")
        plots = json.loads(browser.evaluate(PLOTS_JS, session))
        # optimizeForSpeed: Chromium then filters every row with Up, which decodes fast here.
        shot = base64.b64decode(browser.call(
            "Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True},
            session=session)["data"])
        browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        pdf = base64.b64decode(browser.call("Page.printToPDF", {"printBackground": True},
                                            session=session)["data"])
        # Whatever the page did up to now: console messages, exceptions, requests.
        browser.call("Runtime.evaluate", {"expression": "1"}, session=session)
    finally:
        browser.close()

    for e in browser.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert",
                                                                           "warning"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            failures.append(f"console {params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            failures.append("exception: " + json.dumps(params.get("exceptionDetails"))[:300])
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            failures.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file://", "data:", "about:")):
                failures.append("the page fetches " + url)

    with open(os.path.join(args.work, "report.png"), "wb") as f:
        f.write(shot)
    with open(os.path.join(args.work, "report.pdf"), "wb") as f:
        f.write(pdf)
    if args.screenshot:
        shutil.copyfile(os.path.join(args.work, "report.png"), args.screenshot)
    if not pdf.startswith(b"%PDF"):
        failures.append("printing to PDF gave no PDF")

    image = decode_png(shot).astype(np.int16)
    coloured = (image.max(axis=2) - image.min(axis=2)) >= SATURATION
    if len(plots) < 10:
        failures.append(f"only {len(plots)} plots in the report")
    for p in plots:
        x0, y0 = int(p["x"]), int(p["y"])
        x1, y1 = int(p["x"] + p["w"]), int(p["y"] + p["h"])
        count = int(coloured[y0:y1, x0:x1].sum())
        if p["drawn"] == 0 or p["drawn"] < p["marks"]:
            failures.append(f"plot '{p['title']}': {p['drawn']} of {p['marks']} series marks drawn")
        if count < MIN_COLOURED:
            failures.append(f"plot '{p['title']}': {count} coloured pixels in the screenshot")
        if y1 > image.shape[0] or x1 > image.shape[1]:
            failures.append(f"plot '{p['title']}' lies outside the screenshot")

    print(f"browser test: {len(plots)} plots, page {image.shape[1]}x{image.shape[0]} px, "
          f"PDF {len(pdf)} bytes, {len(browser.events)} DevTools events, "
          f"{time.monotonic() - start:.1f} s")
    if args.broken:
        expected = ["console error: spoiled", "the page fetches http://activ.invalid/x.png",
                    "plot 'Training loss': 0 of 8 series marks drawn",
                    "plot 'Training loss': 0 coloured pixels"]
        missed = [e for e in expected if not any(f.startswith(e) for f in failures)]
        for f in failures:
            print("detected:", f)
        for m in missed:
            print("FAIL: not detected:", m)
        sys.exit(1 if missed else 0)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
