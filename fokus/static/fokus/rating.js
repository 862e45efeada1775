/* The family rating screen: one person at a time, lines set by pointer, keyboard
   or screen reader; every submission kept on this device until the server has it.
   A submission's key is its step's key (data-key, given by the server): a second
   press, a reload or a retry of the same step never stores a second rating.
   On the family screen (data-service-worker) a service worker keeps the page and its
   files, so that a reload or a tablet waking up without network still shows the screen;
   the steps the server confirmed are remembered here too (SAVED), so that such a copy
   of the page opens at the next person and not at a step already saved. */
(function () {
  "use strict";
  var app = document.getElementById("rating-app");
  if (!app) { return; }
  var strings = JSON.parse(document.getElementById("rating-strings").textContent);
  /* Each person's step is in their own language: its words come from its section's. */
  var byLanguage = document.getElementById("rating-strings-by-language");
  byLanguage = byLanguage ? JSON.parse(byLanguage.textContent) : {};
  function wordsFor(element) {
    var section = element && element.closest ? element.closest("[data-lang]") : null;
    return (section && byLanguage[section.dataset.lang]) || strings;
  }
  var submitUrl = app.dataset.submitUrl;
  var csrf = app.dataset.csrf;
  var showNumbers = app.dataset.showNumbers === "1";
  var STORE = "fokus-pending-ratings";
  var SAVED = "fokus-saved-steps";
  var CACHE = "fokus-family-screen";

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fmt(v) { return (Math.round(v * 10) / 10).toFixed(1); }
  /* A value as the person reads it: with their language's decimal mark ("8,9"). */
  function shown(v, element) { return fmt(v).replace(".", wordsFor(element).decimal || "."); }

  /* ---- the 10 cm line ---- */
  function setLine(line, value) {
    value = Math.min(10, Math.max(0, Math.round(value * 10) / 10));
    line.dataset.value = fmt(value);
    line.setAttribute("aria-valuenow", fmt(value));
    line.setAttribute("aria-valuetext", wordsFor(line).valuetext.replace("%(value)s", shown(value, line)));
    var marker = line.querySelector(".vas-marker");
    marker.hidden = false;
    marker.style.left = (value * 10) + "%";
    var number = line.closest(".vas-item").querySelector(".vas-number");
    if (number && showNumbers) { number.textContent = shown(value, line); }
    clearErrorIfComplete(line.closest(".step"));
  }
  function fromPointer(line, event) {
    var rect = line.getBoundingClientRect();
    setLine(line, (event.clientX - rect.left) / rect.width * 10);
  }
  document.querySelectorAll(".vas-line").forEach(function (line) {
    line.addEventListener("pointerdown", function (event) {
      if (line.getAttribute("aria-disabled") === "true") { return; }
      event.preventDefault();
      line.focus();
      line.setPointerCapture(event.pointerId);
      fromPointer(line, event);
    });
    line.addEventListener("pointermove", function (event) {
      if (line.hasPointerCapture(event.pointerId)) { fromPointer(line, event); }
    });
    line.addEventListener("pointerup", function (event) {
      if (line.hasPointerCapture(event.pointerId)) {
        fromPointer(line, event);
        line.releasePointerCapture(event.pointerId);
      }
    });
    line.addEventListener("keydown", function (event) {
      if (line.getAttribute("aria-disabled") === "true") { return; }
      var now = line.dataset.value ? parseFloat(line.dataset.value) : 0;
      var steps = {ArrowRight: 0.1, ArrowUp: 0.1, ArrowLeft: -0.1, ArrowDown: -0.1,
                   PageUp: 1, PageDown: -1};
      if (event.key in steps) { setLine(line, now + steps[event.key]); }
      else if (event.key === "Home") { setLine(line, 0); }
      else if (event.key === "End") { setLine(line, 10); }
      else { return; }
      event.preventDefault();
    });
  });

  /* ---- the queue kept on this device ---- */
  function pending() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function keep(list) { localStorage.setItem(STORE, JSON.stringify(list)); }
  function savedKeys() {
    try { return JSON.parse(localStorage.getItem(SAVED) || "[]"); } catch (e) { return []; }
  }
  function rememberSaved(key) {
    var list = savedKeys().filter(function (k) { return k !== key; });
    list.push(key);
    try { localStorage.setItem(SAVED, JSON.stringify(list.slice(-50))); } catch (e) { /* full */ }
  }
  function sectionOf(entry) {
    var found = null;
    document.querySelectorAll(".step[data-key]").forEach(function (section) {
      if (section.dataset.key === entry.key && entry.url === submitUrl) { found = section; }
    });
    return found;
  }
  function statusOf(entry, word, state, extra) {
    /* word: the key of the words to show, in the step's own language. */
    var section = sectionOf(entry);
    if (section) {
      var status = section.querySelector(".step-status");
      status.textContent = wordsFor(section)[word] + (extra ? " " + extra : "");
      status.dataset.state = state;
    }
    updateOverall();
  }
  /* ---- the graph after rating: the person's own, and the family's at the end ---- */
  function loadGraph(box) {
    if (!box || !box.dataset.graphUrl || box.dataset.loading) { return; }
    box.dataset.loading = "1";
    fetch(box.dataset.graphUrl, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { box.innerHTML = html; box.dataset.loaded = "1"; }
    }).catch(function () { /* no network: the graph comes with the next saved rating */ })
      .then(function () { delete box.dataset.loading; });
  }
  function loadFamilyGraph() {
    var end = document.querySelector(".step-end");
    if (!end || end.hidden || pending().length) { return; }
    var box = end.querySelector(".family-graph");
    if (box && !box.dataset.loaded) { loadGraph(box); }
  }
  function updateOverall() {
    loadFamilyGraph();
    var overall = document.querySelector(".overall-status");
    if (!overall) { return; }
    var waiting = pending().length > 0;
    if (!waiting && overall.dataset.onlyWhenPending && !overall.dataset.state) { return; }
    var words = wordsFor(overall);
    overall.textContent = waiting ? words.waiting : words.saved;
    overall.dataset.state = waiting ? "waiting" : "saved";
  }
  var sending = false;
  function sendAll() {
    if (sending) { return; }
    var list = pending();
    if (!list.length) { updateOverall(); return; }
    sending = true;
    var chain = Promise.resolve();
    list.forEach(function (entry) {
      chain = chain.then(function () { return sendOne(entry); });
    });
    chain.then(function () { sending = false; updateOverall(); });
  }
  function lock(section) {
    /* The step is given: its answers can no longer change, and "Done" is gone. */
    section.dataset.submitted = "1";
    section.querySelectorAll(".vas-line").forEach(function (l) { l.setAttribute("aria-disabled", "true"); });
    section.querySelectorAll(".vas-item input, .faces input").forEach(function (i) { i.disabled = true; });
    var done = section.querySelector(".step-done");
    if (done) { done.hidden = true; }
    section.querySelector(".step-next").hidden = false;
  }
  function reopen(entry) {
    /* A refused answer can be corrected: the step opens again. */
    var section = sectionOf(entry);
    if (!section) { return; }
    delete section.dataset.submitted;
    section.querySelectorAll(".vas-line").forEach(function (l) { l.removeAttribute("aria-disabled"); });
    section.querySelectorAll(".vas-item input, .faces input").forEach(function (i) { i.disabled = false; });
    var done = section.querySelector(".step-done");
    if (done) { done.hidden = false; }
    section.querySelector(".step-next").hidden = true;
  }
  function drop(key) { keep(pending().filter(function (e) { return e.key !== key; })); }
  var inFlight = {};
  function sendOne(entry) {
    if (inFlight[entry.key]) { return Promise.resolve(); }
    inFlight[entry.key] = true;
    return fetch(entry.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({key: entry.key, screen: entry.screen, step: entry.step,
                           answers: entry.answers})
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          drop(entry.key);
          if (app.dataset.serviceWorker) { rememberSaved(entry.key); }
          statusOf(entry, body.already ? "already" : "saved", "saved");
          var section = sectionOf(entry);
          if (section) { loadGraph(section.querySelector(".step-graph")); }
        });
      } else if (response.status >= 400 && response.status < 500) {
        return response.json().catch(function () { return {errors: []}; }).then(function (body) {
          drop(entry.key);
          statusOf(entry, "refused", "refused", (body.errors || []).join(" "));
          reopen(entry);
        });
      } else {
        statusOf(entry, "waiting", "waiting");
      }
    }).catch(function () {
      statusOf(entry, "waiting", "waiting");
    }).then(function () { delete inFlight[entry.key]; });
  }
  window.addEventListener("online", sendAll);
  window.setInterval(sendAll, 3000);

  /* ---- one person at a time ---- */
  function answersOf(section) {
    if (section.dataset.kind === "pictorial") {
      return Array.prototype.map.call(section.querySelectorAll("fieldset.faces"), function (set) {
        var chosen = set.querySelector("input:checked");
        return chosen ? chosen.value : null;
      });
    }
    return Array.prototype.map.call(section.querySelectorAll(".vas-line"), function (line) {
      return line.dataset.value || null;
    });
  }
  function restore(section, answers) {
    /* After a reload: the answers still kept on this device, as they were given. */
    if (section.dataset.kind === "pictorial") {
      section.querySelectorAll("fieldset.faces").forEach(function (set, i) {
        set.querySelectorAll("input").forEach(function (input) {
          input.checked = input.value === String(answers[i]);
        });
      });
    } else {
      section.querySelectorAll(".vas-line").forEach(function (line, i) {
        if (answers[i] !== null && answers[i] !== undefined) { setLine(line, parseFloat(answers[i])); }
      });
    }
  }
  function clearErrorIfComplete(section) {
    /* An error goes away as soon as what it asked for is done. */
    var error = section && section.querySelector(".step-error");
    if (error && error.textContent && answersOf(section).indexOf(null) === -1) {
      error.textContent = "";
    }
  }
  document.querySelectorAll(".faces input").forEach(function (input) {
    input.addEventListener("change", function () { clearErrorIfComplete(input.closest(".step")); });
  });
  function focusOn(element) {
    if (!element) { return; }
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }
  document.querySelectorAll(".step-done").forEach(function (button) {
    var section = button.closest(".step");
    button.addEventListener("click", function () {
      if (section.dataset.submitted) { return; }  /* a second press of the same step */
      var answers = answersOf(section);
      var error = section.querySelector(".step-error");
      if (answers.indexOf(null) !== -1) { error.textContent = wordsFor(section).markAll; return; }
      error.textContent = "";
      lock(section);
      var key = section.dataset.key || uuid4();
      var list = pending();
      var entry = list.filter(function (e) { return e.key === key; })[0];
      if (!entry) {
        entry = {url: submitUrl, screen: app.dataset.screen || "", key: key,
                 step: parseInt(section.dataset.step, 10), answers: answers};
        list.push(entry); keep(list);
      }
      var status = section.querySelector(".step-status");
      status.textContent = wordsFor(section).sending;
      status.dataset.state = "sending";
      /* The button is gone: the focus goes to what happened (sending, saved or waiting),
         and from its "Next" button on to the next person's heading. */
      focusOn(status);
      sendOne(entry).then(updateOverall);
    });
  });
  /* A step saved before a reload, or still kept on this device, is given already. */
  document.querySelectorAll(".step[data-saved]").forEach(lock);
  pending().forEach(function (entry) {
    var section = sectionOf(entry);
    if (!section || section.dataset.submitted) { return; }
    restore(section, entry.answers);
    lock(section);
    statusOf(entry, "waiting", "waiting");
  });
  /* Steps the server confirmed since this copy of the page was made (a reload without
     network shows the copy kept by the service worker). */
  if (app.dataset.serviceWorker) {
    var confirmed = savedKeys();
    var steps = Array.prototype.slice.call(app.querySelectorAll(".step[data-key]"));
    steps.forEach(function (section) {
      if (confirmed.indexOf(section.dataset.key) === -1 || section.dataset.saved) { return; }
      lock(section);
      var status = section.querySelector(".step-status");
      status.textContent = wordsFor(section).already;
      status.dataset.state = "saved";
    });
    var open = app.querySelector(".step:not([hidden])");
    if (open && open.dataset.key && confirmed.indexOf(open.dataset.key) !== -1) {
      var waitingKeys = pending().map(function (e) { return e.key; });
      var next = steps.filter(function (s) {
        return !s.dataset.saved && confirmed.indexOf(s.dataset.key) === -1;
      })[0] || steps.filter(function (s) { return waitingKeys.indexOf(s.dataset.key) !== -1; })[0]
        || app.querySelector(".step-end");
      open.hidden = true;
      next.hidden = false;
    }
  }
  document.querySelectorAll(".step .next").forEach(function (button) {
    button.addEventListener("click", function () {
      var section = button.closest(".step");
      var next = section.nextElementSibling;
      while (next && !next.classList.contains("step")) { next = next.nextElementSibling; }
      if (!next) { return; }
      section.hidden = true;
      next.hidden = false;
      window.scrollTo(0, 0);
      var heading = next.querySelector("h1");
      if (heading) { heading.focus(); }
      updateOverall();
    });
  });
  /* The screen opens with the focus on its first heading. */
  var first = app.querySelector(".step:not([hidden]) h1");
  var active = document.activeElement;
  if (first && (!active || active === document.body || active === document.getElementById("main"))) {
    focusOn(first);
  }

  /* ---- offline: the family screen's page and files kept on the tablet ---- */
  if (app.dataset.serviceWorker && "serviceWorker" in navigator && window.caches) {
    var servedByWorker = !!navigator.serviceWorker.controller;  /* this page came through it */
    navigator.serviceWorker.register(app.dataset.serviceWorker, {scope: app.dataset.screenUrl})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return caches.open(CACHE); })
      .then(function (cache) {
        var files = Array.prototype.map.call(
          document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]"),
          function (e) { return e.href || e.src; });
        var kept = files.map(function (file) {
          return cache.match(file).then(function (hit) { return hit || cache.add(file); });
        });
        /* The page itself: the service worker keeps each copy it serves; the first page of
           the hand-over came before it, so that one is asked for once more. */
        if (!servedByWorker) {
          kept.push(fetch(app.dataset.screenUrl, {credentials: "same-origin"}).then(function (response) {
            if (response.ok && !response.redirected) { return cache.put(app.dataset.screenUrl, response); }
          }));
        }
        return Promise.all(kept);
      })
      .then(function () { app.dataset.offlineReady = "1"; })
      .catch(function () { /* no service worker: the queue still keeps the answers */ });
  } else if (!app.dataset.screen && navigator.serviceWorker && window.caches) {
    /* The caseworker's page after the screen: the screen's copy is forgotten. */
    caches.delete(CACHE).catch(function () {});
    try { localStorage.removeItem(SAVED); } catch (e) { /* nothing kept */ }
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      registrations.forEach(function (r) {
        if (/\/ratings\/screen\/$/.test(new URL(r.scope).pathname)) { r.unregister(); }
      });
    }).catch(function () {});
  }
  sendAll();
})();
