// Registers the portal's service worker; the URL comes from the script tag.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) {
    return;
  }
  var url = script.dataset.serviceWorker;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      // An unregistered worker only costs the offline page; the portal still works.
    });
  });
})();
