/* "All on this page" on a list of ticks: <input type="checkbox" data-choose-all="NAME">
   ticks or clears every box called NAME of its form, and shows whether all, some or none
   are ticked. Without script it stays hidden and each box is ticked on its own. Kept out of
   the HTML because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function boxes(all) {
    var name = all.getAttribute("data-choose-all");
    return Array.prototype.filter.call(all.form ? all.form.elements : [], function (field) {
      return field.type === "checkbox" && field.name === name;
    });
  }

  function reveal() {
    document.querySelectorAll("input[data-choose-all]").forEach(function (all) {
      var label = all.closest("label");
      if (label) {
        label.hidden = boxes(all).length === 0;
      }
    });
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || field.type !== "checkbox" || !field.form) {
      return;
    }
    if (field.hasAttribute("data-choose-all")) {
      boxes(field).forEach(function (box) {
        box.checked = field.checked;
      });
      return;
    }
    Array.prototype.filter.call(field.form.elements, function (other) {
      return other.hasAttribute("data-choose-all");
    }).forEach(function (all) {
      var ticked = boxes(all).filter(function (box) { return box.checked; }).length;
      all.checked = ticked > 0 && ticked === boxes(all).length;
      all.indeterminate = ticked > 0 && !all.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
