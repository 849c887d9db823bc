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

  // <form data-reset-after-request>: clear the form once htmx has sent it successfully.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target instanceof Element && event.target.closest("form[data-reset-after-request]");
    if (form && event.detail.successful) {
      form.reset();
    }
  });
})();
