// Background jobs: follow a running job's progress, and reload the page when it ends
// (the finished page shows the outcome). No inline script: the CSP forbids it.
(function () {
  "use strict";

  function follow(section) {
    var url = section.getAttribute("data-job-status-url");
    var status = section.getAttribute("data-job-status");
    var startsAfter = section.getAttribute("data-job-starts-after") || "";
    if (!url || (status !== "queued" && status !== "running")) {
      return;
    }
    var bar = document.getElementById("job-progress");
    var percent = document.getElementById("job-percent");
    var current = document.getElementById("job-current");

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          if (bar) {
            bar.value = job.percent;
            bar.textContent = job.percent + "%";
          }
          if (percent) {
            percent.textContent = job.percent + "%";
          }
          if (current) {
            current.textContent = job.current || "";
          }
          if (job.status !== status || (job.starts_after || "") !== startsAfter) {
            window.location.reload();
            return;
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () {
          window.setTimeout(tick, 3000);
        });
    }
    window.setTimeout(tick, 500);
  }

  function refreshList(holder) {
    var seconds = parseInt(holder.getAttribute("data-job-refresh"), 10) || 3;
    window.setTimeout(function () {
      window.location.reload();
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("job");
    if (section) {
      follow(section);
    }
    var list = document.querySelector("[data-job-refresh]");
    if (list) {
      refreshList(list);
    }
  });
})();
