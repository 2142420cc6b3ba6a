// Behaviours every page may use, declared in the markup with data attributes instead of inline handlers
// (onchange=, onsubmit=, onclick=), which the Content-Security-Policy forbids:
// - <select data-autosubmit>: submits its form when the choice changes (planning year, language);
// - <form data-confirm="question">: asks before submitting, and submits only when the user agrees;
// - <button data-print>: opens the browser's print dialog.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });
})();
