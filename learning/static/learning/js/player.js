// The lesson player: picks the rendition, resumes, and reports what was played.
// It sends the server heartbeats of the intervals actually played (a session
// id and a sequence number each, the first one empty to open the session);
// the server decides what counts. No video byte is requested before "play".
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) {
    return;
  }
  var SAVER_KEY = "learning.dataSaver";
  var BEAT_MS = 10000;
  var MAX_INTERVALS = 20;
  var data = video.dataset;
  var duration = parseFloat(data.duration) || 0;
  var resume = parseFloat(data.resume) || 0;
  if (duration && resume >= duration - 2) {
    resume = 0; // finished last time: start again from the beginning
  }
  var token = document.querySelector("#player input[name=csrfmiddlewaretoken]");
  var percentEl = document.getElementById("video-percent");
  var statusEl = document.getElementById("video-status");
  var rateEl = document.getElementById("playback-rate");
  var saverEl = document.getElementById("data-saver");

  var session = randomId();
  var sequence = 0;
  var pending = []; // intervals played, not yet sent
  var segment = null; // the interval being played now
  var activeMs = 0;
  var playingSince = null;
  var inFlight = false;
  var again = false;

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function slowConnection() {
    var connection = navigator.connection;
    if (!connection) {
      return false;
    }
    return Boolean(connection.saveData) || /^(slow-2g|2g|3g)$/.test(connection.effectiveType || "");
  }

  function saverWanted() {
    try {
      var stored = window.localStorage.getItem(SAVER_KEY);
      if (stored === "1") {
        return true;
      }
      if (stored === "0") {
        return false;
      }
    } catch (error) {
      // Storage refused (private mode): fall back to the connection.
    }
    return slowConnection();
  }

  function now() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  function clockStop() {
    if (playingSince !== null) {
      activeMs += now() - playingSince;
      playingSince = null;
    }
  }

  function segmentClose() {
    if (segment) {
      if (segment[1] > segment[0]) {
        pending.push(segment);
      }
      segment = null;
    }
  }

  function merged(list) {
    var sorted = list
      .map(function (pair) {
        return [Math.round(pair[0] * 100) / 100, Math.round(pair[1] * 100) / 100];
      })
      .sort(function (a, b) {
        return a[0] - b[0];
      });
    var out = [];
    sorted.forEach(function (pair) {
      var last = out[out.length - 1];
      if (last && pair[0] <= last[1]) {
        last[1] = Math.max(last[1], pair[1]);
      } else {
        out.push([pair[0], pair[1]]);
      }
    });
    return out.slice(-MAX_INTERVALS);
  }

  function send(options) {
    if (inFlight) {
      again = true;
      return;
    }
    var playing = !video.paused && !video.ended;
    if (segment && playing) {
      // Send what was played so far; keep playing from where it is.
      if (segment[1] > segment[0]) {
        pending.push([segment[0], segment[1]]);
      }
      segment = [segment[1], segment[1]];
    }
    if (playingSince !== null) {
      clockStop();
      if (playing) {
        playingSince = now();
      }
    }
    var intervals = merged(pending);
    var active = Math.round(activeMs) / 1000;
    var body = {
      session: session,
      sequence: sequence,
      intervals: intervals,
      active_seconds: active,
      position: Math.round((video.currentTime || resume) * 100) / 100,
    };
    sequence += 1;
    pending = [];
    activeMs = 0;
    inFlight = true;
    fetch(data.heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(options && options.keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        if (!response.ok && response.status !== 400) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer.error) {
          statusEl.textContent = answer.error;
          return;
        }
        if (duration) {
          percentEl.textContent = String(Math.min(100, Math.round((answer.covered_seconds * 100) / duration)));
        }
        statusEl.textContent = answer.completed ? data.doneText : "";
        video.dataset.completed = answer.completed ? "true" : "false";
      })
      .catch(function () {
        // Not counted: send the same seconds again with the next heartbeat.
        pending = pending.concat(intervals);
        activeMs += active * 1000;
        statusEl.textContent = data.errorText;
      })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          send();
        }
      });
  }

  function sourceSet(keepTime) {
    var url = saverEl && saverEl.checked ? data.low : data.full;
    if (video.dataset.current === url) {
      return;
    }
    var at = keepTime ? video.currentTime : resume;
    var wasPlaying = !video.paused && !video.ended;
    segmentClose();
    clockStop();
    video.dataset.current = url;
    // A media fragment starts at the resume point without fetching anything now.
    video.src = at > 0 ? url + "#t=" + at.toFixed(2) : url;
    if (wasPlaying) {
      video.play();
    }
  }

  video.addEventListener("playing", function () {
    if (playingSince === null) {
      playingSince = now();
    }
    segment = [video.currentTime, video.currentTime];
  });
  video.addEventListener("timeupdate", function () {
    if (!segment || video.paused || video.seeking) {
      return;
    }
    var at = video.currentTime;
    var limit = 2 * Math.max(video.playbackRate, 1);
    if (at >= segment[1] && at - segment[1] <= limit) {
      segment[1] = at;
    } else {
      segmentClose();
      segment = [at, at];
    }
  });
  video.addEventListener("seeking", function () {
    segmentClose();
  });
  video.addEventListener("seeked", function () {
    if (!video.paused) {
      segment = [video.currentTime, video.currentTime];
    }
  });
  ["pause", "waiting"].forEach(function (name) {
    video.addEventListener(name, function () {
      if (segment) {
        segment[1] = Math.max(segment[1], Math.min(video.currentTime, segment[1] + 2));
      }
      segmentClose();
      clockStop();
      if (name === "pause") {
        send();
      }
    });
  });
  video.addEventListener("ended", function () {
    if (segment) {
      segment[1] = Math.max(segment[1], video.currentTime);
    }
    segmentClose();
    clockStop();
    send();
  });

  if (rateEl) {
    rateEl.addEventListener("change", function () {
      var rate = parseFloat(rateEl.value) || 1;
      video.defaultPlaybackRate = rate;
      video.playbackRate = rate;
    });
  }
  if (saverEl) {
    saverEl.checked = saverWanted();
    saverEl.addEventListener("change", function () {
      try {
        window.localStorage.setItem(SAVER_KEY, saverEl.checked ? "1" : "0");
      } catch (error) {
        // Not remembered; this page still follows the choice.
      }
      sourceSet(true);
    });
  }
  sourceSet(false);

  window.setInterval(function () {
    if ((!video.paused && !video.ended) || pending.length) {
      send();
    }
  }, BEAT_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && (pending.length || segment || activeMs)) {
      send({ keepalive: true });
    }
  });
  send(); // the empty heartbeat that opens this session
})();
