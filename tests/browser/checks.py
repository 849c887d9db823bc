"""The checks every journey runs on every page it visits (``check_page``).

- axe-core (vendored under ``vendor/axe-core``, its SHA-256 checked on load): no critical
  and no serious violations;
- every visible link and button (``a``, ``button``, ``input`` buttons, ``summary``) has a
  contrast of at least 4.5:1 between its text colour and the background behind it, both taken
  from computed styles (axe only flags many of these "for review");
- every ``aria-describedby`` and ``aria-labelledby`` target exists; no two elements share an
  id;
- no console errors or uncaught exceptions since the last check (a Content-Security-Policy
  violation is a console error);
- pages pupils, parents and teachers use (``phone=True``, the default) do not scroll
  sideways at 390 px wide.

axe is evaluated through the DevTools protocol (``page.evaluate``), which a page's
Content-Security-Policy does not govern, so the pages keep their real policy and any
violation of it by Warden's own pages still fails the check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from playwright.sync_api import ConsoleMessage, Error, Page

VENDOR = Path(__file__).with_name("vendor") / "axe-core"
PHONE_WIDTH = 390
MIN_CONTRAST = 4.5


def _axe_source() -> str:
    expected = (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").split()[0]
    data = (VENDOR / "axe.min.js").read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise RuntimeError(
            f"vendor/axe-core/axe.min.js has SHA-256 {actual}, not {expected}: "
            "run `make axe-core` to restore it."
        )
    return data.decode("utf-8")


AXE = _axe_source()

# Everything below runs in the page. Colours are parsed from computed styles (rgb()/rgba(),
# which is how Chromium reports them); the background behind an element is the first opaque
# background found walking up its ancestors, with translucent ones composited over it.
PAGE_CHECKS = r"""
() => {
  const describe = (el) => {
    let text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    text = text.replace(/\s+/g, ' ').slice(0, 60);
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const parse = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const parts = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== 'none') {
        return {unknown: true};
      }
      const colour = parse(style.backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  };
  const luminance = (c) => {
    const channel = (v) => {
      v = v / 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  };
  const problems = [];
  const selector = 'a[href], button, input[type=submit], input[type=button], ' +
    'input[type=reset], summary';
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled) continue;  // WCAG 1.4.3 leaves inactive controls out
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1) continue;
    const text = (el.innerText || el.value || '').trim();
    if (!text) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    if (bg.unknown) continue;
    let fg = parse(style.color);
    if (!fg) continue;
    if (fg.a < 1) fg = over(fg, bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < %(min)s) {
      problems.push(
        `contrast ${ratio.toFixed(2)}:1 (below %(min)s:1) of ${describe(el)}: ` +
        `text ${style.color} on ${'rgb(' + [bg.r, bg.g, bg.b].map(Math.round).join(', ') + ')'}`
      );
    }
  }
  for (const attr of ['aria-describedby', 'aria-labelledby']) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          problems.push(`${attr}="${id}" of ${describe(el)} names no element on the page`);
        }
      }
    }
  }
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  for (const [id, count] of seen) {
    if (count > 1) problems.push(`id "${id}" is used by ${count} elements`);
  }
  return problems;
}
""".replace("%(min)s", str(MIN_CONTRAST))

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 160)),
      count: v.nodes.length,
    }));
}
"""

# Measured against the phone's width, not innerWidth: a page without a viewport meta tag is
# laid out 980 px wide on a phone and shown shrunk, which is as unreadable.
SIDEWAYS = """
(width) => {
  const root = document.documentElement;
  if (root.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const rect = el.getBoundingClientRect();
    if (rect.right > width + 0.5 && el.checkVisibility()) {
      const parentRect = el.parentElement.getBoundingClientRect();
      // Name the outermost element that sticks out, not every descendant of it.
      if (parentRect.right <= width + 0.5) {
        const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
        wide.push(`<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}> ` +
          `${Math.round(rect.width)} px wide, right edge at ${Math.round(rect.right)} px`);
      }
    }
  }
  return {scrollWidth: root.scrollWidth, wide: wide.slice(0, 8)};
}
"""


@dataclass
class PageLog:
    """Console errors and uncaught exceptions a page reported since it was last checked."""

    errors: list[str] = field(default_factory=list)

    def take(self) -> list[str]:
        taken, self.errors = self.errors, []
        return taken


_LOGS: WeakKeyDictionary[Page, PageLog] = WeakKeyDictionary()


def watch(page: Page) -> PageLog:
    """Start collecting ``page``'s console errors (the fixtures do this for every page)."""
    log = _LOGS.get(page)
    if log is not None:
        return log
    log = _LOGS[page] = PageLog()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            log.errors.append(f"console error: {message.text} ({where})")

    def on_error(error: Error) -> None:
        log.errors.append(f"uncaught exception: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    return log


def unchecked_errors(page: Page) -> list[str]:
    log = _LOGS.get(page)
    return log.take() if log else []


def check_page(
    page: Page,
    name: str,
    *,
    phone: bool = True,
    expected_status: int | None = None,
) -> None:
    """Fail, naming ``name`` and each offending element, unless the page passes every check.

    ``phone=False`` leaves out the 390 px check, for pages only office and ICT staff use at a
    desk. ``expected_status`` (say 410 for a used link) accepts the browser's console note that
    the page itself came with that error status.
    """
    page.wait_for_load_state("load")
    problems: list[str] = []
    for error in unchecked_errors(page):
        if expected_status and f"status of {expected_status}" in error and page.url in error:
            continue
        problems.append(error)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    for violation in page.evaluate(RUN_AXE):
        problems.append(
            f"axe {violation['impact']} {violation['id']} ({violation['help']}) on "
            f"{violation['count']} element(s): " + "; ".join(violation["nodes"])
        )
    problems.extend(page.evaluate(PAGE_CHECKS))
    if phone:
        problems.extend(_sideways(page))
    if problems:
        listed = "\n  - ".join(problems)
        raise AssertionError(f"The page {name!r} ({page.url}) fails its checks:\n  - {listed}")


def _sideways(page: Page) -> list[str]:
    size = page.viewport_size
    narrow = size is not None and size["width"] <= PHONE_WIDTH
    if not narrow and size is not None:
        page.set_viewport_size({"width": PHONE_WIDTH, "height": size["height"]})
    try:
        found: dict[str, Any] | None = page.evaluate(SIDEWAYS, PHONE_WIDTH)
    finally:
        if not narrow and size is not None:
            page.set_viewport_size(size)
    if not found:
        return []
    return [
        f"scrolls sideways at {PHONE_WIDTH} px: the page is {found['scrollWidth']} px wide; "
        "too wide: " + "; ".join(found["wide"])
    ]
