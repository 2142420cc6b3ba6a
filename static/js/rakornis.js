// Behaviours every page may use, declared in the markup with data attributes instead of inline handlers
// (onchange=, onsubmit=, onclick=), which the Content-Security-Policy forbids:
// - <select data-autosubmit>: submits its form when the choice changes (planning year, language);
// - <form data-confirm="question">: asks before submitting, and submits only when the user agrees;
// - <button data-print>: opens the browser's print dialog;
// - <input type="checkbox" data-select-all="FORM-ID">: "select all on this page" for the named checkboxes of that
//   form (inside it, or joined to it by form=), shown ticked, partly ticked or clear as they are; it has no name, so
//   it is never posted;
// - <button data-select-count="FORM-ID" data-label="Label">: says how many of them are ticked, "Label (3)", and is
//   disabled while none is.
// Without JavaScript the checkboxes still work and the server checks everything again.
(function () {
  "use strict";
  const picks = function (formId) {
    const form = document.getElementById(formId);
    if (!(form instanceof HTMLFormElement)) return [];
    return Array.from(form.elements).filter(function (box) {
      return box instanceof HTMLInputElement && box.type === "checkbox" && box.name !== "" && !box.disabled;
    });
  };
  const marked = function (attribute, formId) {
    return Array.from(document.querySelectorAll("[" + attribute + "]")).filter(function (element) {
      return element.getAttribute(attribute) === formId;
    });
  };
  const showSelection = function (formId) {
    const boxes = picks(formId);
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    marked("data-select-all", formId).forEach(function (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      all.disabled = boxes.length === 0;
    });
    marked("data-select-count", formId).forEach(function (button) {
      button.disabled = ticked === 0;
      button.textContent = button.dataset.label + (ticked ? " (" + ticked + ")" : "");
    });
  };
  const selections = new Set();
  document.querySelectorAll("[data-select-all], [data-select-count]").forEach(function (element) {
    selections.add(element.getAttribute("data-select-all") || element.getAttribute("data-select-count"));
  });
  selections.forEach(showSelection);

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
    if (!(field instanceof HTMLInputElement) || field.type !== "checkbox") return;
    const all = field.getAttribute("data-select-all");
    if (all) {
      picks(all).forEach(function (box) { box.checked = field.checked; });
      showSelection(all);
    } else if (field.form && selections.has(field.form.id)) {
      showSelection(field.form.id);
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
