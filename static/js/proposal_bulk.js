// The proposal list's bulk selection (no inline script: the site has a Content-Security-Policy): "select all on
// this page", and the button names how many are ticked (disabled while none is). The next page lists them and
// offers only the actions that apply to all; the server checks everything again. Without JavaScript the boxes work.
(function () {
  "use strict";
  const form = document.getElementById("proposal-bulk");
  if (!form) return;
  const all = document.getElementById("bulk-select-all");
  const button = document.getElementById("bulk-open");
  const picks = function () { return Array.from(form.querySelectorAll("input.bulk-pick")); };
  const update = function () {
    const boxes = picks();
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      all.disabled = boxes.length === 0;
    }
    if (button) {
      button.disabled = ticked === 0;
      button.textContent = button.dataset.label + (ticked ? " (" + ticked + ")" : "");
    }
  };
  if (all) {
    all.addEventListener("change", function () {
      picks().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.classList.contains("bulk-pick")) update();
  });
  update();
})();
