// The upload page works without JavaScript; this only hides the file input for card_carried.
(function () {
  var block = document.getElementById("file-block");
  if (!block) { return; }
  function update() {
    var chosen = document.querySelector("input[name=kind]:checked");
    block.classList.toggle("is-hidden", !!chosen && chosen.value === "card_carried");
  }
  document.querySelectorAll("input[name=kind]").forEach(function (el) {
    el.addEventListener("change", update);
  });
  update();
})();
