// The diary page: after a save the confirmation and the alerts are where the page opens
// (#saved); an urgent alert takes the focus so it is read out at once. A refused entry puts the
// focus on the reasons, next to the form, with what was typed still there.
(function () {
  "use strict";
  var refused = document.getElementById("refused");
  var saved = document.getElementById("saved");
  var target = null;
  if (refused) {
    target = refused;
  } else if (saved && location.hash === "#saved") {
    target = saved.querySelector(".alert.urgent") || saved;
  }
  if (target) {
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }
})();
