// Images in the editor: paste or drop a picture into the content, or choose one with the
// "Add image" button; it is uploaded (POST /post/images) and its Markdown inserted where
// the cursor was. Progress and errors are said in the status line, which screen readers
// announce. Without JavaScript the button stays hidden and images are linked by hand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-image-upload]");
  const content = document.getElementById("content");
  if (!panel || !content) {
    return;
  }
  const button = panel.querySelector("[data-image-button]");
  const picker = panel.querySelector("[data-image-file]");
  const status = panel.querySelector("[data-image-status]");
  const token = content.form.querySelector("input[name=csrf_token]");

  // The sentences come from the page (posts/_image_upload.html), with {name}s to fill in.
  const message = (key, values = {}) =>
    panel.dataset[key].replace(/\{(\w+)\}/g, (gap, name) => (name in values ? values[name] : gap));

  const say = (text, isError = false) => {
    status.textContent = text;
    status.classList.toggle("image-upload__status--error", isError);
  };

  const insert = (markdown, at) => {
    // On a line of its own, so that Markdown shows it as a picture, not inside a word.
    const before = content.value.slice(0, at);
    const text = (before && !before.endsWith("\n") ? "\n" : "") + markdown + "\n";
    content.setRangeText(text, at, at, "end");
    content.dispatchEvent(new Event("input", { bubbles: true })); // preview and autosave
  };

  const upload = async (file, at) => {
    const name = file.name || message("messageUnnamed");
    say(message("messageUploading", { name }));
    const body = new FormData();
    body.append("image", file, file.name || "pasted-image.png");
    body.append("csrf_token", token ? token.value : "");
    let answer = null;
    try {
      const response = await fetch(panel.dataset.imageUpload, { method: "POST", body, credentials: "same-origin" });
      answer = await response.json().catch(() => null);
      if (!response.ok) {
        const reason =
          answer && answer.error ? answer.error.message : message("messageAnswered", { status: response.status });
        say(message("messageRefused", { name, reason }), true);
        return at;
      }
    } catch (error) {
      say(message("messageOffline", { name }), true);
      return at;
    }
    insert(answer.markdown, at);
    say(message("messageAdded"));
    return content.selectionEnd;
  };

  const uploadAll = async (files) => {
    const images = Array.from(files).filter((file) => file.type.startsWith("image/"));
    let at = content.selectionStart;
    for (const file of images) {
      at = await upload(file, at);
    }
    return images.length;
  };

  panel.hidden = false;
  button.addEventListener("click", () => picker.click());
  picker.addEventListener("change", async () => {
    await uploadAll(picker.files);
    picker.value = "";
    content.focus();
  });
  content.addEventListener("paste", (event) => {
    const files = event.clipboardData ? event.clipboardData.files : [];
    if (files.length && Array.from(files).some((file) => file.type.startsWith("image/"))) {
      event.preventDefault();
      uploadAll(files);
    }
  });
  content.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
    }
  });
  content.addEventListener("drop", (event) => {
    const files = event.dataTransfer ? event.dataTransfer.files : [];
    if (files.length) {
      event.preventDefault();
      content.focus();
      uploadAll(files);
    }
  });
});
