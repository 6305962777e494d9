// Trip day: filter the children as one types; show a document full-screen. Works without JS
// (the search form submits, the document is on the page), this only saves taps.
(function () {
  "use strict";
  var input = document.getElementById("tripday-q");
  var list = document.getElementById("tripday-children");
  var count = document.getElementById("tripday-count");
  function filter() {
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    list.querySelectorAll("li[data-search]").forEach(function (item) {
      var match = !query || item.dataset.search.toLowerCase().indexOf(query) !== -1;
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    if (count) { count.textContent = shown + " / " + list.children.length; }
  }
  if (input && list) {
    input.addEventListener("input", filter);
    // On a slow phone the teacher may type before this script has loaded: filter what is there.
    if (input.value.trim()) { filter(); }
  }
  var open = document.getElementById("tripday-fullscreen");
  var doc = document.getElementById("tripday-document");
  var close = document.getElementById("tripday-close");
  if (open && doc) {
    open.addEventListener("click", function () {
      doc.classList.add("is-full");
      doc.focus();
      if (doc.requestFullscreen) { doc.requestFullscreen().catch(function () {}); }
    });
  }
  function leave() {
    if (!doc) { return; }
    doc.classList.remove("is-full");
    if (document.fullscreenElement) { document.exitFullscreen().catch(function () {}); }
    if (open) { open.focus(); }
  }
  if (close) { close.addEventListener("click", leave); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && doc && doc.classList.contains("is-full")) { leave(); }
  });
  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement && doc) { doc.classList.remove("is-full"); }
  });
})();
