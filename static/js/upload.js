// The upload page works without JavaScript; this only hides the file input for card_carried.
(function () {
  var block = document.getElementById("file-block");
  if (!block) { return; }
  function update() {
    var chosen = document.querySelector("input[name=kind]:checked");
    var card = !!chosen && chosen.value === "card_carried";
    block.classList.toggle("is-hidden", card);
    // A card declaration carries no file: drop one chosen earlier so it is not sent (400).
    if (card) {
      block.querySelectorAll("input[type=file]").forEach(function (input) { input.value = ""; });
    }
  }
  document.querySelectorAll("input[name=kind]").forEach(function (el) {
    el.addEventListener("change", update);
  });
  update();
})();
