/* The record page (insights/record.html): "Copy the journal text" copies the Danish
   journal text for the case system and says so in the status line. A file, not an inline
   script: the Content Security Policy runs Fokus's own script files only (docs/csp.md). */
(function () {
  "use strict";
  var button = document.getElementById("copy-journal");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var area = document.getElementById("journal-text");
    function done() { document.getElementById("copy-status").textContent = button.dataset.copied; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(done);
    } else { area.focus(); area.select(); document.execCommand("copy"); done(); }
  });
})();
