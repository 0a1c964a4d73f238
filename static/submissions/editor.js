/* Section editor over the plain form: autosaved, never losing text. Each change is kept in localStorage (user,
 * section, base version) until the server confirms that exact text. A 409 opens the merge view. Labels: the page's. */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form.ws-editor");
  var labels = document.getElementById("ws-labels");
  if (!labels || !window.fetch || !document.execCommand) return;
  var L = JSON.parse(labels.textContent);
  var AUTOSAVE_MS = 3000, FIRST_RETRY_MS = 5000, LAST_RETRY_MS = 300000, KEEPALIVE_LIMIT = 60000; // 64 KB max
  var editors = [];
  var decoder = document.createElement("textarea");
  var storage = null, WORD = /[^\s.,;:!?()«»"]+/g;
  try {
    storage = window.localStorage; // before WORD: old engines throw on \p
    WORD = new RegExp("[\\p{L}\\p{N}_]+(?:['\u2019\\-][\\p{L}\\p{N}_]+)*", "gu"); // as the server
  } catch (e) {
    /* no storage, or an old engine */
  }

  // Closed workspace: text this device never sent is shown (read only, to copy) and kept.
  document.querySelectorAll("[data-unsent-key]").forEach(function (text) {
    var entry = readLocal({ key: text.getAttribute("data-unsent-key") });
    if (!entry || entry.html === text.innerHTML) return;
    var box = document.createElement("div");
    box.className = text.className;
    box.setAttribute("data-testid", "unsent");
    box.innerHTML = entry.html;
    var note = document.createElement("p");
    note.className = "small text-warning-emphasis mt-2 mb-1";
    note.textContent = L.unsent;
    text.after(note, box);
  });
  if (!forms.length) return;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return values[name] == null ? all : values[name]; });
  }

  // --- The copy kept here
  function readLocal(ed) {
    try {
      var entry = storage && JSON.parse(storage.getItem(ed.key));
      return entry && typeof entry.html === "string" ? entry : null;
    } catch (e) {
      return null;
    }
  }

  function writeLocal(ed) {
    try {
      var entry = { html: ed.area.innerHTML, base_version: ed.base, updated_at: new Date().toISOString() };
      if (storage) storage.setItem(ed.key, JSON.stringify(entry));
    } catch (e) {
      /* storage full: the text is still in the page */
    }
  }

  function dropLocal(ed) {
    if (storage) storage.removeItem(ed.key);
  }

  // --- State, words
  function show(ed, state, text) {
    ed.state.setAttribute("data-state", state);
    ed.state.textContent = text;
  }

  function updateWords(ed) {
    decoder.innerHTML = ed.area.innerHTML.replace(/<[^>]+>/g, " ");
    var count = (decoder.value.match(WORD) || []).length;
    ed.box.querySelector("[data-role=words]").textContent = count;
    ed.box.querySelector("[data-role=words-box]").classList.toggle("text-danger", ed.limit > 0 && count > ed.limit);
  }

  // --- Sending
  function csrfToken(form) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function isDirty(ed) {
    return ed.area.innerHTML !== ed.confirmed;
  }

  function schedule(ed, delay) {
    clearTimeout(ed.timer);
    ed.timer = setTimeout(save, delay, ed);
  }

  function save(ed, keepalive) {
    clearTimeout(ed.timer);
    if (ed.stopped || ed.conflict || !isDirty(ed)) return Promise.resolve();
    if (ed.busy) {
      ed.again = true;
      return ed.busy;
    }
    if (navigator.onLine === false) {
      keepOnDevice(ed);
      return Promise.resolve();
    }
    return send(ed, ed.area.innerHTML, ed.base, ed.offline ? "offline" : "typed", keepalive);
  }

  function send(ed, html, base, origin, keepalive) {
    show(ed, "saving", L.saving);
    var body = JSON.stringify({ html: html, base_version: base, origin: origin });
    ed.busy = fetch(ed.form.action, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive && body.length < KEEPALIVE_LIMIT,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken(ed.form) },
      body: body,
    })
      .then(function (response) {
        var code = response.status;
        return response.json().then(
          function (data) { handle(ed, html, code, data); },
          function () { handle(ed, html, code, null); }
        );
      }, function () {
        keepOnDevice(ed); // offline, or the network dropped
      })
      .then(finish, finish);
    function finish() {
      ed.busy = null;
      if (ed.again) {
        ed.again = false;
        schedule(ed, 0);
      }
    }
    return ed.busy;
  }

  function handle(ed, html, code, data) {
    if (code === 200 && data && data.status === "saved") {
      saved(ed, html, data);
    } else if (code === 409 && data && data.status === "conflict") {
      openMerge(ed, data);
    } else if (code === 423 && data) {
      ed.stopped = true;
      ed.area.contentEditable = "false";
      show(ed, "closed", fill(L.closed, { message: data.message }));
    } else if (code === 401 || (code < 300 && !data)) {
      show(ed, "login", L.login); // session ended: the text waits here
    } else if (code >= 500 || code === 429) {
      keepOnDevice(ed);
    } else {
      show(ed, "error", fill(L.error, { message: (data && data.message) || code }));
    }
  }

  function saved(ed, html, data) {
    ed.base = data.version;
    ed.confirmed = html;
    ed.offline = false;
    ed.delay = FIRST_RETRY_MS;
    clearTimeout(ed.retry);
    if (ed.area.innerHTML === html) {
      var entry = readLocal(ed); // another tab may have kept newer text under the same key
      if (!entry || entry.html === html) dropLocal(ed);
    } else {
      writeLocal(ed); // typed meanwhile: kept on the new base, sent next
      ed.again = true;
    }
    showMerge(ed, false);
    var name = String(data.saved_by_id) === ed.user ? L.you : data.saved_by || L.someone;
    show(ed, "saved", fill(L.saved, { time: data.saved_at_label, name: name }));
  }

  function keepOnDevice(ed) {
    ed.offline = true;
    writeLocal(ed);
    show(ed, "local", L.local);
    clearTimeout(ed.retry);
    ed.retry = setTimeout(save, ed.delay, ed);
    ed.delay = Math.min(ed.delay * 2, LAST_RETRY_MS);
  }

  // --- Merge view: theirs read only, beside ours (still editable)
  function showMerge(ed, on) {
    ed.merge.forEach(function (node) { node.hidden = !on; });
    ed.form.classList.toggle("ws-conflict", on);
  }

  function openMerge(ed, data) {
    ed.conflict = data;
    show(ed, "conflict", L.conflict);
    var name = data.their_author || L.someone;
    ed.merge[1].querySelector("[data-slot=title]").textContent = fill(L.theirs, { name: name, version: data.their_version });
    ed.merge[1].querySelector("[data-slot=html]").innerHTML = data.their_html; // sanitised by the server
    showMerge(ed, true);
  }

  function keep(ed, which) {
    var conflict = ed.conflict;
    if (!conflict || ed.busy) return;
    if (which === "theirs") ed.area.innerHTML = conflict.their_html;
    if (which === "both") ed.area.innerHTML = conflict.their_html + ed.area.innerHTML;
    ed.conflict = null;
    ed.base = conflict.their_version;
    writeLocal(ed);
    updateWords(ed);
    send(ed, ed.area.innerHTML, ed.base, "merged");
  }

  // --- Formatting
  function placeCaret(node, offset) {
    var range = document.createRange();
    range.setStart(node, offset);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function ask(ed, question, answer) {
    var selection = window.getSelection();
    var range = selection.rangeCount ? selection.getRangeAt(0).cloneRange() : null;
    var value = window.prompt(question, answer);
    ed.area.focus();
    if (range && ed.area.contains(range.commonAncestorContainer)) {
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return (value || "").trim();
  }

  function insertTable(ed, rows, cols) {
    // Built in the DOM: the browsers' insertHTML breaks a table typed inside a paragraph.
    var table = document.createElement("table");
    var body = table.appendChild(document.createElement("tbody"));
    for (var r = 0; r < rows; r++) {
      var row = body.appendChild(document.createElement("tr"));
      for (var c = 0; c < cols; c++) {
        row.appendChild(document.createElement(r ? "td" : "th")).appendChild(document.createElement("br"));
      }
    }
    var selection = window.getSelection();
    var block = selection.rangeCount ? selection.getRangeAt(0).startContainer : null;
    while (block && block.parentNode !== ed.area) block = block.parentNode;
    if (block && !block.textContent && !block.querySelector("img")) {
      ed.area.replaceChild(table, block);
    } else {
      ed.area.insertBefore(table, block ? block.nextSibling : null);
    }
    ed.area.insertBefore(document.createElement("p"), table.nextSibling).appendChild(document.createElement("br"));
    placeCaret(table.querySelector("th"), 0);
  }

  // --- Images: upload one, pick one of the group's, or give an address; inserted in its own paragraph
  function imageField(ed, role) {
    return ed.image.querySelector("[data-role=image-" + role + "]");
  }

  function imageState(ed, text, failed) {
    imageField(ed, "state").textContent = text;
    imageField(ed, "state").classList.toggle("text-danger", !!failed);
  }

  function sendImage(ed, body, done) {
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken(ed.form) };
    fetch(ed.form.getAttribute("data-images"), { method: body ? "POST" : "GET", body: body, headers: headers })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) throw new Error(data.error || fill(L.imageFailed, { message: response.status }));
          done(data);
        });
      }, function () { throw new Error(L.imageOffline); }) // offline: the text stays as it is
      .catch(function (error) { imageState(ed, error.message, true); });
  }

  function addThumb(ed, image, first) {
    var list = imageField(ed, "list"), button = document.createElement("button"), img = new Image();
    button.type = "button";
    button.className = "btn btn-outline-secondary p-1";
    button.setAttribute("data-src", (img.src = image.src));
    button.title = img.alt = image.name;
    list.insertBefore(button, first ? list.firstChild : null).appendChild(img);
  }

  function openImage(ed) {
    var selection = window.getSelection(), range = selection.rangeCount && selection.getRangeAt(0).cloneRange();
    ed.imageRange = range && ed.area.contains(range.commonAncestorContainer) ? range : null;
    ["file", "src", "alt"].forEach(function (role) { imageField(ed, role).value = ""; });
    imageField(ed, "list").textContent = "";
    imageState(ed, "");
    ed.image.showModal();
    sendImage(ed, null, function (data) { data.images.forEach(function (image) { addThumb(ed, image); }); });
  }

  function uploadImage(ed) {
    var input = imageField(ed, "file"), body = new FormData();
    if (!input.files.length) return;
    body.append("file", input.files[0]);
    input.value = "";
    imageState(ed, L.uploading);
    sendImage(ed, body, function (image) {
      addThumb(ed, image, true);
      imageField(ed, "src").value = image.src;
      imageState(ed, fill(L.uploaded, { name: image.name }));
    });
  }

  function insertImage(ed) {
    var src = imageField(ed, "src").value.trim(), para = document.createElement("p"), rest = para.cloneNode();
    if (!/^(https:\/\/.+|\/[^/].*)$/i.test(src)) return imageState(ed, L.image, true);
    var img = para.appendChild(new Image()), range = ed.imageRange, block = range && range.startContainer;
    img.setAttribute("src", src);
    img.alt = imageField(ed, "alt").value.trim();
    ed.image.close();
    ed.area.focus();
    while (block && block.parentNode !== ed.area) block = block.parentNode;
    if (block && /^(P|H2|H3)$/.test(block.nodeName)) {
      range.setEnd(block, block.childNodes.length); // at the caret: the rest of the line goes below the image
      rest.appendChild(range.extractContents());
    }
    if (!rest.textContent && !rest.querySelector("img")) rest.innerHTML = "<br>";
    if (block && !block.textContent && !block.querySelector("img")) ed.area.replaceChild(para, block);
    else ed.area.insertBefore(para, block ? block.nextSibling : null);
    placeCaret(ed.area.insertBefore(rest, para.nextSibling), 0);
    tidy(ed);
    changed(ed);
  }

  function tidy(ed) {
    // Chrome nests a list made in a paragraph inside it: take it out, keeping the caret.
    var selection = window.getSelection();
    var range = selection.rangeCount ? selection.getRangeAt(0) : null;
    var caret = range && [range.startContainer, range.startOffset];
    ed.area.querySelectorAll("p").forEach(function (p) {
      if (!p.querySelector("ul, ol, table, h2, h3, p")) return;
      while (p.firstChild) p.parentNode.insertBefore(p.firstChild, p);
      p.parentNode.removeChild(p);
      if (caret && ed.area.contains(caret[0])) placeCaret(caret[0], caret[1]);
    });
  }

  function command(ed, name) {
    if (name === "image" && ed.image.showModal) return openImage(ed);
    ed.area.focus();
    var value;
    if (name === "h2" || name === "h3" || name === "p") {
      var current = String(document.queryCommandValue("formatBlock")).toLowerCase();
      document.execCommand("formatBlock", false, "<" + (current === name ? "p" : name) + ">");
    } else if (name === "link") {
      value = ask(ed, L.link, "https://");
      if (/^(https?:\/\/.+|mailto:.+)$/i.test(value)) {
        if (window.getSelection().isCollapsed) {
          decoder.textContent = value;
          var text = decoder.innerHTML;
          document.execCommand("insertHTML", false, '<a href="' + text.replace(/"/g, "&quot;") + '">' + text + "</a>");
        } else {
          document.execCommand("createLink", false, value);
        }
      }
    } else if (name === "image") {
      value = ask(ed, L.image, "https://");
      if (/^(https:\/\/.+|\/[^/].*)$/i.test(value)) document.execCommand("insertImage", false, value);
    } else if (name === "table") {
      var size = ask(ed, L.table, "3 \u00d7 3").match(/(\d+)\D+(\d+)/);
      if (size) insertTable(ed, Math.min(Math.max(+size[1], 1), 30), Math.min(Math.max(+size[2], 1), 10));
    } else {
      document.execCommand(name, false, null);
    }
    tidy(ed);
    changed(ed);
  }

  // --- Wiring
  function changed(ed) {
    writeLocal(ed);
    updateWords(ed);
    if (!ed.conflict && !ed.stopped) schedule(ed, AUTOSAVE_MS);
  }

  function setup(form) {
    var source = form.querySelector("textarea[name=html]");
    var ed = {
      form: form,
      user: form.getAttribute("data-user"),
      key: "malisig:ws:" + form.getAttribute("data-user") + ":" + form.getAttribute("data-section"),
      base: parseInt(form.getAttribute("data-version"), 10) || 0,
      limit: parseInt(form.getAttribute("data-limit"), 10) || 0,
      box: form.closest("[data-section-box]") || form,
      state: form.querySelector(".ws-state"),
      delay: FIRST_RETRY_MS,
    };
    form.insertBefore(document.getElementById("ws-chrome").content.cloneNode(true), source);
    ed.merge = [".ws-merge", ".ws-theirs-pane", ".ws-mine-title"].map(function (s) { return form.querySelector(s); });
    var area = (ed.area = form.querySelector(".ws-area"));
    area.setAttribute("aria-labelledby", source.id.replace("html-", "label-"));
    area.innerHTML = source.value || "<p><br></p>";
    ed.confirmed = area.innerHTML;
    source.hidden = true;
    form.querySelector(".ws-nojs").hidden = true;
    ed.merge[0].addEventListener("click", function (event) {
      var button = event.target.closest("[data-keep]");
      if (button) keep(ed, button.getAttribute("data-keep"));
    });

    ed.image = form.querySelector(".ws-image");
    ed.image.addEventListener("click", function (event) {
      var button = event.target.closest("[data-src], [data-image]");
      if (button && button.hasAttribute("data-src")) imageField(ed, "src").value = button.getAttribute("data-src");
      else if (button && button.getAttribute("data-image") === "insert") insertImage(ed);
      else if (button) ed.image.close();
    });
    imageField(ed, "file").addEventListener("change", function () { uploadImage(ed); });

    var toolbar = form.querySelector(".ws-toolbar");
    toolbar.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the selection in the text
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-cmd]");
      if (button && !ed.stopped) command(ed, button.getAttribute("data-cmd"));
    });
    area.addEventListener("input", function () { changed(ed); });
    area.addEventListener("blur", function () { save(ed); });
    area.addEventListener("paste", function (event) {
      // Plain text only: office suites paste styling the server would drop anyway.
      var text = event.clipboardData && event.clipboardData.getData("text/plain");
      if (typeof text !== "string") return;
      event.preventDefault();
      document.execCommand("insertText", false, text);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save(ed);
    });
    return ed;
  }

  function restoreFromDevice(ed) {
    var entry = readLocal(ed);
    if (!entry) return;
    if (entry.html === ed.area.innerHTML) return dropLocal(ed);
    // Unsent text on its base version: if the server moved on, it answers 409 (unless the texts are equal).
    ed.area.innerHTML = entry.html;
    ed.base = parseInt(entry.base_version, 10) || 0;
    ed.offline = true;
    ed.form.querySelector(".ws-restored").hidden = false;
    updateWords(ed);
    save(ed);
  }

  function saveAll(keepalive) {
    return Promise.all(editors.map(function (ed) { return save(ed, keepalive); }));
  }

  document.execCommand("defaultParagraphSeparator", false, "p");
  document.execCommand("styleWithCSS", false, false);
  forms.forEach(function (form) { editors.push(setup(form)); });
  editors.forEach(restoreFromDevice);

  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") saveAll(true); });
  window.addEventListener("pagehide", function () { saveAll(true); });
  window.addEventListener("online", function () {
    editors.forEach(function (ed) {
      ed.delay = FIRST_RETRY_MS;
      save(ed);
    });
  });
  // The page's other forms (status, comments): send the text first, then leave.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("ws-editor") || !editors.some(isDirty) || navigator.onLine === false) return;
    event.preventDefault();
    var timeout = new Promise(function (resolve) { setTimeout(resolve, 4000); });
    Promise.race([saveAll(), timeout]).then(function () { form.submit(); });
  });
})();
