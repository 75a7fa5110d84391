// The "notifications on this device" switch of the notification settings page:
// asks the browser for permission, subscribes through its push service with the
// portal's VAPID public key and posts the subscription to the portal.
(function () {
  "use strict";
  var toggle = document.getElementById("push-toggle");
  if (!toggle) {
    return;
  }
  var status = document.getElementById("push-status");
  var data = toggle.dataset;

  function say(text) {
    status.textContent = text;
  }

  // An error whose message is written for the person (the browser's own are not).
  function told(message) {
    var error = new Error(message);
    error.forPerson = true;
    return error;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(data.msgUnsupported);
    return;
  }

  function csrfToken() {
    var input = toggle.closest("section").querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (answer) {
          if (!response.ok) {
            throw told(answer.error || data.msgFailed);
          }
          return answer;
        });
    });
  }

  // The VAPID key arrives as base64url; the browser wants its bytes.
  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function sameKey(buffer, bytes) {
    if (!buffer) {
      return true; // the browser does not say: assume it is ours
    }
    var view = new Uint8Array(buffer);
    if (view.length !== bytes.length) {
      return false;
    }
    for (var i = 0; i < view.length; i += 1) {
      if (view[i] !== bytes[i]) {
        return false;
      }
    }
    return true;
  }

  function askPermission() {
    if (Notification.permission !== "default") {
      return Promise.resolve(Notification.permission);
    }
    return new Promise(function (resolve) {
      // Older Safari takes a callback instead of returning a promise.
      var asked = Notification.requestPermission(resolve);
      if (asked && asked.then) {
        asked.then(resolve);
      }
    });
  }

  var serverKey = keyBytes(data.publicKey);
  var ready = navigator.serviceWorker.register(data.serviceWorker, { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  });

  function turnOn(registration) {
    return askPermission().then(function (permission) {
      if (permission !== "granted") {
        throw told(data.msgDenied);
      }
      return registration.pushManager
        .subscribe({ userVisibleOnly: true, applicationServerKey: serverKey })
        .then(function (subscription) {
          return post(data.subscribeUrl, subscription.toJSON());
        });
    });
  }

  function turnOff(registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) {
        return null;
      }
      return post(data.unsubscribeUrl, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    });
  }

  toggle.addEventListener("change", function () {
    var wanted = toggle.checked;
    toggle.disabled = true;
    ready
      .then(function (registration) {
        return wanted ? turnOn(registration) : turnOff(registration);
      })
      .then(function () {
        say(wanted ? data.msgOn : data.msgOff);
      })
      .catch(function (error) {
        toggle.checked = !wanted;
        say(error && error.forPerson ? error.message : data.msgFailed);
      })
      .then(function () {
        toggle.disabled = Notification.permission === "denied";
      });
  });

  ready
    .then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (subscription && !sameKey(subscription.options && subscription.options.applicationServerKey, serverKey)) {
          // Made with a key the portal no longer signs with: of no use any more.
          return subscription.unsubscribe().then(function () {
            return null;
          });
        }
        return subscription;
      });
    })
    .then(function (subscription) {
      var on = Boolean(subscription) && Notification.permission === "granted";
      toggle.checked = on;
      toggle.disabled = Notification.permission === "denied";
      if (Notification.permission === "denied") {
        say(data.msgDenied);
      } else if (on) {
        // Tell the portal again: it may have dropped it, or the keys may be new.
        post(data.subscribeUrl, subscription.toJSON()).catch(function () {});
      }
    })
    .catch(function () {
      say(data.msgUnsupported);
    });
})();
