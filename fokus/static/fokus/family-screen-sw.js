/* The family screen's service worker: served from /ratings/screen/sw.js, so its scope is
   the family screen. Once the tablet is handed over, the screen's page (its latest copy
   from the server) and its styles and script are kept in a cache, and a reload without
   network shows them; the answers wait in the page's own queue (localStorage, each with
   its step's idempotency key) until the network returns. Only the family screen's page
   is kept: when the server no longer shows it (the screen was closed), the copy is
   forgotten. Nothing else is cached, and nothing is sent from here. */
"use strict";
var CACHE = "fokus-family-screen";
var SCREEN = new URL("./", self.registration.scope).pathname;  /* /ratings/screen/ */

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function forget() { return caches.delete(CACHE); }

self.addEventListener("message", function (event) {
  if (event.data === "forget") { event.waitUntil(forget()); }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === SCREEN) {
    /* The page: from the server when it answers (and kept), else the copy. */
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(SCREEN, copy); });
      } else if (response.redirected || response.type === "opaqueredirect") {
        forget();
      }
      return response;
    }, function () {
      return caches.match(SCREEN, {cacheName: CACHE}).then(function (copy) {
        return copy || Response.error();
      });
    }));
    return;
  }
  /* The screen's styles, script and icon: from the network, else the copy kept. */
  event.respondWith(fetch(request).catch(function () {
    return caches.match(request, {cacheName: CACHE}).then(function (copy) {
      return copy || Response.error();
    });
  }));
});
