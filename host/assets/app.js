// ImmCase pages work without this script; it only makes them nicer:
// a Menu button that folds the sidebar on a phone, a question before a
// destructive form is sent, and no double posts from impatient clicks.
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

  document.addEventListener("submit", function (event) {
    var form = event.target;
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
})();
