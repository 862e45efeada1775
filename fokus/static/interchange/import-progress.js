// The import page's progress bar (issue 13): polls the job's status until it is done.
// No inline script (the Content Security Policy); the figures and the sentence come from
// the server, in the user's language.
(function () {
  "use strict";
  var box = document.querySelector(".import-progress");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("import-bar");
  var text = document.getElementById("import-text");
  var url = box.dataset.statusUrl;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { window.setTimeout(poll, 5000); return; }
        bar.value = status.percent;
        bar.textContent = status.percent + " %";
        if (text.textContent !== status.text) { text.textContent = status.text; }
        text.dataset.state = status.state;
        if (status.finished) { box.dataset.finished = "true"; return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
