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
    // (a file name such as "email_job_offer.eml" is evidence, shown as it is)
    ["snake_case enum", /\b[a-z]+_[a-z0-9_]+\b(?![\w-]*\.[a-z0-9]{2,4}\b)/],
    ["identifier key", /\b(?:phone|account|email|cash|in|out|person|org|handle):[\w+]/],
    // Python's None where a value belongs ("row None", "= None", a cell of just "None");
    // the English word ("None yet", "None recorded") is fine.
    ["None shown", /(?:\brow |[=:(] ?|^)None\b(?! [a-z])/],
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
  // The top bar and the case tabs each stay on one line: their items share one row.
  const oneRow = (els) => {
    const boxes = els.filter(visible).map((el) => el.getBoundingClientRect());
    return boxes.every((b) => b.top < boxes[0].bottom && b.bottom > boxes[0].top);
  };
  const bar = [...document.querySelectorAll(".topbar > *, .topnav li")];
  if (!oneRow(bar)) problems.push("top bar wraps");
  if (!oneRow([...document.querySelectorAll("nav.tabs li")])) problems.push("tabs wrap");
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
    // Horizontal clipping: a box whose content is wider than it is, outside a box that
    // scrolls sideways (a .table-wrap, a canvas's viewport) — the cut-off part cannot be read.
    const scroller = (el) => {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        if (/auto|scroll/.test(getComputedStyle(e).overflowX)) return true;
      }
      return false;
    };
    const replaced = new Set(["INPUT", "SELECT", "TEXTAREA", "IMG", "CANVAS", "VIDEO", "IFRAME"]);
    let clipped = 0;
    for (const el of main.querySelectorAll("*")) {
      if (clipped >= 5) break;
      if (replaced.has(el.tagName) || el instanceof SVGElement || !visible(el)) continue;
      if (el.closest(".visually-hidden, .skip-link")) continue;
      if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
      if (scroller(el)) continue;
      const style = getComputedStyle(el);
      if (style.display === "inline") continue;
      clipped += 1;
      const what = el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${el.className}`;
      problems.push(
        `clipped ${what}: content ${el.scrollWidth}px in ${el.clientWidth}px ` +
          `"${el.textContent.trim().slice(0, 40)}"`,
      );
    }
    // Amounts (numeric cells) are in view without scrolling a table sideways.
    if (options.amounts) {
      let hidden = 0;
      for (const cell of main.querySelectorAll("td.num, th.num")) {
        if (hidden >= 5 || !visible(cell) || !cell.textContent.trim()) continue;
        const box = cell.closest(".table-wrap");
        if (!box) continue;
        if (cell.getBoundingClientRect().right > box.getBoundingClientRect().right + 1) {
          hidden += 1;
          const table = cell.closest("table");
          problems.push(
            `amount "${cell.textContent.trim().slice(0, 20)}" out of view in ` +
              `#${(table && table.id) || "table"}`,
          );
        }
      }
    }
    // Charts drawn by the server (svg.chart): no two text labels overlap.
    for (const svg of main.querySelectorAll("svg.chart")) {
      if (!visible(svg)) continue;
      const boxes = [...svg.querySelectorAll("text")]
        .filter((t) => t.textContent.trim())
        .map((t) => [t, t.getBoundingClientRect()]);
      let overlaps = 0;
      for (let i = 0; i < boxes.length && overlaps < 3; i++) {
        for (let j = i + 1; j < boxes.length && overlaps < 3; j++) {
          const [a, ra] = boxes[i];
          const [b, rb] = boxes[j];
          const dx = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const dy = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (dx > 1 && dy > 1) {
            overlaps += 1;
            problems.push(
              `chart ${svg.id}: "${a.textContent.trim().slice(0, 20)}" overlaps ` +
                `"${b.textContent.trim().slice(0, 20)}"`,
            );
          }
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
