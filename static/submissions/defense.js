/* The public defense. The countdown runs from the server's timestamps (data- attributes): once loaded it needs no
 * network. The score sheet keeps each change on the phone (localStorage, one key per user, edition and group) until
 * the server confirms it, and sends what is waiting when the connection returns. Labels: the page's (df-labels). */
(function () {
  "use strict";

  var labels = document.getElementById("df-labels"), L = labels ? JSON.parse(labels.textContent) : {};

  // --- Countdown: the device's clock only measures the time elapsed since the server's "now".
  document.querySelectorAll("[data-countdown]").forEach(function (node) {
    var endsAt = Date.parse(node.getAttribute("data-ends-at"));
    var skew = Date.parse(node.getAttribute("data-now")) - Date.now();
    if (isNaN(endsAt) || isNaN(skew)) return;
    function tick() {
      var left = Math.round((endsAt - (Date.now() + skew)) / 1000), abs = Math.abs(left);
      node.textContent = (left < 0 ? "+" : "") + Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
      node.setAttribute("data-phase", left < 0 ? "over" : left <= 60 ? "last" : "on");
      node.title = left < 0 ? L.over : "";
    }
    tick();
    setInterval(tick, 500);
  });

  // --- The projector reloads when the chair starts or stops a turn; offline it keeps counting.
  var screen = document.body.dataset;
  if (screen.pollUrl && window.fetch) {
    setInterval(function () {
      fetch(screen.pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && data.key && data.key !== screen.screenKey) location.reload(); })
        .catch(function () { /* offline: the countdown goes on */ });
    }, 5000);
  }

  // --- Questions: a presentation clicker (arrows, page keys) goes to the next or previous question.
  document.addEventListener("keydown", function (event) {
    var rel = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev" }[event.key];
    var link = rel && !event.target.closest("input, select, textarea") && document.querySelector("a[rel=" + rel + "]");
    if (link) location.href = link.href;
  });

  // --- Score sheet
  var forms = document.querySelectorAll("form.df-scores");
  if (!forms.length || !window.fetch) return;
  var FIRST_RETRY_MS = 3000, LAST_RETRY_MS = 60000, storage = null;
  try { storage = window.localStorage; } catch (e) { /* private mode: the scores are still sent */ }

  function scoresOf(card) {
    var scores = {};
    card.form.querySelectorAll("select[name]").forEach(function (select) {
      scores[select.name.slice(1)] = select.value === "" ? null : select.value;
    });
    return scores;
  }

  function readLocal(card) {
    try {
      var entry = storage && JSON.parse(storage.getItem(card.key));
      return entry && entry.scores ? entry : null;
    } catch (e) { return null; }
  }

  function writeLocal(card, scores) {
    try {
      if (storage) storage.setItem(card.key, JSON.stringify({ scores: scores, at: new Date().toISOString() }));
    } catch (e) { /* storage full: the scores are still in the page */ }
  }

  function dropLocal(card, scores) {
    var entry = readLocal(card); // changed meanwhile: keep the newer scores
    if (storage && entry && JSON.stringify(entry.scores) === JSON.stringify(scores)) storage.removeItem(card.key);
  }

  function show(card, state, text) {
    card.state.setAttribute("data-state", state);
    card.state.textContent = text;
  }

  function keepOnPhone(card) {
    show(card, "local", L.local);
    clearTimeout(card.retry);
    card.retry = setTimeout(send, card.delay, card);
    card.delay = Math.min(card.delay * 2, LAST_RETRY_MS);
  }

  function send(card) {
    clearTimeout(card.retry);
    var scores = scoresOf(card);
    writeLocal(card, scores);
    if (card.busy) {
      card.again = true; // sent once the request on its way is answered
      return;
    }
    if (navigator.onLine === false) return keepOnPhone(card);
    card.busy = true;
    show(card, "saving", L.saving);
    fetch(card.form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": card.csrf },
      body: JSON.stringify({ scores: scores }),
    })
      .then(function (response) {
        var done = function (data) { handle(card, scores, response.status, data); };
        return response.json().then(done, function () { done(null); });
      }, function () { keepOnPhone(card); }) // offline, or the network dropped
      .then(function () {
        var again = card.again;
        card.busy = card.again = false;
        if (again) send(card); // changed while this one was on its way
      });
  }

  function handle(card, scores, code, data) {
    if (code === 200 && data && data.status === "saved") {
      card.delay = FIRST_RETRY_MS;
      dropLocal(card, scores);
      show(card, "saved", L.saved);
    } else if (code === 401 || (code < 300 && !data)) {
      show(card, "login", L.login);
    } else if (code >= 500 || code === 429) {
      keepOnPhone(card);
    } else {
      if (code === 400) dropLocal(card, scores); // refused as it is: sending it again would not help
      show(card, "error", L.error.replace("{message}", (data && data.message) || code));
    }
  }

  var cards = Array.prototype.map.call(forms, function (form) {
    var card = { form: form, key: form.getAttribute("data-key"), state: form.querySelector("[data-role=state]"),
      csrf: form.querySelector("[name=csrfmiddlewaretoken]").value, delay: FIRST_RETRY_MS };
    form.addEventListener("change", function () { send(card); });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(card); });
    var waiting = readLocal(card); // kept here last time and never confirmed: shown, then sent
    if (waiting) {
      form.querySelectorAll("select[name]").forEach(function (select) {
        var value = waiting.scores[select.name.slice(1)];
        if (value !== undefined) select.value = value === null ? "" : value;
      });
      send(card);
    }
    return card;
  });

  window.addEventListener("online", function () {
    cards.forEach(function (card) { if (readLocal(card)) send(card); });
  });
})();
