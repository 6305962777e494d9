// Small progressive enhancements; the site works without JavaScript.
document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
  el.addEventListener("change", function () { el.form.submit(); });
});

// Bootstrap progress bars need a width; inline style attributes are blocked by our CSP,
// so markup says data-width="42" and we set it through the CSSOM, which CSP allows.
function applyWidths(root) {
  (root || document).querySelectorAll("[data-width]").forEach(function (el) {
    el.style.width = el.getAttribute("data-width") + "%";
  });
}
applyWidths();
window.schooltrips = { applyWidths: applyWidths };
