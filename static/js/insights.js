// Insights page: while the AI summary is being written, check every few seconds and reload
// once it is ready (or failed).
(function () {
  "use strict";
  var card = document.querySelector(".ai-summary");
  if (!card || card.dataset.status !== "pending") { return; }
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.status !== "pending") { window.location.reload(); }
        else if (tries < 60) { setTimeout(poll, 3000); }
      });
  }
  setTimeout(poll, 3000);
})();
