// Show a branched question only when the earlier answer it follows is given.
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form) {
    return;
  }
  var branched = form.querySelectorAll("[data-show-field]");

  function chosen(name, value) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].value === value && inputs[i].checked) {
        return true;
      }
    }
    return false;
  }

  function update() {
    for (var pass = 0; pass < branched.length; pass += 1) {
      for (var i = 0; i < branched.length; i += 1) {
        var fieldset = branched[i];
        var parent = form.querySelector('[name="' + fieldset.dataset.showField + '"]');
        var parentShown = parent && !parent.closest("fieldset").hidden;
        var show = parentShown && chosen(fieldset.dataset.showField, fieldset.dataset.showValue);
        fieldset.hidden = !show;
        fieldset.disabled = !show;
      }
    }
  }

  form.addEventListener("change", update);
  update();
})();
