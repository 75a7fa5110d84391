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

  function ready() {
    bindExportToggle();
    bindReadableCrontab();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
