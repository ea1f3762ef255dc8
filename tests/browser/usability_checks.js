// Runs in the page (page.evaluate); returns the problems found, each as a short string.
// page.evaluate(CHECKS, {words: true}) also fails on raw ids, enums and slugs shown to a
// user (RAW below), in the visible text of the page outside quoted evidence
// (blockquote, code, [data-verbatim]), and on a table's cells clipped by its box.
(options) => {
  const problems = [];
  // Codes a person should never have to read: each [name, pattern].
  const RAW = [
    ["statute id", /\b(?:us-18-\d{4}[a-z0-9]*|uk-msa-s\d+|eu-2011-36-art\d+|palermo-art\d+)\b/],
    ["concept id", /\b(?:act|means|purpose|mental|jurisdiction|benefit|victim|aggravating)\.[a-z_]+\b/],
    ["snake_case enum", /\b[a-z]+_[a-z0-9_]+\b/],
    ["identifier key", /\b(?:phone|account|email|cash|in|out|person|org|handle):[\w+]/],
    ["None shown", /\bNone\b/],
    ["MIME type", /\b(?:application|text|image)\/[a-z0-9.+-]{3,}/],
    ["triple-s plural", /\b\w+[^s\W]sss\b|\b\w+sss\b/i],
    ["source key", /\b(?:file|statement):[0-9a-f]{8,}/],
  ];
  const words = options && options.words;
  const title = document.title;
  if (!/ · Palermo$/.test(title) || /^Palermo · /.test(title)) {
    problems.push(`title "${title}"`);
  }
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const skipped = new Set(["hidden", "submit", "button"]);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (skipped.has(el.type) || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby") || el.getAttribute("title");
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.name || el.id}`);
  }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth + 1) {
    problems.push(`page is ${width}px wide in ${window.innerWidth}px`);
  }
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  for (const el of document.querySelectorAll("main *, header *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const style = getComputedStyle(el);
    const [hi, lo] = [lum(rgb(style.color)), lum(background(el))].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const key = `${el.tagName.toLowerCase()}.${el.className} ${ratio.toFixed(2)}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`contrast ${key}: "${el.textContent.trim().slice(0, 30)}"`);
      }
    }
  }
  if (words) {
    const skip = "blockquote, code, pre, script, style, [data-verbatim], .visually-hidden";
    const main = document.querySelector("main") || document.body;
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    const found = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest(skip) || !visible(parent)) continue;
      for (const [name, pattern] of RAW) {
        const m = text.match(pattern);
        if (m && !found.has(name + m[0])) {
          found.add(name + m[0]);
          problems.push(`${name} "${m[0]}" in "${text.slice(0, 60)}"`);
        }
      }
    }
    for (const box of document.querySelectorAll("main table")) {
      const wrap = box.parentElement;
      const scrolls = wrap && /auto|scroll/.test(getComputedStyle(wrap).overflowX);
      if (!visible(box) || scrolls) continue;
      const right = (wrap || box).getBoundingClientRect().right;
      if (box.getBoundingClientRect().right > right + 1) {
        problems.push(`table "${(box.caption || {}).textContent || box.className}" clipped`);
      }
    }
  }
  return problems;
}
