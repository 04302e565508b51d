// The diary page: after a save the confirmation and the alerts are where the page opens
// (#saved); an urgent alert takes the focus so it is read out at once. A refused entry puts the
// focus on the reasons, next to the form, with what was typed still there.
(function () {
  "use strict";
  var refused = document.getElementById("refused");
  var saved = document.getElementById("saved");
  var target = null;
  var view = null;
  if (refused) {
    target = view = refused;
  } else if (saved && location.hash === "#saved") {
    view = saved;
    target = saved.querySelector(".alert.urgent") || saved;
  }
  function bring() {
    target.focus({ preventScroll: true });
    view.scrollIntoView({ block: "start" });
  }
  // After the browser's own move to #saved (which focuses the region), not before it.
  if (target) {
    if (document.readyState === "complete") setTimeout(bring, 0);
    else window.addEventListener("load", function () { setTimeout(bring, 0); });
  }
})();
