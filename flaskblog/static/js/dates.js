// Dates in the reader's own time zone on pages made for anyone (flaskblog/dates.py): the
// server writes them in UTC, says so, and marks them data-local="date" or "datetime"; here
// each becomes the browser's local date (or date and time), or "3 hours ago" within the last
// week, with the exact local date and time in its title. Logged-in readers' pages are
// already in their account's time zone and carry no data-local.
"use strict";

(function () {
  const elements = document.querySelectorAll("time[data-local]");
  // Making the formatters loads the browser's locale data, a long task on a slow phone: not
  // on a page with no date to show (the login page).
  if (elements.length === 0) {
    return;
  }
  const RECENT_DAYS = 7;
  const UNITS = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  const language = document.documentElement.lang || "en";
  // The page's own words for a moment ago (the script element carries them: layout.html).
  const justNow = document.currentScript.dataset.justNow;
  const dateFormat = new Intl.DateTimeFormat(language, {
    year: "numeric",
    month: "long",
    day: "numeric",
  });
  const exactFormat = new Intl.DateTimeFormat(language, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
  const relativeFormat = new Intl.RelativeTimeFormat(language, { numeric: "always" });

  function timeAgo(date, now) {
    const seconds = Math.floor((now - date) / 1000);
    if (seconds < 0 || seconds >= RECENT_DAYS * 86400) {
      return null;
    }
    for (const [unit, length] of UNITS) {
      if (seconds >= length) {
        return relativeFormat.format(-Math.floor(seconds / length), unit);
      }
    }
    return justNow;
  }

  function localise(element, now) {
    const date = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) {
      return;
    }
    const exact = exactFormat.format(date);
    const shown = element.dataset.local === "datetime" ? exact : dateFormat.format(date);
    element.textContent = timeAgo(date, now) || shown;
    element.title = exact;
    delete element.dataset.local;
  }

  const now = Date.now();
  for (const element of elements) {
    localise(element, now);
  }
})();
