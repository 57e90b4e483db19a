// Background Sync for the citizen form (registered by survey.js only when a send failed).
// The browser wakes this worker when the connection returns, even after the tab was closed,
// and it posts each queued questionnaire once more. The server's unique submission id makes
// a repeat harmless: it answers with the first receipt and stores nothing new.
"use strict";
var DB = "survey-outbox";
var STORE = "items";

function openOutbox() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB, 1);
    request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function allItems(db) {
  return new Promise(function (resolve, reject) {
    var request = db.transaction(STORE).objectStore(STORE).getAll();
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function remove(db, id) {
  return new Promise(function (resolve) {
    var tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).delete(id);
    tx.oncomplete = resolve;
    tx.onerror = resolve;
  });
}

function deliver() {
  return openOutbox().then(function (db) {
    return allItems(db).then(function (items) {
      return Promise.all(items.map(function (item) {
        return fetch(item.url, {
          method: "POST", body: item.body, credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }
        }).then(function (response) {
          // A 5xx may pass: keep the item and let the browser retry the sync later.
          if (response.status >= 500) throw new Error("server error " + response.status);
          return remove(db, item.id);
        });
      }));
    });
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("sync", function (event) {
  if (event.tag === "survey-outbox") event.waitUntil(deliver());
});
