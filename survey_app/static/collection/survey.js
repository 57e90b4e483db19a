// The citizen form's small helper: keeps a draft on the device, holds and retries a send
// while the connection is down, and sends the final answers exactly once (the server's
// unique submission id turns every repeat into the first receipt). Without this file the
// form works the same, page by page; with it, nothing typed is lost to a dropped connection.
(function () {
  "use strict";
  var DB = "survey-outbox";
  var STORE = "items";
  var SYNC_TAG = "survey-outbox";

  function draftKey(token) { return "survey-draft:" + token; }

  function readDraft(token) {
    try { return JSON.parse(localStorage.getItem(draftKey(token)) || "null"); } catch (e) { return null; }
  }

  function writeDraft(token, draft) {
    try { localStorage.setItem(draftKey(token), JSON.stringify(draft)); } catch (e) { /* private mode: no draft */ }
  }

  function clearDraft(token) {
    try { localStorage.removeItem(draftKey(token)); } catch (e) { /* nothing kept */ }
  }

  // ---- the outbox, shared with the service worker (outbox-worker.js) through IndexedDB
  function openOutbox() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function outbox(mode, work) {
    return openOutbox().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function queue(item) { return outbox("readwrite", function (s) { s.put(item); }).catch(function () {}); }
  function unqueue(id) { return outbox("readwrite", function (s) { s.delete(id); }).catch(function () {}); }

  // Background Sync (Android Chrome and desktop Chromium): the worker sends the queued answers
  // even after this tab is closed. It is registered while the page loads, because a worker
  // cannot be fetched once the line is down. Elsewhere the page's own retries are the only sender.
  var worker = null;

  function startWorker(workerUrl) {
    if (!("serviceWorker" in navigator) || !("SyncManager" in window) || !workerUrl) return;
    var scope = workerUrl.split("?")[0].replace(/[^/]*$/, "");
    worker = navigator.serviceWorker.register(workerUrl, { scope: scope })
      .then(function (registration) {
        return new Promise(function (resolve) {
          var starting = registration.installing || registration.waiting;
          if (registration.active || !starting) { resolve(registration); return; }
          starting.addEventListener("statechange", function () {
            if (starting.state === "activated") resolve(registration);
          });
        });
      })
      .catch(function () { return null; });
  }

  function requestSync() {
    if (!worker) return;
    worker.then(function (registration) {
      if (registration && registration.sync) return registration.sync.register(SYNC_TAG);
    }).catch(function () { /* the page retries alone */ });
  }

  // ---- form pages
  function questionFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.hasAttribute("data-meta") && el.type !== "submit" && el.type !== "button";
    });
  }

  function answersOf(form) {
    var answers = {};
    questionFields(form).forEach(function (el) {
      if (["submission_id", "started_at", "page", "lang", "kiosk", "csrf_token", "action"].indexOf(el.name) >= 0) return;
      if (!(el.name in answers)) answers[el.name] = [];
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") answers[el.name].push(el.value);
    });
    return answers;
  }

  function restore(form, answers) {
    var answeredHere = answersOf(form);
    questionFields(form).forEach(function (el) {
      if (el.type === "hidden" || !(el.name in answers)) return;
      if (answeredHere[el.name] && answeredHere[el.name].length) return; // the server's copy wins
      var kept = answers[el.name];
      if (el.type === "radio" || el.type === "checkbox") el.checked = kept.indexOf(el.value) >= 0;
      else el.value = kept[0] || "";
    });
  }

  function setupForm(form) {
    var token = form.getAttribute("data-draft-key");
    var sid = form.elements.submission_id;
    var message = document.getElementById("offline");
    // Not form.action: the buttons named "action" shadow that property.
    var url = new URL(form.getAttribute("action"), location.href).href;
    var draft = readDraft(token);
    // A reload of the first page gets a new submission id from the server: carry on with the
    // draft's instead. Never on a kiosk (the next citizen's fresh form), after a stale-page
    // notice, or from a draft older than an hour (a questionnaire someone walked away from).
    var here = answersOf(form);
    var fresh = form.elements.page.value === "0" && !form.elements.kiosk.value &&
      !document.querySelector(".notice:not(#offline)") &&
      !Object.keys(here).some(function (name) { return here[name].length; });
    if (draft && draft.sid !== sid.value && fresh && Date.now() - (draft.at || 0) < 3600000) {
      sid.value = draft.sid;
      // The server signs each form load for its own submission id: carry the draft's load too.
      if (draft.load) form.elements.started_at.value = draft.load;
    }
    if (draft && draft.sid === sid.value) restore(form, draft.answers);

    function save() {
      var previous = readDraft(token);
      var answers = previous && previous.sid === sid.value ? previous.answers : {};
      var here = answersOf(form);
      Object.keys(here).forEach(function (name) { answers[name] = here[name]; });
      writeDraft(token, {
        sid: sid.value, load: form.elements.started_at.value, answers: answers, at: Date.now()
      });
    }
    form.addEventListener("change", save);
    startWorker(form.getAttribute("data-worker"));
    form.addEventListener("input", save);

    function say(text) { message.textContent = text; message.hidden = false; }

    function retrying(attempt, send) {
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt));
      say(form.getAttribute("data-msg-offline"));
      var timer = setTimeout(go, delay);
      function go() {
        clearTimeout(timer);
        window.removeEventListener("online", go);
        say(form.getAttribute("data-msg-offline") + " " + form.getAttribute("data-msg-retrying"));
        send(attempt + 1);
      }
      window.addEventListener("online", go);
    }

    function submitNatively(submitter) {
      form.setAttribute("data-native", "1");
      form.requestSubmit(submitter);
    }

    // A page restored from the back-forward cache must be watched again.
    window.addEventListener("pageshow", function () { form.removeAttribute("data-native"); });
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-native")) return;
      var submitter = event.submitter;
      if (!submitter || !window.fetch) return;
      event.preventDefault();
      save();
      if (submitter.value !== "submit") {
        // Page changes stay ordinary form posts (history, Back); only check the line first.
        var probe = function (attempt) {
          fetch(form.getAttribute("data-probe"), { method: "HEAD", cache: "no-store" })
            .then(function () { submitNatively(submitter); })
            .catch(function () { retrying(attempt, probe); });
        };
        probe(0);
        return;
      }
      var body = new URLSearchParams(new FormData(form, submitter)).toString();
      var item = { id: sid.value, url: url, body: body };
      var send = function (attempt) {
        fetch(url, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }
        }).then(function (response) {
          unqueue(item.id);
          if (response.redirected && response.url.indexOf("/r/") > 0) {
            clearDraft(token);
            location.replace(response.url);
          } else {
            submitNatively(submitter); // errors to show: the server renders them again
          }
        }).catch(function () {
          if (attempt === 0) queue(item).then(requestSync);
          retrying(attempt, send);
        });
      };
      send(0);
    });
  }

  // ---- a kiosk's abandoned questionnaire: warn, then wipe it for the next citizen
  function setupIdle(form) {
    var seconds = Number(form.getAttribute("data-idle-seconds") || 0);
    if (!seconds) return;
    var warning = document.getElementById("kiosk-idle");
    var idle = null;
    var wipe = null;
    function arm() {
      clearTimeout(idle);
      clearTimeout(wipe);
      warning.hidden = true;
      idle = setTimeout(function () {
        warning.hidden = false;
        wipe = setTimeout(function () {
          clearDraft(form.getAttribute("data-draft-key"));
          location.replace(form.getAttribute("data-new-url"));
        }, Number(form.getAttribute("data-idle-warning")) * 1000);
      }, seconds * 1000);
    }
    // Not "scroll": showing the warning shifts the page, and the browser's scroll anchoring
    // would fire a scroll that hides it again. A finger on a tablet is a touchstart anyway.
    ["input", "change", "click", "keydown", "touchstart", "pointerdown"].forEach(function (type) {
      document.addEventListener(type, arm, { passive: true });
    });
    arm();
  }

  // ---- the receipt
  function setupReceipt(receipt) {
    clearDraft(receipt.getAttribute("data-draft-key"));
    var seconds = Number(receipt.getAttribute("data-kiosk-seconds") || 0);
    if (!seconds) return;
    var countdown = document.getElementById("kiosk-countdown");
    var stay = document.getElementById("kiosk-stay");
    countdown.hidden = false;
    stay.hidden = false;
    var timer = setTimeout(function () { location.replace(receipt.getAttribute("data-new-url")); }, seconds * 1000);
    stay.addEventListener("click", function () {
      clearTimeout(timer);
      countdown.hidden = true;
      stay.hidden = true;
    });
  }

  var form = document.getElementById("survey");
  if (form) { setupForm(form); setupIdle(form); }
  var receipt = document.getElementById("receipt");
  if (receipt) setupReceipt(receipt);
})();
