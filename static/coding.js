/* Coding selected words on a record's page (progressive enhancement of the sentence form).
 *
 * The text is shown in runs (<span data-at>) whose text, joined, is the record's body; marks'
 * labels sit outside the runs. A selection, or words typed into "Words to code", becomes a
 * passage: its place is counted in Unicode code points (JavaScript strings count UTF-16 units,
 * so a character outside the Basic Multilingual Plane, an emoji, counts two here and one
 * there) and posted to the API with the page's CSRF token. The passages are then read again.
 */
(function () {
  "use strict";

  var form = document.getElementById("coding-form");
  var region = document.getElementById("coding-text");
  if (!form || !region || !window.fetch) { return; }

  var words = document.getElementById("coding-words");
  var occurrenceGroup = document.getElementById("coding-occurrence-group");
  var occurrence = document.getElementById("coding-occurrence");
  var occurrenceHint = document.getElementById("coding-occurrence-hint");
  var button = document.getElementById("coding-selection-button");
  var status = document.getElementById("coding-status");
  var chosen = null; // {start, end, text} in UTF-16 units of the body, from the last selection

  function runs() {
    return Array.prototype.slice.call(region.querySelectorAll("span[data-at]"));
  }

  function bodyText() {
    return runs().map(function (run) { return run.textContent; }).join("");
  }

  function codePoints(text) {
    return Array.from(text).length;
  }

  /* Where a selection's edge falls in the body, in UTF-16 units. An edge outside a run (on a
   * label, or between elements) moves to the nearest run's edge: forward for a start,
   * back for an end. */
  function place(node, offset, isEnd) {
    var all = runs(), before = 0, i, run;
    var point = document.createRange();
    point.setStart(node, offset);
    for (i = 0; i < all.length; i += 1) {
      run = all[i];
      if (run.contains(node) && node.nodeType === Node.TEXT_NODE) {
        return before + offset;
      }
      var length = run.textContent.length;
      if (!isEnd && point.comparePoint(run, 0) >= 0) { return before; }
      if (isEnd && point.comparePoint(run, run.childNodes.length) > 0) { return before; }
      before += length;
    }
    return before;
  }

  /* The passage without the spaces a selection often takes with it. */
  function trimmed(body, start, end) {
    while (start < end && /\s/.test(body.charAt(start))) { start += 1; }
    while (end > start && /\s/.test(body.charAt(end - 1))) { end -= 1; }
    return start < end ? { start: start, end: end, text: body.slice(start, end) } : null;
  }

  function fromSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return null; }
    var range = selection.getRangeAt(0);
    if (!region.contains(range.startContainer) || !region.contains(range.endContainer)) {
      return null;
    }
    var body = bodyText();
    return trimmed(body, place(range.startContainer, range.startOffset, false),
      place(range.endContainer, range.endOffset, true));
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("coding-status--error", !!isError);
  }

  document.addEventListener("selectionchange", function () {
    var found = fromSelection();
    if (found) {
      chosen = found;
      words.value = found.text;
      occurrenceGroup.hidden = true;
    }
  });

  /* The passage to code: the selection, or the words typed (the n-th time they appear). */
  function passage() {
    var body = bodyText(), text = words.value;
    if (chosen && chosen.text === text && body.slice(chosen.start, chosen.end) === text) {
      return chosen;
    }
    if (!text.trim()) {
      throw new Error("Select words in the text, or type the words to code.");
    }
    text = text.trim();
    var places = [], at = body.indexOf(text);
    while (at !== -1) { places.push(at); at = body.indexOf(text, at + 1); }
    if (places.length === 0) {
      throw new Error("Words to code: “" + text + "” is not in the text.");
    }
    var which = 1;
    if (places.length > 1) {
      occurrenceGroup.hidden = false;
      occurrenceHint.textContent = "The words appear " + places.length +
        " times: say which, from 1 to " + places.length + ".";
      which = parseInt(occurrence.value, 10);
      if (!(which >= 1 && which <= places.length)) {
        occurrence.focus();
        throw new Error("Which time: the words appear " + places.length +
          " times; say which, from 1 to " + places.length + ".");
      }
    }
    var start = places[which - 1];
    return { start: start, end: start + text.length, text: text };
  }

  function errorMessage(answer) {
    var error = answer && answer.error;
    if (!error) { return "The passage could not be coded."; }
    var fields = error.fields || {};
    var named = Object.keys(fields).map(function (key) { return key + ": " + fields[key]; });
    return named.length ? named.join("; ") : error.message;
  }

  /* Read the page again and put its new text, passages, indicators (coding with an indicator
     the record lacked adds it) and form values in place. */
  function refresh() {
    return fetch(form.getAttribute("data-page"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("Coded, but the page could not be read again: reload it."); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["record-indicators", "coding-text", "coded-passages-list"].forEach(function (id) {
          var old = document.getElementById(id), now = fresh.getElementById(id);
          if (old && now) { old.innerHTML = now.innerHTML; }
        });
        var text = fresh.querySelector("#coding-form input[name=text]");
        if (text) { form.querySelector("input[name=text]").value = text.value; }
      });
  }

  function codeSelection() {
    var found, code = form.querySelector("#code").value;
    try {
      found = passage();
    } catch (problem) {
      say(problem.message, true);
      return;
    }
    if (!code) {
      say("Code: choose a code.", true);
      form.querySelector("#code").focus();
      return;
    }
    var body = bodyText();
    var payload = {
      start: codePoints(body.slice(0, found.start)),
      end: codePoints(body.slice(0, found.end)),
      text: found.text,
      codes: [code],
      memo: form.querySelector("#memo").value || null
    };
    var token = document.querySelector("meta[name=csrf-token]").getAttribute("content");
    button.disabled = true;
    say("Coding…", false);
    fetch(form.getAttribute("data-excerpts"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.status !== 201) { throw new Error(errorMessage(answer)); }
        return refresh().then(function () {
          chosen = null;
          words.value = "";
          occurrence.value = "";
          occurrenceGroup.hidden = true;
          form.querySelector("#memo").value = "";
          say("Coded: “" + answer.text + "”.", false);
        });
      });
    }).catch(function (problem) {
      say(problem.message, true);
    }).then(function () {
      button.disabled = false;
    });
  }

  button.addEventListener("click", codeSelection);
  words.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { // the words, not the sentences, are what is meant
      event.preventDefault();
      codeSelection();
    }
  });
  occurrence.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      codeSelection();
    }
  });
  words.addEventListener("input", function () { occurrenceGroup.hidden = true; });

  Array.prototype.forEach.call(form.querySelectorAll("[data-coding-js]"), function (part) {
    part.hidden = false;
  });
  var sentences = document.getElementById("coding-sentences");
  if (sentences && !sentences.querySelector(".error-message")) {
    sentences.open = false; // words are the way in with a script; sentences stay a click away
  }
}());
