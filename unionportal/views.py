"""Views of the portal shell: home, health, and what makes it an installable app."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from unionportal.health import WEB, health_report
from unionportal.navigation import home_panels

FAVICON = "unionportal/icons/icon-192.png"
PWA_ICONS = [
    ("unionportal/icons/icon-192.png", "192x192", "any"),
    ("unionportal/icons/icon-512.png", "512x512", "any"),
    ("unionportal/icons/icon-maskable-512.png", "512x512", "maskable"),
]
PWA_STATIC = [
    "vendor/pico/pico.min.css",
    "unionportal/css/portal.css",
    "unionportal/js/portal.js",
    "unionportal/icons/icon-192.png",
]


@login_required
def home(request):
    """Show the member's home: a panel from each app that has one."""
    return render(
        request, "portal/home.html", {"panels": home_panels(user=request.user)}
    )


@login_required
@require_GET
def more(request):
    """List what the phone's tab bar leaves out, and the account's pages."""
    return render(request, "portal/more.html")


@never_cache
@require_GET
def healthz(request):
    """Report database, broker and worker status as JSON; 503 if any is down."""
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@never_cache
@require_GET
def healthz_web(request):
    """Report whether this web node can serve pages: database and cache; 503 if not.

    The load balancer's check (docs/deploy.md): it leaves the broker and the
    workers to /healthz, which monitoring watches.
    """
    report = health_report(WEB)
    return JsonResponse(report, status=200 if report["ok"] else 503)


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request):
    """Describe the portal as a web app that a phone can install."""
    data = {
        "name": settings.PORTAL_NAME,
        "short_name": _("Union"),
        "description": _("The union portal for members and union staff."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("portal:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f9c",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": use}
            for path, sizes, use in PWA_ICONS
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        content_type="application/manifest+json; charset=utf-8",
    )


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Send browsers asking for /favicon.ico to the portal's icon.

    A redirect kept for a day, not for good: the icon's static name carries a
    hash that changes with each release.
    """
    return HttpResponseRedirect(static(FAVICON))


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """Serve the service worker from the site root, so that it covers every page."""
    precache = [reverse("portal:offline"), *(static(path) for path in PWA_STATIC)]
    version = hashlib.sha256("\n".join(precache).encode()).hexdigest()[:12]
    response = render(
        request,
        "portal/sw.js",
        {
            "cache_name": f"unionportal-{version}",
            "offline_url": reverse("portal:offline"),
            "precache_json": json.dumps(precache),
            "static_prefix": settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL,
            # What a Web Push notification shows and opens (templates/portal/sw.js).
            "inbox_url": reverse("members:inbox"),
            "icon_url": static(PWA_ICONS[0][0]),
            "default_title": settings.PORTAL_NAME,
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=86400, public=True)
def offline(request):
    """Show the page the service worker falls back to without a network."""
    return render(request, "portal/offline.html")
