// The live meeting, with the keyboard and in batches (no inline script: the site has a Content-Security-Policy).
// - Meeting page: "select all on this page" for the agenda's checkboxes, and the bulk button names how many are
//   ticked (disabled while none is). The server checks everything again; without JavaScript the boxes still work.
// - Decision page: the focus starts on the chosen outcome (arrow keys change it, Enter saves and opens the next
//   agenda item); Ctrl+Enter in the note does the same. Alt+N / Alt+S are the buttons' access keys.
(function () {
  "use strict";

  const bulk = document.getElementById("agenda-bulk");
  if (bulk) {
    const all = document.getElementById("agenda-select-all");
    const button = document.getElementById("agenda-agree");
    const picks = function () {
      return Array.from(document.querySelectorAll('input.agenda-pick[form="agenda-bulk"]'));
    };
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
        button.textContent = button.dataset.label + (ticked ? " (" + ticked + " usulan)" : "");
      }
    };
    if (all) {
      // The select-all box joins the form only to sit with it; it must not be posted.
      all.removeAttribute("form");
      all.addEventListener("change", function () {
        picks().forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target instanceof HTMLInputElement && event.target.classList.contains("agenda-pick")) update();
    });
    update();
  }

  const decision = document.getElementById("decision-form");
  if (decision) {
    const chosen = decision.querySelector('input[name="outcome"]:checked') ||
      decision.querySelector('input[name="outcome"]');
    // Not when the page shows errors: the browser then keeps the focus where the user left it.
    if (chosen && !decision.querySelector(".is-invalid, .alert-danger")) chosen.focus();
    decision.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target instanceof HTMLTextAreaElement) {
        event.preventDefault();
        const next = decision.querySelector('button[name="berikutnya"]');
        if (next) decision.requestSubmit(next);
      }
    });
  }
})();
