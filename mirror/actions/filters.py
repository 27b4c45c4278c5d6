"""Alyx's /sessions filters (contract §7.1), each with its Alyx meaning."""
import django_filters
from django.db.models import Exists, F, OuterRef
from rest_framework.exceptions import ValidationError

from mirror.actions.models import Session
from mirror.core import django_lookup
from mirror.core.filters import (
    AllOfFilter,
    DateRangeFilter,
    IntegerFilter,
    LookupPairsFilter,
    MirrorFilterSet,
    QCFilter,
    RelatedKeyFilter,
    comma_list,
)
from mirror.core.qc import QC, qc_value
from mirror.data.models import Dataset
from mirror.data.selectors import downloadable_datasets

JSON_HELP = ("JSON lookups in `django=` form, relative to the field: e.g. "
             "`{field}=behavior__gte,0.5` or `{field}=task,pass`.")


def _session_datasets():
    return downloadable_datasets().filter(session=OuterRef("pk"))


class JSONPairsFilter(LookupPairsFilter):
    """`extended_qc=<key lookup>,<value>…`: lookups inside a JSON field."""

    def apply(self, qs, texts: list[str]):
        for text in filter(None, texts):
            for pair in django_lookup.parse(text, self.field_name):
                lookup = f"{self.field_name}__{pair.lookup}"
                qs = django_lookup.apply_pair(qs, lookup, pair, self.field_name)
        return qs


class SessionFilterSet(MirrorFilterSet):
    subject = RelatedKeyFilter(field_name="subject__nickname", lookup_expr="iexact",
                               help_text="Subject nickname (exact, any case).")
    nickname = RelatedKeyFilter(field_name="subject__nickname", lookup_expr="iexact",
                                help_text="Same as subject.")
    lab = django_filters.CharFilter(field_name="lab__name", lookup_expr="iexact",
                                    help_text="Lab name (exact, any case).")
    number = IntegerFilter(help_text="Session number; `001` works.")
    date_range = DateRangeFilter(field_name="start_time", help_text="`first,last` dates, "
                                 "inclusive, e.g. 2020-01-01,2020-01-31.")
    task_protocol = django_filters.CharFilter(lookup_expr="icontains",
                                              help_text="Task protocol contains this.")
    projects = django_filters.CharFilter(field_name="projects__name", lookup_expr="icontains",
                                         distinct=True, help_text="A project's name contains this.")
    project = django_filters.CharFilter(field_name="projects__name", lookup_expr="icontains",
                                        distinct=True, help_text="Same as projects.")
    users = AllOfFilter(field_name="users__username",
                        help_text="Comma-separated usernames: sessions run by all of them.")
    type = django_filters.CharFilter(lookup_expr="iexact", help_text="Session type (any case).")
    qc = QCFilter(help_text="Session QC name or number.")
    dataset_types = django_filters.CharFilter(method="filter_dataset_types", help_text=(
        "Comma-separated dataset type names: sessions with downloadable datasets of all of them."))
    datasets = django_filters.CharFilter(method="filter_datasets", help_text=(
        "Comma-separated dataset names (e.g. _ibl_trials.table.pqt): sessions having all of them "
        "downloadable with QC at most dataset_qc_lte (default FAIL)."))
    dataset_qc_lte = django_filters.CharFilter(method="filter_dataset_qc_lte", help_text=(
        "QC name or number. Alone: sessions with any dataset of QC at most this; with "
        "`datasets`: the QC bound of those datasets."))
    tag = django_filters.CharFilter(method="filter_tag",
                                    help_text="Sessions with a dataset whose tag contains this.")
    performance_gte = django_filters.NumberFilter(method="filter_performance_gte",
                                                  help_text="100·n_correct_trials/n_trials ≥ this.")
    performance_lte = django_filters.NumberFilter(method="filter_performance_lte",
                                                  help_text="100·n_correct_trials/n_trials ≤ this.")
    extended_qc = JSONPairsFilter(help_text=JSON_HELP.format(field="extended_qc"))
    json = JSONPairsFilter(help_text=JSON_HELP.format(field="json"))
    parent_session = django_filters.UUIDFilter(help_text="UUID of the parent session.")
    id = django_filters.UUIDFilter(help_text="The session's UUID.")

    class Meta:
        model = Session
        fields = ("id", "name", "narrative", "start_time", "end_time", "n_trials",
                  "n_correct_trials", "auto_datetime")

    def _qc_bound(self, default=QC.FAIL) -> int:
        raw = self.data.get("dataset_qc_lte")
        if raw in (None, ""):
            return int(default)
        try:
            return qc_value(raw)
        except ValueError as exc:
            raise ValidationError({"dataset_qc_lte": [str(exc)]}) from None

    def filter_datasets(self, queryset, name, value):
        bound = self._qc_bound()
        for dataset_name in comma_list(value, name):
            queryset = queryset.filter(Exists(
                _session_datasets().filter(name=dataset_name, qc__lte=bound)))
        return queryset

    def filter_dataset_qc_lte(self, queryset, name, value):
        bound = self._qc_bound()
        if self.data.get("datasets"):
            return queryset  # only bounds the datasets filter
        return queryset.filter(Exists(
            Dataset.objects.filter(session=OuterRef("pk"), qc__lte=bound)))

    def filter_dataset_types(self, queryset, name, value):
        for type_name in comma_list(value, name):
            queryset = queryset.filter(Exists(
                _session_datasets().filter(dataset_type__name=type_name)))
        return queryset

    def filter_tag(self, queryset, name, value):
        return queryset.filter(Exists(
            Dataset.objects.filter(session=OuterRef("pk"), tags__name__icontains=value)))

    def filter_performance_gte(self, queryset, name, value):
        return queryset.filter(n_trials__gt=0,
                               n_correct_trials__gte=F("n_trials") * float(value) / 100)

    def filter_performance_lte(self, queryset, name, value):
        return queryset.filter(n_trials__gt=0,
                               n_correct_trials__lte=F("n_trials") * float(value) / 100)
