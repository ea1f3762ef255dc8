// Tag a passage: words selected in a document's text fill the tagging form (passage,
// page and where the selection starts), so the server finds exactly that occurrence.
// Without this script the form still works: the passage is typed and, when it occurs
// more than once, the server asks which occurrence.
(function () {
  "use strict";
  var form = document.getElementById("tag-form");
  if (!form) return;
  var details = document.getElementById("tag");
  var passage = document.getElementById("f-passage");
  var pageField = document.getElementById("f-page");
  var start = document.getElementById("f-start");
  var occurrence = document.getElementById("f-occurrence");

  // The page's own text up to a point: the numbered markers after highlights are not text.
  function textOf(range) {
    var copy = range.cloneContents();
    copy.querySelectorAll(".hl-ref").forEach(function (ref) { ref.remove(); });
    return copy.textContent;
  }

  function selected() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    var node = range.commonAncestorContainer;
    var element = node.nodeType === 1 ? node : node.parentElement;
    var pre = element && element.closest("pre.doc-text");
    if (!pre) return null;
    var before = document.createRange();
    before.setStart(pre, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var words = textOf(range);
    if (!words.trim()) return null;
    var lead = words.length - words.replace(/^\s+/, "").length;
    return {
      section: pre.closest("section.doc-page"),
      words: words.trim(),
      offset: textOf(before).length + lead,
    };
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var found = selected();
      if (!found || !found.section) return;
      passage.value = found.words;
      pageField.value = found.section.dataset.number;
      var offset = found.section.dataset.offset;
      start.value = offset === undefined ? "" : String(Number(offset) + found.offset);
      if (occurrence) occurrence.value = "";
      details.open = true;
    }, 150);
  });

  // A passage typed or edited by hand names no selection.
  passage.addEventListener("input", function () { start.value = ""; });
  pageField.addEventListener("input", function () { start.value = ""; });
})();
