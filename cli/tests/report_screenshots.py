#!/usr/bin/env python3
"""Screenshots of a lab report for the documentation: headless Chromium (driven as in
browser_test.py) loads the page at 1280 pixels wide and saves one PNG per group of sections,
clipped to them: report-summary.png (title, reading, summary), report-curves.png (functions,
loss and accuracy), report-gradients.png (dead and saturated units, gradient norms),
report-histograms.png.

  report_screenshots.py build/lab-default/report.html docs/
  report_screenshots.py --experiment depth OUT/report.html docs/lab-experiments/
      an experiment's report (`activ lab --experiment depth --out OUT`): its experiment section
      alone, as report-experiment-depth.png.

The committed docs/report-*.png come from `bash scripts/run.sh` (the default run on
Fashion-MNIST), then this script.
"""
import argparse
import base64
import json
import os
import shutil

from browser_test import SETTLE_JS, Browser

GROUPS = {"summary": ["reading", "summary"], "curves": ["functions", "curves"],
          "gradients": ["units", "gradients"], "histograms": ["histograms"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("out_dir")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--experiment", help="shoot the experiment section of this experiment")
    args = ap.parse_args()
    groups = {f"experiment-{args.experiment}": ["experiment"]} if args.experiment else GROUPS
    browser = Browser(args.chromium)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})
        session = browser.call("Target.attachToTarget",
                               {"targetId": target["targetId"], "flatten": True})["sessionId"]
        browser.call("Page.enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                     session=session)
        browser.load("file://" + os.path.abspath(args.report), session)
        browser.evaluate(SETTLE_JS, session)
        for name, ids in groups.items():
            # The first group starts at the top of the page, with the title.
            top = "0" if name == "summary" else "Math.min(...rs.map(r => r.top + scrollY))"
            js = (f"JSON.stringify((() => {{ const rs = {json.dumps(ids)}.map(i => "
                  f"document.getElementById(i).getBoundingClientRect()); return {{y: {top}, "
                  f"b: Math.max(...rs.map(r => r.bottom + scrollY))}}; }})())")
            box = json.loads(browser.call("Runtime.evaluate",
                                          {"expression": js, "returnByValue": True},
                                          session=session)["result"]["value"])
            shot = browser.call("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": box["y"], "width": 1280,
                         "height": box["b"] - box["y"] + 8, "scale": 1}}, session=session)
            path = os.path.join(args.out_dir, f"report-{name}.png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print(path)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
