// The checklist page: every answer is kept in the browser's storage (IndexedDB)
// first, then sent; without network it stays there, photo included, and is sent
// when the network returns (the "online" event, or the service worker's sync).
// The server decides conflicts: an answer based on an old revision goes to the
// lead instead of overwriting another device's answer.
"use strict";
(function () {
  const form = document.getElementById("checklist-form");
  if (!form || !("indexedDB" in window)) {
    return;
  }
  const activity = form.dataset.activity;
  const syncUrl = form.dataset.syncUrl;
  const status = document.getElementById("sync-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const texts = {};
  document.querySelectorAll("#checklist-messages span").forEach((span) => {
    texts[span.dataset.key] = span.textContent;
  });
  let syncing = false;

  function deviceId() {
    let id = localStorage.getItem("inspections-device");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("inspections-device", id);
    }
    return id;
  }

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("inspections-offline", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("answers", { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function store(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("answers", mode);
      const result = work(tx.objectStore("answers"));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  const pendingAll = () =>
    store("readonly", (s) => s.getAll()).then((rows) => (rows || []).filter((row) => row.activity === activity));

  function showStatus() {
    pendingAll().then((rows) => {
      const waiting = rows.filter((row) => !row.invalid).length;
      if (!navigator.onLine) {
        status.textContent = status.dataset.offline + (waiting ? " (" + waiting + ")" : "");
      } else if (waiting) {
        status.textContent = status.dataset.pending + " " + waiting;
      } else {
        status.textContent = status.dataset.online;
      }
      status.dataset.waiting = String(waiting);
    });
  }

  function fieldset(item) {
    return document.getElementById("item-" + item);
  }

  function setState(item, state, text) {
    const box = fieldset(item);
    box.classList.remove("pending", "conflict", "invalid", "sent");
    box.classList.add(state);
    box.dataset.state = state;
    document.getElementById("item-" + item + "-state").textContent = text;
  }

  function read(box) {
    const item = box.dataset.item;
    const checked = box.querySelector("input[type=radio]:checked");
    const score = box.querySelector("input[type=number]");
    const text = box.querySelector("textarea[name$='-text']");
    return {
      verdict: checked ? checked.value : "",
      score: score ? score.value : "",
      text: text ? text.value : "",
      comment: box.querySelector("textarea[name$='-comment']").value,
      file: box.querySelector("input[type=file]").files[0] || null,
      item: item,
    };
  }

  async function remember(box) {
    const item = box.dataset.item;
    const key = activity + ":" + item;
    const values = read(box);
    const previous = await store("readonly", (s) => s.get(key));
    const record = {
      key: key,
      activity: activity,
      item: item,
      verdict: values.verdict,
      score: values.score,
      text: values.text,
      comment: values.comment,
      // A photo taken earlier stays with the answer until it is sent.
      evidence: values.file || (previous && previous.evidence) || null,
      evidenceName: values.file ? values.file.name : previous && previous.evidenceName,
      answeredAt: new Date().toISOString(),
      clientKey: crypto.randomUUID(),
      baseRevision: Number(box.dataset.revision || 0),
      offline: !navigator.onLine,
      invalid: false,
    };
    if (record.verdict === "no" && (!record.comment.trim() || !record.evidence) && !box.querySelector("small:not(.item-state)")) {
      record.invalid = true;
    }
    await store("readwrite", (s) => s.put(record));
    if (record.invalid) {
      setState(item, "invalid", texts.needs);
    } else {
      setState(item, "pending", texts.saved);
    }
    showStatus();
    sync();
  }

  async function send(record) {
    const body = new FormData();
    body.append("item", record.item);
    body.append("verdict", record.verdict);
    body.append("score", record.score);
    body.append("text", record.text);
    body.append("comment", record.comment);
    body.append("answered_at", record.answeredAt);
    body.append("client_key", record.clientKey);
    body.append("base_revision", String(record.baseRevision));
    body.append("device", deviceId());
    body.append("offline", record.offline ? "1" : "0");
    if (record.evidence) {
      body.append("evidence", record.evidence, record.evidenceName || "anh.jpg");
    }
    const response = await fetch(syncUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data: data };
  }

  async function sync() {
    if (syncing || !navigator.onLine) {
      showStatus();
      return;
    }
    syncing = true;
    try {
      for (const record of await pendingAll()) {
        if (record.invalid) {
          continue;
        }
        let result;
        try {
          result = await send(record);
        } catch (error) {
          break; // Still no network: keep everything for the next try.
        }
        if (result.ok) {
          await store("readwrite", (s) => s.delete(record.key));
          const box = fieldset(record.item);
          box.dataset.revision = String(result.data.revision);
          box.querySelector("input[name$='-revision']").value = String(result.data.revision);
          if (result.data.outcome === "conflict") {
            setState(record.item, "conflict", texts.conflict);
          } else {
            setState(record.item, "sent", texts.sent);
          }
        } else if (result.status === 400 || result.status === 403) {
          record.invalid = true;
          await store("readwrite", (s) => s.put(record));
          setState(record.item, "invalid", (result.data.errors || []).join(" "));
        } else {
          break;
        }
      }
    } finally {
      syncing = false;
      showStatus();
    }
  }

  // Answers typed earlier on this device, not yet sent, are shown again.
  async function restore() {
    for (const record of await pendingAll()) {
      const box = fieldset(record.item);
      if (!box) {
        continue;
      }
      if (record.verdict) {
        const radio = box.querySelector("input[type=radio][value='" + record.verdict + "']");
        if (radio) {
          radio.checked = true;
        }
      }
      const score = box.querySelector("input[type=number]");
      if (score) {
        score.value = record.score;
      }
      const text = box.querySelector("textarea[name$='-text']");
      if (text) {
        text.value = record.text;
      }
      box.querySelector("textarea[name$='-comment']").value = record.comment;
      setState(record.item, record.invalid ? "invalid" : "pending", record.invalid ? texts.needs : texts.saved);
    }
    showStatus();
    sync();
  }

  form.addEventListener("change", (event) => {
    const box = event.target.closest("fieldset.inspection-item");
    if (box) {
      remember(box);
    }
  });
  form.addEventListener("submit", (event) => {
    // With the script, every answer is already kept and sent one by one.
    event.preventDefault();
    form.querySelectorAll("fieldset.inspection-item").forEach((box) => {
      if (box.dataset.state === "invalid") {
        remember(box);
      }
    });
    sync();
  });
  window.addEventListener("online", sync);
  window.addEventListener("offline", showStatus);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "inspections-sync") {
        sync();
      }
    });
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("inspections-answers"))
      .catch(() => {});
  }
  restore();
})();
