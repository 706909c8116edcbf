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

  // Said before the first paint, so that main.css gives what scripts show later their place
  // from the start (this toggle, the login page's passkey button): appearing only after the
  // page is drawn, they would push what follows them down.
  root.setAttribute("data-scripted", "");
  if (window.PublicKeyCredential && navigator.credentials) root.setAttribute("data-passkeys", "");

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
      try {
        if (isTheme(theme)) window.localStorage.setItem(KEY, theme);
        else window.localStorage.removeItem(KEY);
      } catch (e) {
        // Not remembered, but this page still changes.
      }
      if (isTheme(theme)) root.setAttribute("data-theme", theme);
      else root.removeAttribute("data-theme"); // "automatic": the device's preference
      // The button pressed is hidden now: keep the keyboard's place on the first one shown.
      var shown = Array.prototype.filter.call(toggle.querySelectorAll("button"), function (b) {
        return b.offsetParent !== null;
      });
      if (shown.length) shown[0].focus();
    });
  });
})();
