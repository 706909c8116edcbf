// Passkeys (WebAuthn): adding one on the passkeys page, and "Sign in with a passkey" on the
// login page. Each asks the server for options (with a fresh challenge), hands them to the
// browser (navigator.credentials), and posts the browser's answer back as JSON. Without
// JavaScript, or in a browser without WebAuthn, the login button stays hidden and the
// password works as ever. The words come from the page: the element each part reads (the
// add-passkey section, the login box) carries them as data-message-* attributes.
"use strict";

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const byte of bytes) {
    text += String.fromCharCode(byte);
  }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(value) {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const text = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

// The CSRF token of a form on the page (every page with a passkey button has one).
function csrfToken() {
  const field = document.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

async function postJson(url, body, messages) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    const message = answer && answer.error && answer.error.message;
    throw new Error(message || messages.messageRefused || response.statusText);
  }
  return answer;
}

function descriptors(list) {
  return (list || []).map((item) => ({ ...item, id: fromBase64url(item.id) }));
}

function credentialJson(credential) {
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = toBase64url(response.attestationObject);
    json.response.transports = response.getTransports ? response.getTransports() : [];
  } else {
    json.response.authenticatorData = toBase64url(response.authenticatorData);
    json.response.signature = toBase64url(response.signature);
    if (response.userHandle) {
      json.response.userHandle = toBase64url(response.userHandle);
    }
  }
  return json;
}

// The browser said no: the person cancelled, or no passkey matched. Not the server's fault.
function browserMessage(error, messages) {
  if (error.name === "NotAllowedError") {
    return messages.messageCancelled || error.message;
  }
  if (error.name === "InvalidStateError") {
    return messages.messageAlreadyHere || error.message;
  }
  return error.message;
}

// --- Adding a passkey -----------------------------------------------------------------------

function setUpRegistration(section) {
  const form = section.querySelector("form");
  const status = section.querySelector(".passkey-status");
  const messages = section.dataset;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      status.textContent = messages.messageNameFirst;
      form.elements.name.focus();
      return;
    }
    const password = form.elements.current_password.value;
    if (!password) {
      status.textContent = messages.messagePasswordFirst;
      form.elements.current_password.focus();
      return;
    }
    status.textContent = messages.messageFollowSteps;
    try {
      const options = await postJson(section.dataset.options, { password }, messages);
      form.elements.current_password.value = "";
      options.challenge = fromBase64url(options.challenge);
      options.user.id = fromBase64url(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      let credential;
      try {
        credential = await navigator.credentials.create({ publicKey: options });
      } catch (error) {
        status.textContent = browserMessage(error, messages);
        return;
      }
      const answer = await postJson(
        section.dataset.register,
        { name, credential: credentialJson(credential) },
        messages,
      );
      window.location.assign(answer.redirect);
    } catch (error) {
      status.textContent = error.message;
    }
  });
}

// --- Logging in -------------------------------------------------------------------------------

function setUpLogin(box) {
  const button = box.querySelector("button");
  const status = box.querySelector(".passkey-status");
  const messages = box.dataset;
  box.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "";
    try {
      const options = await postJson(box.dataset.options, null, messages);
      options.challenge = fromBase64url(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      let credential;
      try {
        credential = await navigator.credentials.get({ publicKey: options });
      } catch (error) {
        status.textContent = browserMessage(error, messages);
        return;
      }
      const remember = document.querySelector('input[name="remember"]');
      const answer = await postJson(
        box.dataset.login,
        { credential: credentialJson(credential), remember: Boolean(remember && remember.checked) },
        messages,
      );
      window.location.assign(answer.redirect);
    } catch (error) {
      status.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
}

if (window.PublicKeyCredential && navigator.credentials) {
  const registration = document.getElementById("add-passkey");
  if (registration) {
    setUpRegistration(registration);
  }
  const login = document.getElementById("passkey-login");
  if (login) {
    setUpLogin(login);
  }
}
