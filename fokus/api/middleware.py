"""The API's answer to a control character (fokus.lib.middleware.ControlCharacterMiddleware
refuses them everywhere with the pages' HTML): the same refusal as the API's JSON error.
Placed just before that middleware (settings: "The REST API")."""

from django.utils import translation

from fokus.lib.forms import control_character_message
from fokus.lib.middleware import request_has_control_characters

API_PREFIX = "/api/"


class ApiControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith(API_PREFIX):
            return None
        try:
            refused = request_has_control_characters(request)
        except Exception:  # noqa: BLE001 - an unreadable body is the view's to answer
            return None
        if not refused:
            return None
        from fokus.api.views import error, language, principal_of

        request.principal = principal_of(request)
        with translation.override(language(request)):
            problem = control_character_message()
        return error(request, 400, "bad_request", errors=[problem])
