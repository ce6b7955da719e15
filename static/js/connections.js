// Connections page: "Sync now" without a reload, with a progress indicator that polls the
// status endpoint until the run is done; Plaid Link when it is configured.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(card, data) {
    var progress = data.progress || {};
    var box = card.querySelector("[data-role=progress]");
    var text = card.querySelector("[data-role=progress-text]");
    var running = progress.state === "running" || progress.state === "queued";
    box.hidden = !running;
    var button = card.querySelector("[data-role=sync-form] button");
    if (button) { button.disabled = running; }
    if (running) {
      text.textContent = progress.state === "queued"
        ? "Waiting for the worker…"
        : (progress.pages || 0) + " pages, " + (progress.fetched || 0) + " transactions read";
    }
    var status = card.querySelector("[data-role=status]");
    if (status && data.status_display) {
      status.textContent = data.status_display;
      status.classList.remove("ok", "warn", "bad");
      status.classList.add(
        data.status === "ok" ? "ok" : data.status === "pending_expiration" ? "warn" : "bad"
      );
    }
    // After a run the connection may need a sign-in (or no longer does): the message and
    // Reconnect follow the item without a reload.
    if ("needs_reconnect" in data) {
      card.querySelector("[data-role=reconnect]").hidden = !data.needs_reconnect;
      card.querySelector("[data-role=new-accounts]").hidden = !data.new_accounts_available;
      var message = card.querySelector("[data-role=message]");
      message.textContent = data.status_message || "";
      message.hidden = !data.status_message;
    }
    if (!running && data.last_run && data.last_synced_at) {
      card.querySelector("[data-role=last-run]").textContent =
        "Last synced just now: " + data.last_run.added + " added, " + data.last_run.modified +
        " updated, " + data.last_run.removed + " removed.";
    }
    if (progress.state === "failed" && progress.message) {
      card.querySelector("[data-role=last-run]").textContent = progress.message;
    }
    return running;
  }

  function poll(card) {
    fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (show(card, data)) { setTimeout(function () { poll(card); }, 1000); }
      })
      .catch(function () { setTimeout(function () { poll(card); }, 3000); });
  }

  document.querySelectorAll(".connection").forEach(function (card) {
    var form = card.querySelector("[data-role=sync-form]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(card, { progress: { state: "queued" } });
      fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      }).then(function () { poll(card); });
    });
    if (card.dataset.state === "running" || card.dataset.state === "queued") { poll(card); }
  });

  function post(url, body) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded" },
      credentials: "same-origin",
      body: new URLSearchParams(body || {}),
    }).then(function (r) { return r.json(); });
  }

  var plaidButton = document.getElementById("plaid-connect");

  // Reconnect a Plaid item: Link in update mode, then tell the server it is repaired.
  document.querySelectorAll("form[data-plaid-update]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!plaidButton || typeof window.Plaid === "undefined") { return; }
      event.preventDefault();
      post(plaidButton.dataset.tokenUrl, { item: form.dataset.plaidUpdate }).then(function (data) {
        if (!data.link_token) { alert(data.error || "Plaid Link could not start."); return; }
        window.Plaid.create({ token: data.link_token, onSuccess: function () { form.submit(); } }).open();
      });
    });
  });

  if (plaidButton) {
    plaidButton.addEventListener("click", function () {
      post(plaidButton.dataset.tokenUrl).then(function (data) {
        if (!data.link_token || typeof window.Plaid === "undefined") {
          alert(data.error || "Plaid Link could not load. Check your internet connection.");
          return;
        }
        window.Plaid.create({
          token: data.link_token,
          onSuccess: function (publicToken) {
            post(plaidButton.dataset.exchangeUrl, { public_token: publicToken }).then(function (r) {
              if (r.next) { window.location = r.next; } else { alert(r.error); }
            });
          },
        }).open();
      });
    });
  }
})();
