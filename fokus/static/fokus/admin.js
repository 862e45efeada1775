/* Fokus's frame around Django's admin (templates/admin/base_site.html). A change list that
   scrolls must be reachable by keyboard and named for a screen reader (WCAG 2.1.1; axe:
   scrollable-region-focusable): Django's own markup stays as it is. A file, not an inline
   script: the Content Security Policy runs Fokus's own script files only (docs/csp.md). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var results = document.querySelector("#changelist-form .results");
  var heading = document.querySelector("#content h1");
  if (results) {
    results.tabIndex = 0;
    results.setAttribute("role", "region");
    results.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
  }
});
