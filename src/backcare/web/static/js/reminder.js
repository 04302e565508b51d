// Sitting reminder: every N minutes (30 by default) while any backcare page is open. The next
// time is kept in this browser, so moving between pages does not reset it. It works without
// notification permission: a sound, a changed tab title and an alert fixed on screen wherever
// the page is scrolled; with permission it also shows a notification. The Prevent page says
// plainly which of the two it will do.
(function () {
  "use strict";
  if (window.backcareReminder) return;
  var KEY = "backcare.reminder";
  var TEXT = "Time to get up and move for a minute or two.";
  var alertBox = document.querySelector(".reminder-alert");
  var handle = null;
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function save(r) {
    try { if (r) localStorage.setItem(KEY, JSON.stringify(r)); else localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }
  function mode() {
    return window.backcareAlarm && window.backcareAlarm.notifications()
      ? "Reminders will show as notifications, and on this page with a sound."
      : "Reminders will show on this page with a sound (notifications are not allowed in this browser).";
  }
  function remind() {
    var r = load();
    if (!r) return;
    r.next = Date.now() + r.every * 60000;
    save(r);
    if (alertBox) {
      alertBox.hidden = false;
      var done = alertBox.querySelector(".reminder-dismiss");
      if (done) done.focus({ preventScroll: true });
    }
    window.backcareAlarm && window.backcareAlarm.ring("Time to move", TEXT);
    schedule();
  }
  function schedule() {
    clearTimeout(handle);
    var r = load();
    if (!r) return;
    // Several pages may be open: whichever wakes first reminds, the others see the new time.
    handle = setTimeout(function () {
      var now = load();
      if (now && Date.now() >= now.next - 500) remind(); else schedule();
    }, Math.max(0, r.next - Date.now()));
  }
  function begin(minutes) {
    save({ every: minutes, next: Date.now() + minutes * 60000 });
    try { localStorage.setItem("backcare.reminder.minutes", String(minutes)); } catch (e) { /* private mode */ }
    schedule();
  }
  function end() { save(null); clearTimeout(handle); handle = null; }
  if (alertBox) {
    alertBox.querySelector(".reminder-dismiss").addEventListener("click", function () {
      alertBox.hidden = true;
      window.backcareAlarm && window.backcareAlarm.quiet();
    });
  }
  window.addEventListener("storage", function (e) { if (e.key === KEY) schedule(); });
  schedule();

  // The controls on the Prevent page.
  var form = document.querySelector(".reminder-form");
  if (form) {
    var every = form.querySelector("#every");
    var start = form.querySelector(".reminder-start");
    var stop = form.querySelector(".reminder-stop");
    var status = form.querySelector(".reminder-status");
    form.hidden = false;
    // The page comes with the person's saved default; a value chosen in this browser wins.
    var saved = parseInt(localStorage.getItem("backcare.reminder.minutes") || "", 10);
    if (saved >= 5 && saved <= 180) every.value = saved;
    var show = function () {
      var r = load();
      start.disabled = !!r;
      stop.disabled = !r;
      status.textContent = r ? "Reminders on: every " + r.every + " minutes. " + mode() : "Reminders off.";
    };
    start.addEventListener("click", function () {
      var minutes = Math.min(180, Math.max(5, parseInt(every.value, 10) || 30));
      every.value = minutes;
      begin(minutes);
      show();
      // Ask once for notifications; until (or unless) they are allowed, the page alert is used.
      if ("Notification" in window && Notification.permission === "default") {
        try {
          var asked = Notification.requestPermission(function () { show(); });
          if (asked && asked.then) asked.then(show, show);
        } catch (e) { /* older browsers: page alert only */ }
      }
    });
    stop.addEventListener("click", function () { end(); show(); });
    show();
  }
  window.backcareReminder = { fire: remind, begin: begin, end: end };
})();
