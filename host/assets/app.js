// ImmCase pages work without this script; it only makes them nicer:
// a Menu button that folds the sidebar on a phone, a question before a
// destructive form is sent, no double posts from impatient clicks,
// record pickers: a text input marked `data-record-pick="applicant case"`
// (the host's pages and modules' alike) offers the records found as one
// types, and picking one sends `applicant:{id}` or `case:{id}` under the
// input's name. Without the script it stays a plain text input. And a
// part of a page with an id marked `data-live="on"` (the search index's
// rebuild in Settings → Search) is fetched again from the same page every
// second until the fresh copy is no longer marked so; the rest of the
// page, and what was typed in it, is left alone. A code field's line
// numbers grow as lines are typed. Passkeys are added and used through the
// browser's WebAuthn (see the passkey forms below).
(function () {
  "use strict";

  var body = document.body;
  var menu = document.querySelector(".menu-button");
  if (menu && body.classList.contains("app")) {
    body.classList.add("has-menu");
    menu.hidden = false;
    menu.addEventListener("click", function () {
      var open = body.classList.toggle("menu-open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // The profile drawer closes when a click lands elsewhere or Escape is pressed.
  var drawer = document.querySelector(".profile-drawer");
  if (drawer) {
    document.addEventListener("click", function (event) {
      if (drawer.open && !drawer.contains(event.target)) {
        drawer.open = false;
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.open) {
        drawer.open = false;
        drawer.querySelector("summary").focus();
      }
    });
  }

  // Coming back to a page from the history re-enables its forms.
  window.addEventListener("pageshow", function () {
    var sent = document.querySelectorAll("form[data-sent]");
    for (var i = 0; i < sent.length; i++) {
      delete sent[i].dataset.sent;
      var buttons = sent[i].querySelectorAll("button[type=submit]");
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].disabled = false;
      }
    }
  });

  var pickers = document.querySelectorAll("input[data-record-pick]");
  for (var p = 0; p < pickers.length; p++) {
    recordPicker(pickers[p], p);
  }

  function recordPicker(input, n) {
    var kinds = input.getAttribute("data-record-pick").trim().split(/\s+/).join(",");
    var name = input.name;
    var list = document.createElement("ul");
    list.id = "record-pick-" + n;
    list.className = "record-pick";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.insertAdjacentElement("afterend", list);
    var chosen = document.createElement("input");
    chosen.type = "hidden";
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      active = i;
      for (var k = 0; k < list.children.length; k++) {
        list.children[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
      }
    }
    function pick(i) {
      var hit = items[i];
      input.value = hit.subtitle ? hit.title + " · " + hit.subtitle : hit.title;
      // The record travels under the input's name; the text shown does not.
      chosen.name = name;
      chosen.value = hit.kind + ":" + hit.id;
      input.removeAttribute("name");
      if (!chosen.parentNode) {
        input.insertAdjacentElement("afterend", chosen);
      }
      input.setAttribute("data-picked", chosen.value);
      close();
    }
    function show(hits) {
      items = hits;
      list.textContent = "";
      for (var i = 0; i < hits.length; i++) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("data-ref", hits[i].kind + ":" + hits[i].id);
        var title = document.createElement("strong");
        title.textContent = hits[i].title;
        option.appendChild(title);
        if (hits[i].subtitle) {
          var small = document.createElement("small");
          small.textContent = " " + hits[i].subtitle;
          option.appendChild(small);
        }
        option.addEventListener("mousedown", (function (k) {
          return function (event) {
            event.preventDefault();
            pick(k);
          };
        })(i));
        list.appendChild(option);
      }
      list.hidden = hits.length === 0;
      input.setAttribute("aria-expanded", hits.length ? "true" : "false");
      mark(-1);
    }
    input.addEventListener("input", function () {
      // Typing again after a pick is free text again.
      if (chosen.parentNode) {
        chosen.parentNode.removeChild(chosen);
        input.name = name;
        input.removeAttribute("data-picked");
      }
      window.clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) {
        show([]);
        return;
      }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        var url = "/api/v1/search?limit=8&kinds=" + encodeURIComponent(kinds) +
          "&q=" + encodeURIComponent(q);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (found) {
            if (mine === asked) {
              show(found.items || []);
            }
          })
          .catch(function () { show([]); });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        mark(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 100);
    });
  }

  var live = document.querySelectorAll("[data-live='on'][id]");
  for (var l = 0; l < live.length; l++) {
    followLive(live[l].id);
  }

  function followLive(id) {
    window.setTimeout(function () {
      fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var shown = document.getElementById(id);
          if (html === null || !shown) {
            return;
          }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
          if (!fresh) {
            return;
          }
          // The region stays (so it is announced); its content is replaced.
          shown.innerHTML = fresh.innerHTML;
          shown.setAttribute("data-live", fresh.getAttribute("data-live") || "off");
          if (fresh.getAttribute("data-live") === "on") {
            followLive(id);
          }
        })
        // A network hiccup: try again.
        .catch(function () { followLive(id); });
    }, 1000);
  }

  // A code field's numbered gutter (drawn by the server for the text it
  // sent) grows with the lines typed, and so does its textarea.
  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches(".code-field textarea")) {
      return;
    }
    var gutter = area.parentNode.querySelector(".gutter");
    var wanted = area.value.split("\n").length + 2;
    while (gutter && gutter.children.length < wanted) {
      var line = document.createElement("li");
      line.textContent = String(gutter.children.length + 1);
      gutter.appendChild(line);
    }
    if (area.rows < wanted) {
      area.rows = wanted;
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A form's own script took this submission (a passkey asked for first).
    if (event.defaultPrevented) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.sent === "yes") {
      event.preventDefault();
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
      form.dataset.sent = "yes";
      // Disabled once the browser has taken the form's data: a disabled
      // button's name and value (say confirm_duplicates=yes) are not sent.
      window.setTimeout(function () {
        var buttons = form.querySelectorAll("button[type=submit]");
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].disabled = true;
        }
      }, 0);
    }
  });

  // Passkeys. A form marked `data-passkey="add"` (My Profile) or
  // `data-passkey="sign-in"` (the second step of signing in) first asks the
  // browser for a passkey with the options the API gives, puts the
  // authenticator's answer (JSON, bytes as base64url) in its `credential`
  // field, and then is sent as usual; the page that comes back says how it
  // went. Without the script or passkey support the button stays hidden.
  function fromBase64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var raw = window.atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) {
      return null;
    }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function askServer(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "immcase" },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Error((body.error && body.error.message) || "the server answered " + response.status);
        }
        return body;
      });
    });
  }

  function withBuffers(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: fromBase64url(c.id), transports: c.transports };
    });
  }

  function addPasskey() {
    return askServer("/api/v1/me/second-factor/passkeys/options").then(function (options) {
      var key = options.publicKey;
      key.challenge = fromBase64url(key.challenge);
      key.user.id = fromBase64url(key.user.id);
      key.excludeCredentials = withBuffers(key.excludeCredentials);
      return navigator.credentials.create({ publicKey: key });
    }).then(function (made) {
      return {
        id: made.id,
        rawId: toBase64url(made.rawId),
        type: made.type,
        extensions: made.getClientExtensionResults(),
        response: {
          attestationObject: toBase64url(made.response.attestationObject),
          clientDataJSON: toBase64url(made.response.clientDataJSON),
          transports: made.response.getTransports ? made.response.getTransports() : [],
        },
      };
    });
  }

  function usePasskey() {
    return askServer("/api/v1/auth/second-factor/passkey/options").then(function (options) {
      var key = options.publicKey;
      key.challenge = fromBase64url(key.challenge);
      key.allowCredentials = withBuffers(key.allowCredentials);
      return navigator.credentials.get({ publicKey: key });
    }).then(function (got) {
      return {
        id: got.id,
        rawId: toBase64url(got.rawId),
        type: got.type,
        extensions: got.getClientExtensionResults(),
        response: {
          authenticatorData: toBase64url(got.response.authenticatorData),
          clientDataJSON: toBase64url(got.response.clientDataJSON),
          signature: toBase64url(got.response.signature),
          userHandle: toBase64url(got.response.userHandle),
        },
      };
    });
  }

  var passkeyForms = document.querySelectorAll("form[data-passkey]");
  if (window.PublicKeyCredential && navigator.credentials) {
    Array.prototype.forEach.call(passkeyForms, function (form) {
      var button = form.querySelector("[data-passkey-button]");
      var problem = form.querySelector("[data-passkey-problem]");
      var unsupported = form.querySelector("[data-passkey-unsupported]");
      var field = form.querySelector("input[name=credential]");
      if (unsupported) {
        unsupported.hidden = true;
      }
      button.hidden = false;
      form.addEventListener("submit", function (event) {
        if (field.value) {
          return;
        }
        event.preventDefault();
        button.disabled = true;
        problem.hidden = true;
        var asked = form.getAttribute("data-passkey") === "add" ? addPasskey() : usePasskey();
        asked.then(function (answer) {
          field.value = JSON.stringify(answer);
          form.submit();
        }).catch(function (error) {
          button.disabled = false;
          var said = error && error.name === "NotAllowedError"
            ? "No passkey was used: it was cancelled, or took too long. Try again."
            : "The passkey did not work: " + ((error && error.message) || error);
          problem.textContent = said;
          problem.hidden = false;
        });
      });
    });
  }
})();
