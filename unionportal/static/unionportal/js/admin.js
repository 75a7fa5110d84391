// Admin behaviour that third-party templates write inline, which the
// Content-Security-Policy blocks: bound here from a static file instead.
(function () {
  "use strict";

  // django-import-export's export form: the "Select all" fields toggle
  // (templates/admin/import_export/export.html drops its onchange attribute).
  function bindExportToggle() {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        var boxes = document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]');
        boxes.forEach(function (box) {
          box.checked = toggle.checked;
        });
      });
    });
  }

  // django-celery-beat's periodic task form: the crontab in words under the field
  // (templates/admin/djcelery/change_periodictask_form.html gives the data).
  function bindReadableCrontab() {
    var data = document.getElementById("readable-crontabs");
    var select = document.getElementById("id_crontab");
    var help = document.querySelector(".field-crontab .help");
    if (!data || !select) {
      return;
    }
    var readable = JSON.parse(data.textContent);
    var original = help ? help.textContent : "";
    document.querySelectorAll(".field-crontab_translation").forEach(function (row) {
      row.hidden = true;
    });
    select.addEventListener("change", function () {
      if (!help) {
        return;
      }
      help.textContent = original;
      var words = readable[select.value];
      if (words) {
        help.appendChild(document.createElement("br"));
        help.appendChild(document.createTextNode(words));
      }
    });
  }

  // The visible label of a field, for an input that has none of its own.
  function fieldLabelText(element) {
    var row = element.closest(".form-row, .flex-container, td, .fieldBox");
    var label = row && row.querySelector("label");
    return label ? label.textContent.replace(/[:\s]+$/, "").trim() : "";
  }

  // Django's autocomplete boxes (select2): the box a person reaches is a
  // <span role="combobox"> named by the chosen value only, so an empty one has
  // no name. Name it by the field's label and the value; in a table row, where
  // no label is shown, by the select's own aria-label
  // (members.scoped_admin.LabelledFieldsFormSet). A multiple choice's search
  // box, typed into, is named by the field too.
  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-selection");
      if (!box || box.dataset.named) {
        return;
      }
      box.dataset.named = "1";
      // The value inside is read as the combobox's: not a nameless textbox of its own.
      var rendered = box.querySelector(".select2-selection__rendered[role=textbox]");
      if (rendered) {
        rendered.removeAttribute("role");
        rendered.removeAttribute("aria-readonly");
      }
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var name = label ? label.textContent.replace(/[:\s]+$/, "").trim() : select.getAttribute("aria-label");
      if (label && box.getAttribute("role") === "combobox") {
        label.id = label.id || select.id + "-label";
        var value = box.getAttribute("aria-labelledby");
        box.setAttribute("aria-labelledby", value ? label.id + " " + value : label.id);
      } else if (name) {
        box.setAttribute("aria-label", name);
      }
      var search = box.querySelector(".select2-search__field");
      if (search && name) {
        search.setAttribute("aria-label", name);
      }
    });
  }

  // Django's date and time boxes of one field (a SplitDateTimeWidget) carry
  // "Date:" and "Time:" as bare text, and the field's label points at
  // neither: name each box by the field and its part.
  function nameSplitDateTimes() {
    document.querySelectorAll("p.datetime").forEach(function (group) {
      var field = fieldLabelText(group);
      group.querySelectorAll("input").forEach(function (input) {
        if (input.labels && input.labels.length) {
          return;
        }
        var part = input.previousSibling;
        while (part && part.nodeType !== Node.TEXT_NODE) {
          part = part.previousSibling;
        }
        var words = part ? part.textContent.replace(/[:\s]+$/, "").trim() : "";
        input.setAttribute("aria-label", [field, words].filter(Boolean).join(" – "));
      });
    });
  }

  // select2 builds its boxes on jQuery's ready, which may come after the
  // window's load: name them whenever they appear.
  function watchAutocompletes() {
    nameAutocompletes();
    var pending = false;
    new MutationObserver(function () {
      if (pending) {
        return;
      }
      pending = true;
      window.setTimeout(function () {
        pending = false;
        nameAutocompletes();
      }, 0);
    }).observe(document.body, { childList: true, subtree: true });
  }

  function ready() {
    bindExportToggle();
    bindReadableCrontab();
    nameSplitDateTimes();
    watchAutocompletes();
  }

  document.addEventListener("formset:added", function () {
    window.setTimeout(nameSplitDateTimes, 0);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
