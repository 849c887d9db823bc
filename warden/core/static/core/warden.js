/* Warden's page behaviour, kept out of the HTML: the Content-Security-Policy allows no inline
   script or event handler, so pages mark elements with data- attributes instead. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit its form when the choice changes (the school switch).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element) || !field.hasAttribute("data-autosubmit") || !field.form) {
      return;
    }
    if (field.form.requestSubmit) {
      field.form.requestSubmit();
    } else {
      field.form.submit();
    }
  });

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // <div class="table-wrap">: a table wider than the screen scrolls inside this box. A box
  // that scrolls must be reachable by keyboard, so it becomes a named, focusable region while
  // (and only while) it is too narrow for its table.
  function tableName(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    var section = box.closest("section[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    if (heading && heading.textContent.trim()) {
      return heading.textContent.trim();
    }
    return "Table";
  }

  function markScrollingTables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", tableName(box) + " (scrolls sideways)");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  window.addEventListener("resize", markScrollingTables);
  document.addEventListener("htmx:afterSettle", markScrollingTables);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollingTables);
  } else {
    markScrollingTables();
  }

  // <form data-reset-after-request>: clear the form once htmx has sent it successfully.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target instanceof Element && event.target.closest("form[data-reset-after-request]");
    if (form && event.detail.successful) {
      form.reset();
    }
  });
})();
