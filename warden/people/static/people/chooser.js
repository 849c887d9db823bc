/* The person chooser's behaviour (people/chooser/widget.html): a combobox whose list htmx
   fills as the user types (the WAI-ARIA combobox pattern, list autocomplete). Marked with
   data- attributes, as the Content-Security-Policy allows no inline script:
     [data-combobox]          the whole control
     [data-combobox-input]    the text box (role="combobox"); htmx sends its text as "q"
     [data-combobox-value]    the hidden input that takes the chosen option's data-value
     [data-combobox-results]  what htmx replaces: a role="listbox" and a message
     [data-combobox-status]   a polite live region saying what was found or chosen
     [data-combobox-many]     (on the control) a chooser of several people: a choice adds a
                              ticked box named by this attribute to [data-combobox-chosen]
                              and empties the text box, ready for the next name
   Down and Up move through the options, Enter chooses, Escape closes; a click or a tap
   chooses. Typing clears the choice, so the form sends what the user did last.
   Each chooser on a page brings this script: it sets itself up once. */
(function () {
  "use strict";

  if (window.wardenChooser) {
    return;
  }
  window.wardenChooser = true;

  function parts(element) {
    var box = element.closest("[data-combobox]");
    if (!box) {
      return null;
    }
    return {
      input: box.querySelector("[data-combobox-input]"),
      value: box.querySelector("[data-combobox-value]"),
      listbox: box.querySelector("[role=listbox]"),
      status: box.querySelector("[data-combobox-status]"),
      chosen: box.querySelector("[data-combobox-chosen]"),
      many: box.getAttribute("data-combobox-many"),
      box: box
    };
  }

  function inputOf(event) {
    var target = event.target;
    return target instanceof Element && target.hasAttribute("data-combobox-input") ? target : null;
  }

  function optionsOf(p) {
    return p.listbox ? Array.prototype.slice.call(p.listbox.querySelectorAll("[role=option]")) : [];
  }

  function isOpen(p) {
    return p.input.getAttribute("aria-expanded") === "true";
  }

  function setActive(p, option) {
    optionsOf(p).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function open(p) {
    if (!optionsOf(p).length) {
      return;
    }
    p.listbox.hidden = false;
    p.input.setAttribute("aria-expanded", "true");
  }

  function close(p) {
    if (p.listbox) {
      p.listbox.hidden = true;
    }
    p.input.setAttribute("aria-expanded", "false");
    setActive(p, null);
  }

  function add(p, option) {
    var value = option.getAttribute("data-value");
    var label = option.getAttribute("data-label");
    var boxes = Array.prototype.slice.call(p.chosen.querySelectorAll("input[type=checkbox]"));
    var already = boxes.filter(function (each) { return each.value === value; })[0];
    if (already) {
      already.checked = true;
      p.status.textContent = label + " is already chosen.";
    } else {
      var item = document.createElement("li");
      var wrap = document.createElement("label");
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.name = p.many;
      tick.value = value;
      tick.checked = true;
      wrap.appendChild(tick);
      wrap.appendChild(document.createTextNode(" " + label));
      item.appendChild(wrap);
      p.chosen.appendChild(item);
      p.chosen.hidden = false;
      p.status.textContent = label + " added.";
    }
    p.input.value = "";
    close(p);
    p.chosen.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function choose(p, option) {
    if (p.many) {
      add(p, option);
      return;
    }
    p.input.value = option.getAttribute("data-label");
    p.value.value = option.getAttribute("data-value");
    close(p);
    p.status.textContent = option.getAttribute("data-label") + " chosen.";
    // A filter form that listens for "change" hears the choice.
    p.value.dispatchEvent(new Event("change", {bubbles: true}));
  }

  // htmx sends the text box's words as "q", whatever the field is called in its form.
  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (!(input instanceof Element) || !input.hasAttribute("data-combobox-input")) {
      return;
    }
    delete event.detail.parameters[input.name];
    event.detail.parameters.q = input.value;
  });

  // A new list arrived: open it while the user is still typing and has chosen no one.
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.target;
    if (!(results instanceof Element) || !results.hasAttribute("data-combobox-results")) {
      return;
    }
    var p = parts(results);
    if (!p) {
      return;
    }
    var count = optionsOf(p).length;
    if (count && !(p.value && p.value.value) && document.activeElement === p.input) {
      open(p);
    } else {
      close(p);
    }
    var message = results.querySelector(".chooser-message");
    p.status.textContent = message ? message.textContent :
      count + (count === 1 ? " match" : " matches") + ": use the down and up arrow keys, then Enter.";
  });

  // What is typed is a new search: the earlier choice no longer stands.
  document.addEventListener("input", function (event) {
    var input = inputOf(event);
    var p = input && parts(input);
    if (p && p.value && p.value.value) {
      p.value.value = "";
    }
  });

  document.addEventListener("keydown", function (event) {
    var input = inputOf(event);
    var p = input && parts(input);
    if (!p) {
      return;
    }
    var options = optionsOf(p);
    var active = options.filter(function (o) {
      return o.getAttribute("aria-selected") === "true";
    })[0];
    var index = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) {
        return;
      }
      event.preventDefault();
      var down = event.key === "ArrowDown";
      open(p);
      if (index < 0) {
        setActive(p, down ? options[0] : options[options.length - 1]);
      } else {
        setActive(p, options[(index + (down ? 1 : options.length - 1)) % options.length]);
      }
    } else if (event.key === "Enter") {
      // Enter with no option picked sends the form, and the typed words with it.
      if (active && isOpen(p)) {
        event.preventDefault();
        choose(p, active);
      }
    } else if (event.key === "Escape") {
      if (isOpen(p)) {
        event.preventDefault();
        close(p);
      }
    }
  });

  // Pressing an option must not take the focus from the text box (which would close the list).
  document.addEventListener("mousedown", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-combobox] [role=option]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target instanceof Element && event.target.closest("[data-combobox] [role=option]");
    var p = option && parts(option);
    if (p) {
      choose(p, option);
      p.input.focus();
    }
  });

  // Leaving the control closes its list; a tap on an option lands first.
  document.addEventListener("focusout", function (event) {
    var input = inputOf(event);
    var p = input && parts(input);
    if (!p) {
      return;
    }
    window.setTimeout(function () {
      if (!p.box.contains(document.activeElement)) {
        close(p);
      }
    }, 200);
  });
})();
