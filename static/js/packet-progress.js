// Packet builds: poll each running build's progress; reload the page when one finishes, so the
// download link (or the reason for a failure) appears. State lives on the server: a reload
// mid-build simply resumes polling.
(function () {
  var bars = document.querySelectorAll(".packet-progress[data-progress-url]");
  if (!bars.length) { return; }
  function poll(el) {
    fetch(el.getAttribute("data-progress-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var bar = el.querySelector(".progress-bar");
        bar.style.width = data.percent + "%";
        var text = el.parentNode.querySelector(".packet-progress-text");
        // The phase (front matter, placing, join, storing) and the steps done in the build.
        if (text) {
          text.textContent = (data.phase_label ? data.phase_label + " " : "") + data.done + " / " + data.total;
        }
        el.setAttribute("aria-valuenow", String(data.percent));
        el.setAttribute("data-phase", data.phase || "");
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(el); }, 1500);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, 5000); });
  }
  bars.forEach(function (el) { poll(el); });
})();
