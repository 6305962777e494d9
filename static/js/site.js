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

// A table wider than a phone scrolls sideways: keyboard users must be able to reach that
// region (axe: scrollable-region-focusable), and screen readers need it named.
document.querySelectorAll(".table-responsive").forEach(function (region) {
  if (region.scrollWidth <= region.clientWidth || region.hasAttribute("tabindex")) { return; }
  var heading = region.closest("section, .card, main");
  var title = heading && heading.querySelector("h1, h2, h3");
  region.setAttribute("tabindex", "0");
  region.setAttribute("role", "region");
  if (title) { region.setAttribute("aria-label", title.textContent.trim()); }
});
