// The editor, made livelier: a live preview (beside the form on wide screens, a Write /
// Preview tab on narrow ones), autosave every few seconds while the text changes, and a
// warning before leaving with changes not yet saved. Without JavaScript the form works as
// it is: the Preview button opens a preview page, and only the buttons save.
"use strict";

const WIDE = "(min-width: 64rem)";
const PREVIEW_DEBOUNCE_MS = 800;
const PREVIEW_MIN_INTERVAL_MS = 3000; // within the preview's rate limit while typing
const AUTOSAVE_DEBOUNCE_MS = 2000;
const AUTOSAVE_MAX_WAIT_MS = 10000; // saves at least this often while typing goes on
const SAVED_FIELDS = ["title", "content", "tags", "summary"];

// The form's text for the preview and autosave: everything but the cover picture, which
// only a button sends (it can be megabytes, and neither needs it).
function formText(form) {
  const body = new FormData(form);
  body.delete("cover");
  return body;
}

// --- Preview ---------------------------------------------------------------------------

function setUpPreview(form, button, pane) {
  let lastShown = null;

  // The server renders and cleans the Markdown exactly as it does for the post page.
  async function render() {
    const body = formText(form);
    const response = await fetch(button.dataset.preview, { method: "POST", body, credentials: "same-origin" });
    // A post too long to preview (400) or too many previews (429) come as a preview
    // saying so, shown in its place; any other failure is a whole page.
    const shown = response.ok || response.status === 400 || response.status === 429;
    const html = shown ? await response.text() : "";
    const preview = new DOMParser().parseFromString(html, "text/html").querySelector(".preview__body");
    if (!preview) {
      throw new Error(`preview failed: ${response.status}`);
    }
    pane.querySelector(".preview__body").replaceWith(preview);
    lastShown = form.elements.content.value;
  }

  // As the author types: at most one request in flight, and not too often.
  let timer = null;
  let running = false;
  let lastRun = 0;
  function schedule(delay = PREVIEW_DEBOUNCE_MS) {
    clearTimeout(timer);
    const wait = Math.max(delay, lastRun + PREVIEW_MIN_INTERVAL_MS - Date.now());
    timer = setTimeout(async () => {
      if (running) {
        schedule();
        return;
      }
      if (form.elements.content.value === lastShown) {
        return;
      }
      running = true;
      lastRun = Date.now();
      try {
        await render();
      } catch (error) {
        // A live preview that failed stays as it was; the Preview button tries again.
      } finally {
        running = false;
      }
    }, wait);
  }

  return { render, schedule };
}

// --- Write / Preview tabs on narrow screens ------------------------------------------------

function setUpLayout(editor, pane, preview) {
  const tablist = editor.querySelector("[role=tablist]");
  const tabs = Array.from(tablist.querySelectorAll("[role=tab]"));
  const panels = tabs.map((tab) => document.getElementById(tab.getAttribute("aria-controls")));
  const wide = window.matchMedia(WIDE);

  function select(index, focus = false) {
    tabs.forEach((tab, i) => {
      const selected = i === index;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
    });
    if (focus) {
      tabs[index].focus();
    }
    if (panels[index] === pane) {
      preview.schedule(0);
    }
  }

  function arrange() {
    editor.classList.add("editor--live");
    if (wide.matches) {
      tablist.hidden = true;
      panels.forEach((panel) => {
        panel.hidden = false;
        panel.removeAttribute("role");
        panel.removeAttribute("aria-labelledby");
        panel.removeAttribute("tabindex");
      });
    } else {
      tablist.hidden = false;
      panels.forEach((panel, i) => {
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", tabs[i].id);
        panel.tabIndex = 0;
      });
      select(Math.max(0, tabs.findIndex((tab) => tab.getAttribute("aria-selected") === "true")));
    }
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(index));
    tab.addEventListener("keydown", (event) => {
      const last = tabs.length - 1;
      const moves = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last };
      if (event.key in moves) {
        event.preventDefault();
        select(moves[event.key], true);
      }
    });
  });
  wide.addEventListener("change", arrange);
  arrange();

  return {
    showPreview() {
      if (!wide.matches) {
        select(tabs.findIndex((tab) => tab.getAttribute("aria-controls") === pane.id));
      }
    },
  };
}

// --- Autosave and the leave warning ----------------------------------------------------------

function setUpAutosave(form) {
  const status = document.getElementById("autosave-status");
  // The sentences come from the page (posts/create_post.html), with {name}s to fill in.
  const message = (key, values = {}) =>
    status.dataset[key].replace(/\{(\w+)\}/g, (gap, name) => (name in values ? values[name] : gap));
  const postId = form.elements.post_id;
  const fields = SAVED_FIELDS.map((name) => form.elements[name]).filter(Boolean);
  const snapshot = () => JSON.stringify(fields.map((field) => field.value));
  let saved = snapshot();
  let submitting = false;
  let timer = null;
  let firstUnsavedAt = null;
  let saving = false;

  const unsaved = () => snapshot() !== saved;

  async function save() {
    clearTimeout(timer);
    if (!form.dataset.autosave || !unsaved()) {
      return;
    }
    if (saving) {
      timer = setTimeout(save, AUTOSAVE_DEBOUNCE_MS);
      return;
    }
    saving = true;
    const sent = snapshot();
    const body = formText(form);
    body.set("id", postId ? postId.value : "");
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const answer = await response.json().catch(() => null);
      if (!response.ok || !answer || answer.error) {
        const reason =
          answer && answer.error ? answer.error.message : message("messageAnswered", { status: response.status });
        status.textContent = message("messageRefused", { reason });
        return;
      }
      saved = sent;
      firstUnsavedAt = unsaved() ? Date.now() : null;
      // From now on every save (autosave or a button) goes to this draft, not a new one.
      if (postId) {
        postId.value = answer.id;
      }
      form.action = answer.edit_url;
      if (window.location.pathname !== answer.edit_url) {
        window.history.replaceState(null, "", answer.edit_url);
      }
      // The time of day in the account's time zone, as every date the author's pages show,
      // not the browser's: said by the server, in a <time> holding the instant.
      const time = document.createElement("time");
      time.dateTime = answer.saved_at;
      time.textContent = answer.saved_time;
      const [before, after = ""] = status.dataset.messageSaved.split("{time}");
      status.replaceChildren(before, time, after);
    } catch (error) {
      status.textContent = message("messageOffline");
    } finally {
      saving = false;
    }
  }

  function changed() {
    if (!form.dataset.autosave) {
      return;
    }
    clearTimeout(timer);
    firstUnsavedAt = firstUnsavedAt || Date.now();
    const waited = Date.now() - firstUnsavedAt;
    timer = setTimeout(save, waited >= AUTOSAVE_MAX_WAIT_MS ? 0 : AUTOSAVE_DEBOUNCE_MS);
  }

  fields.forEach((field) => field.addEventListener("input", changed));
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && unsaved()) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });
  // Back from the post page in the history: the form may be sent again.
  window.addEventListener("pageshow", () => {
    submitting = false;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-preview]");
  const pane = document.getElementById("preview");
  const editor = document.querySelector("[data-editor]");
  if (!button || !pane || !editor) {
    return;
  }
  const form = button.form;
  const preview = setUpPreview(form, button, pane);
  const layout = setUpLayout(editor, pane, preview);
  setUpAutosave(form);

  form.elements.content.addEventListener("input", () => preview.schedule());
  if (form.elements.content.value) {
    preview.schedule(0);
  }
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    layout.showPreview();
    try {
      await preview.render();
    } catch (error) {
      form.requestSubmit(button); // fall back to the preview page
    }
  });
});
