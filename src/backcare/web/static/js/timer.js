// Heat/cold timer: counts down the session length from the knowledge base, reminds to check the
// skin halfway, and says clearly when to take the pack off. Works while the tab stays open.
(function () {
  "use strict";
  document.querySelectorAll(".timer").forEach(function (box) {
    var minutes = parseInt(box.dataset.minutes, 10);
    var display = box.querySelector(".timer-display");
    var controls = box.querySelector(".timer-controls");
    var start = box.querySelector(".timer-start");
    var stop = box.querySelector(".timer-stop");
    var handle = null, endAt = 0, halfwayShown = false;
    var note = document.createElement("p");
    note.className = "timer-alert";
    note.setAttribute("role", "alert");
    note.hidden = true;
    box.appendChild(note);
    display.hidden = false;
    controls.hidden = false;
    function show(ms) {
      var s = Math.max(0, Math.round(ms / 1000));
      display.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    }
    function tick() {
      var left = endAt - Date.now();
      show(left);
      if (!halfwayShown && left <= (minutes * 60000) / 2) {
        halfwayShown = true;
        note.hidden = false;
        note.textContent = "Halfway: lift the pack and check your skin. Stop if it is very red, blistered or painful.";
      }
      if (left <= 0) {
        finish("Time is up: take the pack off now. Wait until your skin looks and feels normal before another session.");
      }
    }
    function finish(message) {
      clearInterval(handle);
      handle = null;
      start.disabled = false;
      stop.disabled = true;
      note.hidden = false;
      note.textContent = message;
    }
    start.addEventListener("click", function () {
      endAt = Date.now() + minutes * 60000;
      halfwayShown = false;
      note.hidden = true;
      start.disabled = true;
      stop.disabled = false;
      tick();
      handle = setInterval(tick, 1000);
    });
    stop.addEventListener("click", function () {
      finish("Timer stopped. Take the pack off if you are not using it.");
    });
  });
})();
