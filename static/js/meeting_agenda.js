// The decision page of the live meeting, made for the keyboard (no inline script: the site has a Content-Security-
// Policy): the focus starts on the chosen outcome (arrow keys change it, Enter saves and opens the next agenda item);
// Ctrl+Enter in the note does the same. Alt+N / Alt+S are the buttons' access keys. The agenda's "select all" and
// its counting button are rakornis.js's data-select-all / data-select-count.
(function () {
  "use strict";

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
