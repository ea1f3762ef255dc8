// Elements tab: a link to an element's evidence opens its <details> (works without JS too:
// the summary line is always visible and can be opened by keyboard).
(function () {
  "use strict";

  function openTarget() {
    var id = window.location.hash.slice(1);
    if (!id) {
      return;
    }
    var el = document.getElementById(decodeURIComponent(id));
    if (el && el.tagName === "DETAILS") {
      el.setAttribute("open", "");
      el.scrollIntoView();
    }
  }

  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);
})();
