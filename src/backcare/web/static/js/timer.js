// Heat/cold timer. The end time is kept in this browser (localStorage), so the timer keeps
// running when the person moves to another page or reloads: a small bar at the top of every page
// shows the time left. Halfway it reminds to check the skin; at the end it rings (sound,
// vibration, tab title, a notification where allowed) and says clearly to take the pack off.
(function () {
  "use strict";
  if (window.backcareTimer) return;
  var KEY = "backcare.timer";
  var bar = document.querySelector(".timer-bar");
  var handle = null;
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function save(t) {
    try { if (t) localStorage.setItem(KEY, JSON.stringify(t)); else localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }
  function clock(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  var UP = "Time is up: take the pack off now. Wait until your skin looks and feels normal before another session.";
  var HALF = "Halfway: lift the pack and check your skin. Stop if it is very red, blistered or painful.";
  function boxes() { return document.querySelectorAll(".timer"); }
  function say(text) {
    if (!bar) return;
    var note = bar.querySelector(".timer-bar-note");
    note.textContent = text;
    note.hidden = !text;
    clearance();
    boxes().forEach(function (box) {
      var n = box.querySelector(".timer-alert");
      if (n) { n.textContent = text; n.hidden = !text; }
    });
  }
  // The bar is sticky at the top: what a page scrolls into view (#refused, #saved) keeps clear of it.
  function clearance() {
    var h = bar && !bar.hidden ? bar.offsetHeight : 0;
    document.documentElement.style.setProperty("--timer-bar-h", h + "px");
  }
  // At the end the bar offers to log the session just timed, instead of a stop button with
  // nothing left to stop.
  function offerLog(t) {
    if (!bar) return;
    var form = bar.querySelector(".timer-bar-log");
    bar.querySelector(".timer-bar-stop").hidden = !!t;
    if (!form) return;
    form.hidden = !t;
    if (!t) return;
    form.elements.action.value = t.action || "heat";
    form.elements.minutes.value = String(t.minutes);
    try { form.elements.tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    form.querySelector(".timer-bar-log-save").textContent = "Log this " + t.label.toLowerCase() + " session";
  }
  function paint(t) {
    var left = t ? t.end - Date.now() : 0;
    if (bar) {
      bar.hidden = !t;
      if (t) {
        bar.querySelector(".timer-bar-label").textContent = t.label;
        bar.querySelector(".timer-bar-time").textContent = clock(left);
      }
    }
    boxes().forEach(function (box) {
      var mine = t && t.label === box.dataset.label;
      var display = box.querySelector(".timer-display");
      display.textContent = clock(mine ? left : parseInt(box.dataset.minutes, 10) * 60000);
      box.querySelector(".timer-start").disabled = !!t;
      box.querySelector(".timer-stop").disabled = !mine;
    });
    clearance();
  }
  function tick() {
    var t = load();
    if (!t) { stopTicking(); paint(null); return; }
    var left = t.end - Date.now();
    if (!t.halfway && left <= t.minutes * 30000) {
      t.halfway = true;
      save(t);
      if (left > 0) say(HALF);
    }
    if (left <= 0) {
      save(null);
      stopTicking();
      paint(null);
      if (bar) {
        bar.hidden = false;
        bar.querySelector(".timer-bar-label").textContent = t.label;
        bar.querySelector(".timer-bar-time").textContent = "0:00";
      }
      offerLog(t);
      say(UP);
      window.backcareAlarm && window.backcareAlarm.ring(t.label + " timer: time is up", UP);
      return;
    }
    paint(t);
  }
  function startTicking() { if (!handle) handle = setInterval(tick, 1000); }
  function stopTicking() { clearInterval(handle); handle = null; }
  function start(label, minutes, action) {
    save({ label: label, minutes: minutes, action: action, end: Date.now() + minutes * 60000, halfway: false });
    offerLog(null);
    say("");
    window.backcareAlarm && window.backcareAlarm.quiet();
    tick();
    startTicking();
  }
  function stop(message) {
    save(null);
    offerLog(null);
    stopTicking();
    paint(null);
    window.backcareAlarm && window.backcareAlarm.quiet();
    if (message) {
      if (bar) bar.hidden = false;
      say(message);
    } else if (bar) {
      bar.hidden = true;
    }
    clearance();
  }
  boxes().forEach(function (box) {
    var minutes = parseInt(box.dataset.minutes, 10);
    var note = document.createElement("p");
    note.className = "timer-alert";
    note.setAttribute("role", "alert");
    note.hidden = true;
    box.appendChild(note);
    box.querySelector(".timer-display").hidden = false;
    box.querySelector(".timer-controls").hidden = false;
    box.querySelector(".timer-start").addEventListener("click", function () { start(box.dataset.label || "Heat", minutes, box.dataset.action || "heat"); });
    box.querySelector(".timer-stop").addEventListener("click", function () { stop("Timer stopped. Take the pack off if you are not using it."); });
  });
  if (bar) {
    bar.querySelector(".timer-bar-stop").addEventListener("click", function () {
      if (load()) stop("Timer stopped. Take the pack off if you are not using it.");
      else { stop(""); window.backcareAlarm && window.backcareAlarm.quiet(); }
    });
    var dismiss = bar.querySelector(".timer-bar-dismiss");
    if (dismiss) dismiss.addEventListener("click", function () { stop(""); });
  }
  // Another tab started or stopped the timer.
  window.addEventListener("storage", function (e) { if (e.key === KEY) { tick(); if (load()) startTicking(); } });
  if (load()) { tick(); startTicking(); } else { paint(null); }
  window.backcareTimer = { start: start, stop: stop, tick: tick };
})();
