// Polls a running import batch and refreshes the page when it is done (no inline script: CSP-safe).
(function () {
  var box = document.getElementById("batch-status");
  if (!box || box.getAttribute("data-running") !== "1") return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("progress");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("status-text").textContent = s.status_display;
        if (bar) { bar.max = Math.max(s.rows_total, 1); bar.value = s.rows_processed; }
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
