"""django-filter, strict: an unknown query parameter is a 400 that lists the accepted ones.

Alyx (django-filter's default) ignores a misspelled filter and returns every row, which users have
mistaken for an answer (`/sessions?eid=…` returned 26,627 sessions).
"""
from django.template import loader
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from mirror.core.filters import MirrorFilterSet

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

    def to_html(self, request, queryset, view):
        """The browsable API's Filters dialog: a form of every filter, filled in from the query.
        (The filterset that filters holds only the filters given, so its form was empty.)"""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        options = {"every_filter": True} if issubclass(filterset_class, MirrorFilterSet) else {}
        filterset = filterset_class(request.query_params, queryset, request=request, **options)
        for name, field in filterset.form.fields.items():
            field.label = name  # the query parameter a user types, not the model field's name
            field.help_text = str(field.help_text).replace("`", "")  # plain text in a form
        return loader.get_template(self.template).render({"filter": filterset}, request)
