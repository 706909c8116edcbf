// Small help on every page, none of it needed to use the site.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  // After a form comes back with errors, take the keyboard (and a screen reader) to the
  // first of them rather than leave focus at the top of the page. Nothing has autofocus:
  // on a page without errors, focus stays where the reader expects it.
  var firstError = document.querySelector("form [aria-invalid=true], form .form__errors");
  if (firstError) {
    if (firstError.classList.contains("form__errors")) firstError.setAttribute("tabindex", "-1");
    firstError.focus();
  }

  // Code and tables wider than the column scroll inside it: let the keyboard reach them
  // to scroll them too.
  // The header's account menu is a <details>: it works without this. Escape closes it and
  // gives focus back to its toggle; a click elsewhere on the page closes it too.
  var menu = document.querySelector("details.account-menu");
  if (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  var wide = document.querySelectorAll(".post__body pre, .post__body table");
  Array.prototype.forEach.call(wide, function (block) {
    if (block.scrollWidth > block.clientWidth && !block.hasAttribute("tabindex")) {
      block.setAttribute("tabindex", "0");
    }
  });
});
