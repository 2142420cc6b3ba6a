// Decision form: show only the fields that apply to the chosen outcome. The server validates everything.
(function () {
  "use strict";
  const form = document.getElementById("decision-form");
  if (!form) return;
  const radios = form.querySelectorAll('input[name="outcome"]');
  const reasonRequired = ["deferred", "rejected"];

  function update() {
    const checked = form.querySelector('input[name="outcome"]:checked');
    const outcome = checked ? checked.value : "";
    form.querySelectorAll(".js-outcome").forEach(function (block) {
      const outcomes = (block.dataset.outcomes || "").split(" ");
      block.hidden = !outcomes.includes(outcome);
    });
    const reason = form.querySelector('[name="reason"]');
    if (reason) reason.required = reasonRequired.includes(outcome);
  }

  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
