// Palermo: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  function onCopy(event) {
    var button = event.currentTarget;
    var text = button.getAttribute("data-copy") || "";
    if (!navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(text).then(function () {
      var original = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = original; }, 1500);
    });
  }

  function onAutosubmit(event) {
    var form = event.currentTarget.form;
    if (form) {
      form.submit();
    }
  }

  // The user's menu is a <details>: close it on Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("details.user-menu") : null;
    closeMenus(target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("details.user-menu[open]");
      if (open) {
        open.removeAttribute("open");
        open.querySelector("summary").focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", onCopy);
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", onAutosubmit);
    });
  });
})();
