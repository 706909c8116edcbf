// The reader's colour theme. Loaded in <head> without defer, so a visitor's chosen theme is
// on <html> before the first paint: no flash of the other one. An account's theme comes
// from the server (data-theme on <html>) and its toggle posts to it; a visitor's is kept in
// this browser's localStorage, and the toggle (hidden without this script) switches it here.
(function () {
  "use strict";
  var KEY = "theme";
  var root = document.documentElement;

  function isTheme(value) {
    return value === "light" || value === "dark";
  }

  if (!root.hasAttribute("data-theme")) {
    try {
      var stored = window.localStorage.getItem(KEY);
      if (isTheme(stored)) root.setAttribute("data-theme", stored);
    } catch (e) {
      // Storage refused (private mode, blocked): the system's preference stands.
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("form[data-theme-toggle=browser]");
    if (!toggle) return;
    toggle.hidden = false;
    toggle.addEventListener("submit", function (event) {
      event.preventDefault();
      var theme = event.submitter && event.submitter.value;
      if (!isTheme(theme)) return;
      root.setAttribute("data-theme", theme);
      try {
        window.localStorage.setItem(KEY, theme);
      } catch (e) {
        // Not remembered, but this page still changes.
      }
      // The button pressed is hidden now: keep the keyboard's place on the one shown.
      var other = toggle.querySelector("button:not([value=" + theme + "])");
      if (other) other.focus();
    });
  });
})();
