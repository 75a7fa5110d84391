// The member feed: tells the server which posts the screen actually showed.
// A post counts as seen once half of it has been on screen for a second; the
// ids go in small batches, and the server records each post once.
(function () {
  "use strict";
  var feed = document.getElementById("feed");
  if (!feed || !("IntersectionObserver" in window)) {
    return;
  }
  var url = feed.dataset.viewedUrl;
  var token = feed.querySelector("input[name=csrfmiddlewaretoken]");
  var SEEN_MS = 1000;
  var pending = [];
  var sent = {};
  var timers = {};
  var flushTimer = null;

  function flush() {
    flushTimer = null;
    if (!pending.length) {
      return;
    }
    var posts = pending.splice(0, pending.length);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": token ? token.value : ""
      },
      body: JSON.stringify({ posts: posts }),
      keepalive: true
    }).catch(function () {
      posts.forEach(function (id) {
        delete sent[id];
      });
    });
  }

  function seen(id) {
    if (sent[id]) {
      return;
    }
    sent[id] = true;
    pending.push(id);
    if (!flushTimer) {
      flushTimer = window.setTimeout(flush, 500);
    }
  }

  var observer = new IntersectionObserver(function (changes) {
    changes.forEach(function (change) {
      var id = parseInt(change.target.dataset.post, 10);
      if (change.isIntersecting) {
        timers[id] = window.setTimeout(function () {
          seen(id);
          observer.unobserve(change.target);
        }, SEEN_MS);
      } else if (timers[id]) {
        window.clearTimeout(timers[id]);
        delete timers[id];
      }
    });
  }, { threshold: 0.5 });

  feed.querySelectorAll("[data-post]").forEach(function (post) {
    observer.observe(post);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
})();
