"""The web surface (issue 11): who the client is, what may be cached, what input is read.

- TrustedProxyMiddleware (first in MIDDLEWARE): X-Forwarded-For and X-Forwarded-Proto are
  believed only from a proxy named in FOKUS_TRUSTED_PROXIES; from anyone else they are
  removed before Django (SECURE_PROXY_SSL_HEADER, request.is_secure()) or axes sees them.
- client_ip(request): the client's address, the same for the rating-link throttle and
  for axes (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, or behind trusted proxies the
  right-most address in X-Forwarded-For that is not one of them.
- NoStoreMiddleware (after WhiteNoise, so static files keep their long caching): every
  response of the application, which may show personal data, carries
  Cache-Control: no-store and Pragma: no-cache. A view whose response holds no personal
  data and must keep its own caching sets `response.fokus_cacheable = True` (only the
  family screen's service worker script does).
- ControlCharacterMiddleware: a request whose path, query, form fields or JSON body holds a
  NUL byte or another control character (C0 other than tab, CR and LF, and DEL) is
  refused (400) with a message in the person's language before any view runs; nothing
  is stored. The forms refuse them too (fokus.lib.forms.FokusForm), for code that
  fills a form without a request.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from fokus.lib.forms import CONTROL_CHARACTERS, control_character_message, has_control_characters

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "FOKUS_TRUSTED_PROXIES", ()) or ()))


def _address(raw: str | None):
    try:
        return ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None


def is_trusted_proxy(raw: str | None) -> bool:
    address = _address(raw)
    return address is not None and any(address in net for net in trusted_networks())


def client_ip(request) -> str:
    """The client's address. REMOTE_ADDR, unless the request came through a trusted
    proxy: then X-Forwarded-For is read from the right, skipping the trusted proxies,
    and the first address that is not one of them is the client (anything further left
    was written by the client and may be forged)."""
    meta = getattr(request, "META", {})
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    if not is_trusted_proxy(remote):
        return remote
    hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return remote  # a malformed hop: trust nothing beyond the proxy itself
        if not is_trusted_proxy(hop):
            return hop
    return hops[0] if hops else remote


def axes_client_ip(request, *args, **kwargs) -> str:
    """AXES_CLIENT_IP_CALLABLE: axes counts failed logins by the same address."""
    return client_ip(request)


FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR",
                     "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: forwarded headers count only from a trusted proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class NoStoreMiddleware:
    """Cache-Control: no-store (and Pragma: no-cache) on every response of the
    application. WhiteNoise answers static files before this middleware is reached, so
    they keep their own (long) caching. A view's own no-cache stays (the family
    screen's service worker must be revalidated) and no-store is added to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "fokus_cacheable", False):
            return response
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        patch_cache_control(response, no_store=True, private=True)
        response["Pragma"] = "no-cache"
        return response


def _json_strings(value, depth: int = 0):
    """Every string in a parsed JSON value, keys included (bounded depth)."""
    if depth > 50:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, depth + 1)


def request_has_control_characters(request) -> bool:
    if has_control_characters(request.path_info):  # e.g. /r/%00/ or an admin object id
        return True
    for query in (request.GET,):
        for key, values in query.lists():
            if has_control_characters(key) or any(has_control_characters(v) for v in values):
                return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                if has_control_characters(key) or any(
                        isinstance(v, str) and has_control_characters(v) for v in values):
                    return True
            for name, upload in request.FILES.items():
                if has_control_characters(name) or has_control_characters(upload.name or ""):
                    return True
        elif content_type.endswith("json"):
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                return False  # unreadable: the view answers that
            return any(has_control_characters(s) for s in _json_strings(body))
        else:
            body = request.body
            # A raw body (a JSON submission sent without its content type, e.g. a
            # sendBeacon): a NUL byte or control character in it is refused as well.
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return False
            if text.lstrip().startswith(("{", "[")):
                try:
                    parsed = json.loads(text)
                except ValueError:
                    return False
                return any(has_control_characters(s) for s in _json_strings(parsed))
    return False


def _wants_json(request) -> bool:
    return ((request.content_type or "").endswith("json")
            or "application/json" in request.META.get("HTTP_ACCEPT", "")
            or (request.body[:1] in (b"{", b"[") if request.method == "POST"
                and not (request.content_type or "").startswith(("multipart/",
                                                                  "application/x-www"))
                else False))


class ControlCharacterMiddleware:
    """Refuse (400) any request whose query string, form fields or JSON body contains
    a control character. Placed after the locale, session, CSRF and authentication
    middleware: the message is in the person's language, and a missing CSRF token is
    still answered as such first (this check runs in process_view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            refused = request_has_control_characters(request)
        except Exception:  # noqa: BLE001 - an unreadable body is the view's to answer
            return None
        if not refused:
            return None
        message = control_character_message()
        if _wants_json(request):
            return JsonResponse({"status": "refused", "errors": [message]}, status=400)
        return render(request, "refused_input.html",
                      {"message": message, "title": _("The text could not be saved")},
                      status=400)


__all__ = ["CONTROL_CHARACTERS", "ControlCharacterMiddleware", "NoStoreMiddleware",
           "TrustedProxyMiddleware", "axes_client_ip", "client_ip", "is_trusted_proxy"]
