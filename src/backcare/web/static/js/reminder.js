// Sitting reminder: every N minutes (30 by default, kept in this browser) a notification when the
// browser allows it, otherwise an in-page alert. Keeps working while the tab stays open.
(function () {
  "use strict";
  var form = document.querySelector(".reminder-form");
  if (!form) return;
  var every = form.querySelector("#every");
  var start = form.querySelector(".reminder-start");
  var stop = form.querySelector(".reminder-stop");
  var status = form.querySelector(".reminder-status");
  var alertBox = document.querySelector(".reminder-alert");
  var dismiss = document.querySelector(".reminder-dismiss");
  var handle = null;
  form.hidden = false;
  // The page comes with the person's saved default; a value chosen in this browser wins.
  var saved = parseInt(localStorage.getItem("backcare.reminder.minutes") || "", 10);
  if (saved >= 5 && saved <= 180) every.value = saved;
  function remind() {
    var text = "Time to get up and move for a minute or two.";
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("backcare", { body: text }); } catch (e) { /* fall through to the page */ }
    }
    alertBox.hidden = false;
  }
  function begin() {
    var minutes = Math.min(180, Math.max(5, parseInt(every.value, 10) || 30));
    every.value = minutes;
    localStorage.setItem("backcare.reminder.minutes", String(minutes));
    clearInterval(handle);
    handle = setInterval(remind, minutes * 60000);
    start.disabled = true;
    stop.disabled = false;
    status.textContent = "Reminders on: every " + minutes + " minutes while this page is open.";
  }
  start.addEventListener("click", function () {
    begin();
    // Ask once for notifications; until (or unless) they are allowed, the in-page alert is used.
    if ("Notification" in window && Notification.permission === "default") {
      try { Notification.requestPermission(); } catch (e) { /* older browsers: in-page alert only */ }
    }
  });
  stop.addEventListener("click", function () {
    clearInterval(handle);
    handle = null;
    start.disabled = false;
    stop.disabled = true;
    status.textContent = "Reminders off.";
  });
  dismiss.addEventListener("click", function () { alertBox.hidden = true; });
  window.backcareReminder = { fire: remind };
})();
