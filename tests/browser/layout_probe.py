"""What a reader can reach and read in a page, measured in the browser (JavaScript run through Playwright).

``unreachable`` scrolls only what a user can scroll (``overflow-x: auto|scroll`` boxes, never a hidden one)
and reports elements still outside the visible area; ``clipped`` reports elements that stick out of an
output without a scroll box around them; ``contrast`` blends text and backgrounds as drawn (alpha and
opacity included) and returns WCAG contrast ratios.
"""

from __future__ import annotations

# Scrollable boxes (user-scrollable sideways) and clipping boxes between an element and the root.
_COMMON = r"""
const OUTPUT = '.jp-OutputArea-output';
const cs = e => getComputedStyle(e);
const scrolls = e => ['auto', 'scroll'].includes(cs(e).overflowX);
const clips = e => cs(e).overflowX !== 'visible';
const ancestors = e => { const out = []; for (let p = e.parentElement; p; p = p.parentElement) out.push(p); return out; };
const visibleRight = e => {
  let right = window.innerWidth;
  for (const a of ancestors(e)) if (clips(a) && a !== document.documentElement && a !== document.body)
    right = Math.min(right, a.getBoundingClientRect().left + a.clientLeft + a.clientWidth);
  return right;
};
const visibleLeft = e => {
  let left = 0;
  for (const a of ancestors(e)) if (clips(a) && a !== document.documentElement && a !== document.body)
    left = Math.max(left, a.getBoundingClientRect().left + a.clientLeft);
  return left;
};
const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && cs(e).visibility !== 'hidden'; };
const describe = e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' "' + (e.innerText || '').trim().slice(0, 40) + '"';
"""

UNREACHABLE_JS = "([root, selector]) => {" + _COMMON + r"""
  const out = [];
  for (const e of document.querySelector(root).querySelectorAll(selector)) {
    if (!shown(e)) continue;
    // Only a box inside the output counts: scrolling the whole notebook sideways is no way to read a table.
    const output = e.closest(OUTPUT), own = a => output && output.contains(a) && a !== output && scrolls(a);
    for (const a of ancestors(e)) if (clips(a)) a.scrollLeft = 0;
    for (const edge of ['right', 'left']) {              // each edge in turn, brought into every box inner to outer
      for (const a of ancestors(e)) {
        if (!own(a) || a.scrollWidth <= a.clientWidth) continue;
        const box = a.getBoundingClientRect(), r = e.getBoundingClientRect(), start = box.left + a.clientLeft;
        if (edge === 'right' && r.right > start + a.clientWidth) a.scrollLeft += Math.ceil(r.right - start - a.clientWidth);
        if (edge === 'left' && r.left < start) a.scrollLeft -= Math.ceil(start - r.left);
      }
      const r = e.getBoundingClientRect(), right = visibleRight(e), left = visibleLeft(e);
      if (edge === 'right' ? r.right > right + 1 : r.left < left - 1)
        out.push(describe(e) + ': ' + edge + ' edge at ' + Math.round(r[edge]) + ', shown ' + Math.round(left) + '..' + Math.round(right));
    }
    for (const a of ancestors(e)) if (clips(a)) a.scrollLeft = 0;
  }
  return out;
}"""

# Elements inside an output that stick out of it with no scroll box of their own between them and the output.
CLIPPED_JS = "([root, selector]) => {" + _COMMON + r"""
  const out = [];
  for (const area of document.querySelector(root).querySelectorAll(selector)) {
    const limit = area.getBoundingClientRect().right;
    for (const e of area.querySelectorAll('*')) {
      if (!shown(e)) continue;
      const r = e.getBoundingClientRect();
      if (r.right <= limit + 1) continue;
      let boxed = false;
      for (let p = e.parentElement; p && p !== area; p = p.parentElement) if (scrolls(p)) { boxed = true; break; }
      if (!boxed) out.push(describe(e) + ': right ' + Math.round(r.right) + ' > ' + Math.round(limit));
    }
  }
  return out;
}"""

CONTRAST_JS = "([root, selector]) => {" + _COMMON + r"""
  const parse = c => {                                  // rgb()/rgba(), or color(srgb r g b / a) from color-mix
    const srgb = c.match(/color\(srgb ([^)]+)\)/), m = c.match(/rgba?\(([^)]+)\)/);
    if (!srgb && !m) return [0, 0, 0, 0];
    const v = (srgb || m)[1].split(/[ ,\/]+/).filter(Boolean).map(Number), k = srgb ? 255 : 1;
    return [v[0] * k, v[1] * k, v[2] * k, v.length > 3 ? v[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const out = [];
  for (const e of document.querySelector(root).querySelectorAll(selector)) {
    if (!shown(e) || !(e.innerText || '').trim()) continue;
    const chain = [e, ...ancestors(e)];
    let bg = [255, 255, 255, 1];                        // the canvas, then each background from the outside in
    for (const a of chain.slice().reverse()) bg = over(parse(cs(a).backgroundColor), bg);
    let alpha = 1;
    for (const a of chain) alpha *= Number(cs(a).opacity);
    const fg = parse(cs(e).color); fg[3] *= alpha;
    const text = over(fg, bg), l1 = lum(text), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    out.push({what: describe(e), ratio: Math.round(ratio * 100) / 100, size: parseFloat(cs(e).fontSize),
              color: cs(e).color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')'});
  }
  return out;
}"""


def unreachable(page, selector: str, root: str = ".jp-Notebook") -> list[str]:
    return page.evaluate(UNREACHABLE_JS, [root, selector])


def clipped(page, selector: str = ".jp-OutputArea-output", root: str = ".jp-Notebook") -> list[str]:
    return page.evaluate(CLIPPED_JS, [root, selector])


def contrast(page, selector: str, root: str = ".jp-Notebook") -> list[dict]:
    return page.evaluate(CONTRAST_JS, [root, selector])
