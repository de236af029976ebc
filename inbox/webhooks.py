"""Webhook endpoints: /webhooks/facebook and /webhooks/x.

No login (the platforms call them) and no CSRF token; the HMAC signature over the raw
body is the authentication. Answer fast: the work happens in a task.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.models import Platform
from inbox.services import webhooks


def _receive(request: HttpRequest, platform: str, signature_ok: bool) -> HttpResponse:
    if not signature_ok:
        return JsonResponse({"error": "signature mismatch"}, status=403)
    try:
        delivery = webhooks.receive_webhook(
            platform=platform, body=request.body, headers=request.headers
        )
    except webhooks.MalformedWebhook as exc:
        return JsonResponse({"error": f"malformed delivery: {exc}"}, status=400)
    return JsonResponse({"received": delivery.pk})


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def facebook_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge = webhooks.facebook_challenge(
            mode=request.GET.get("hub.mode", ""),
            verify_token=request.GET.get("hub.verify_token", ""),
            challenge=request.GET.get("hub.challenge", ""),
        )
        if challenge is None:
            return HttpResponse("verify token mismatch", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    valid = webhooks.facebook_signature_is_valid(
        body=request.body, header=request.headers.get("X-Hub-Signature-256", "")
    )
    return _receive(request, Platform.FACEBOOK, valid)


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not token:
            return JsonResponse({"error": "crc_token missing"}, status=400)
        return JsonResponse(webhooks.x_crc_response(token))
    valid = webhooks.x_signature_is_valid(
        body=request.body, header=request.headers.get("X-Twitter-Webhooks-Signature", "")
    )
    return _receive(request, Platform.X, valid)
