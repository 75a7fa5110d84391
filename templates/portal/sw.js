// Union Portal service worker. It keeps only the offline page and static files:
// pages are never cached, because they may show personal data. It also shows
// the Web Push notifications the portal sends (members.channels.WebPushChannel).
"use strict";
const CACHE_NAME = "{{ cache_name }}";
const OFFLINE_URL = "{{ offline_url }}";
const PRECACHE = {{ precache_json|safe }};
const STATIC_PREFIX = "{{ static_prefix }}";
const INBOX_URL = "{{ inbox_url|escapejs }}";
const ICON_URL = "{{ icon_url|escapejs }}";
const DEFAULT_TITLE = "{{ default_title|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE_NAME)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { credentials: "omit" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE_NAME).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate") {
    // Network only; the offline page when there is no network.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// A push carries JSON: {title, body, link, tag}. A message that cannot be read
// still shows something: a push must always show a notification.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  const options = {
    body: typeof message.body === "string" ? message.body : "",
    icon: ICON_URL,
    badge: ICON_URL,
    lang: "vi",
    data: { link: typeof message.link === "string" ? message.link : INBOX_URL },
  };
  if (typeof message.tag === "string" && message.tag) {
    // The same notification sent twice replaces itself instead of showing twice.
    options.tag = message.tag;
  }
  const title = typeof message.title === "string" && message.title ? message.title : DEFAULT_TITLE;
  event.waitUntil(self.registration.showNotification(title, options));
});

// A tap opens the notification's page on the portal (never another site), or
// brings forward a tab already showing it.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = new URL((event.notification.data && event.notification.data.link) || INBOX_URL, self.location.origin);
  const target = wanted.origin === self.location.origin ? wanted : new URL(INBOX_URL, self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target.href && "focus" in client) {
          return client.focus();
        }
      }
      return self.clients.openWindow(target.href);
    }),
  );
});

// Answers typed offline on an inspection checklist wait in the page's storage
// (inspections/static/inspections/js/checklist.js). When the browser's
// Background Sync says the network is back, the open checklist pages are told
// to send them: the page holds the session and the CSRF token, the worker none.
self.addEventListener("sync", (event) => {
  if (event.tag !== "inspections-answers") {
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((windows) => {
      windows.forEach((client) => client.postMessage({ type: "inspections-sync" }));
    }),
  );
});
