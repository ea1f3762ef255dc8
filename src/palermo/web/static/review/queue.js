// Keyboard shortcuts of the suggestion queue: each control with a data-key is pressed by
// its key (c confirm, r reject, j next, k previous). Without this file the page works
// the same by its buttons and links. Keys typed in a field, or with a modifier, are left
// alone.
(function () {
  "use strict";
  var sent = false; // one decision per page: a second key press waits for the next page
  var typing = "input, textarea, select, [contenteditable], [contenteditable=true]";
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && target.closest && target.closest(typing)) return;
    var key = (event.key || "").toLowerCase();
    if (key.length !== 1) return;
    var control = document.querySelector('[data-key="' + key + '"]');
    if (!control || control.disabled || sent) return;
    event.preventDefault();
    if (control.type === "submit") sent = true;
    control.classList.add("key-pressed");
    control.click();
  });
})();
