// What a timer or reminder does when it goes off, whichever page is open: a short beep (WebAudio,
// no sound file), a vibration where the device has one, a changed tab title, and a notification
// when the person has allowed them. Each part is optional: a browser that blocks one still gets
// the others and the alert on the page.
(function () {
  "use strict";
  if (window.backcareAlarm) return;
  var ctx = null;
  var baseTitle = document.title;
  function audio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!ctx) { try { ctx = new Ctx(); } catch (e) { ctx = null; } }
    return ctx;
  }
  // Browsers only let a page make sound after a tap; a tap on any button unlocks it for later.
  document.addEventListener("click", function () {
    var c = audio();
    if (c && c.state === "suspended") { try { c.resume(); } catch (e) { /* stays silent */ } }
  }, { capture: true });
  function beep(times) {
    var c = audio();
    if (!c) return false;
    try {
      if (c.state === "suspended") c.resume();
      for (var i = 0; i < (times || 3); i++) {
        var start = c.currentTime + i * 0.45;
        var osc = c.createOscillator();
        var gain = c.createGain();
        osc.type = "sine";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
        osc.connect(gain).connect(c.destination);
        osc.start(start);
        osc.stop(start + 0.32);
      }
      return true;
    } catch (e) { return false; }
  }
  function notify(title, body) {
    if (!("Notification" in window) || Notification.permission !== "granted") return false;
    try { new Notification(title, { body: body, tag: "backcare-" + title }); return true; } catch (e) { return false; }
  }
  function ring(title, body) {
    beep(3);
    if (navigator.vibrate) { try { navigator.vibrate([300, 150, 300, 150, 300]); } catch (e) { /* no vibration */ } }
    document.title = "⏰ " + title + " · backcare";
    notify(title, body);
    window.backcareAlarm.rang = (window.backcareAlarm.rang || 0) + 1;
  }
  function quiet() { document.title = baseTitle; }
  function notifications() {
    return "Notification" in window && Notification.permission === "granted";
  }
  window.backcareAlarm = { ring: ring, quiet: quiet, beep: beep, notifications: notifications, rang: 0 };
})();
