// Onboarding: preselect the browser's timezone when the user has not chosen one yet.
(function () {
  "use strict";
  var form = document.querySelector("form[data-guess-timezone]");
  if (!form || !window.Intl) return;
  var select = form.querySelector("select[name=timezone]");
  var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !guess || select.value !== "UTC") return;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === guess) {
      select.value = guess;
      return;
    }
  }
})();
