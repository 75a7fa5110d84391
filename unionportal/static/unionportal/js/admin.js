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

  // Django's autocomplete boxes (select2): the box a person reaches is a
  // <span role="combobox"> named by the chosen value only, so an empty one has
  // no name. Name it by the field's label and the value; in a table row, where
  // no label is shown, by the select's own aria-label
  // (members.scoped_admin.LabelledFieldsFormSet).
  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-selection[role=combobox]");
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
      if (label) {
        label.id = label.id || select.id + "-label";
        var value = box.getAttribute("aria-labelledby");
        box.setAttribute("aria-labelledby", value ? label.id + " " + value : label.id);
      } else if (select.getAttribute("aria-label")) {
        box.setAttribute("aria-label", select.getAttribute("aria-label"));
      }
    });
  }

  function ready() {
    bindExportToggle();
    bindReadableCrontab();
  }

  // After Django's own scripts built the autocomplete boxes (on jQuery's ready).
  window.addEventListener("load", nameAutocompletes);
  document.addEventListener("formset:added", function () {
    window.setTimeout(nameAutocompletes, 0);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
