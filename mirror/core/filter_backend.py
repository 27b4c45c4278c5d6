"""django-filter, strict: an unknown query parameter is a 400 that lists the accepted ones.

Alyx (django-filter's default) ignores a misspelled filter and returns every row, which users have
mistaken for an answer (`/sessions?eid=…` returned 26,627 sessions).
"""
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Parameters understood outside the filterset: pagination and DRF's format override.
GENERAL_PARAMS = ("limit", "offset", "format")
#: Unknown parameters named in one answer (Django allows 1,000 in a query string; naming each
#: with the accepted list made a 440 kB answer to a 20 kB request).
UNKNOWN_NAMED = 20


class StrictFilterBackend(DjangoFilterBackend):
    def accepted_params(self, view) -> list[str]:
        filterset_class = getattr(view, "filterset_class", None)
        names = list(filterset_class.base_filters) if filterset_class else []
        return sorted(set(names) | set(GENERAL_PARAMS))

    def filter_queryset(self, request, queryset, view):
        accepted = self.accepted_params(view)
        unknown = sorted(set(request.query_params) - set(accepted))[:UNKNOWN_NAMED]
        if unknown:
            raise ValidationError({name: [
                f"Unknown query parameter. Accepted: {', '.join(accepted)}."
            ] for name in unknown})
        return super().filter_queryset(request, queryset, view)
