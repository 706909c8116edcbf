// The editor's Preview button: show the rendered post below the form without leaving
// the page. Without JavaScript the button posts the form to the preview page instead.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-preview]");
  const pane = document.getElementById("preview");
  if (!button || !pane) {
    return;
  }
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    const body = new FormData(button.form);
    try {
      const response = await fetch(button.dataset.preview, { method: "POST", body, credentials: "same-origin" });
      // A post too long to preview (400) or too many previews (429) come as a preview
      // saying so, shown in its place; any other failure is a whole page.
      const shown = response.ok || response.status === 400 || response.status === 429;
      const html = shown ? await response.text() : "";
      const preview = new DOMParser().parseFromString(html, "text/html").querySelector(".preview__body");
      if (!preview) {
        throw new Error(`preview failed: ${response.status}`);
      }
      // The server renders and cleans the Markdown exactly as it does for the post page.
      pane.querySelector(".preview__body").replaceWith(preview);
      pane.hidden = false;
      pane.scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (error) {
      button.form.requestSubmit(button); // fall back to the preview page
    }
  });
});
