// Applies the saved colour theme before the first paint. Loaded synchronously in <head>
// (an external file, so a strict CSP with script-src 'self' allows it). "system" (the default)
// leaves data-theme unset and the CSS follows prefers-color-scheme.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var theme = null;
  try {
    theme = window.localStorage.getItem("billfold-theme");
  } catch (e) {
    theme = null; // storage blocked: follow the system
  }
  if (theme === "light" || theme === "dark") {
    root.setAttribute("data-theme", theme);
  }
})();
