// Upload with a progress bar (XHR upload events), then on to the job that loads the
// files. Without this file the form still posts normally and lands on the job page.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function showResponse(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var incoming = parsed.querySelector("main");
    var main = document.querySelector("main");
    if (!incoming || !main) {
      return false;
    }
    main.innerHTML = incoming.innerHTML;
    if (parsed.title) {
      document.title = parsed.title;
    }
    main.focus();
    bindAll();
    return true;
  }

  function bind(form) {
    if (form.getAttribute("data-upload-bound")) {
      return;
    }
    form.setAttribute("data-upload-bound", "1");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) {
        return; // plain form post
      }
      event.preventDefault();
      var box = form.querySelector("[data-upload-progress]");
      var bar = form.querySelector("progress");
      var status = form.querySelector("[data-upload-status]");
      var button = form.querySelector('button[type="submit"]');
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      if (box) { box.hidden = false; }
      if (button) { button.disabled = true; }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.value = percent;
          if (status) { status.textContent = percent + "% sent"; }
        }
      });
      xhr.upload.addEventListener("load", function () {
        if (bar) { bar.removeAttribute("value"); } // indeterminate while the server loads
        if (status) { status.textContent = "All sent. Loading the evidence into the case…"; }
      });
      xhr.addEventListener("load", function () {
        // Accepted: the server handed the files to a background job and redirected to
        // its page, which follows the loading; go there (a refused form stays here).
        if (xhr.responseURL && /\/jobs\/\d+$/.test(new URL(xhr.responseURL).pathname)) {
          window.location.assign(xhr.responseURL);
          return;
        }
        if (!showResponse(xhr.responseText)) {
          if (status) { status.textContent = "The server answered " + xhr.status + "."; }
          if (button) { button.disabled = false; }
        }
      });
      xhr.addEventListener("error", function () {
        if (status) { status.textContent = "The upload failed (network error). Try again."; }
        if (button) { button.disabled = false; }
      });
      xhr.send(new FormData(form));
    });
  }

  function bindAll() {
    document.querySelectorAll("form[data-upload]").forEach(bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bindAll);
  } else {
    bindAll();
  }
})();
