"""/sessions."""
from mirror.actions.filters import SessionFilterSet
from mirror.actions.models import Session
from mirror.actions.serializers import SessionListSerializer, SessionSerializer
from mirror.core.viewsets import MirrorViewSet


class SessionViewSet(MirrorViewSet):
    """Sessions, newest first. The list is light (what ONE's search reads); the detail adds the
    session's downloadable datasets (`data_dataset_session_related`).

    Filters: subject, nickname, lab, number, date_range, task_protocol, projects, project, users,
    type, qc, dataset_types, datasets, dataset_qc_lte, tag, performance_gte, performance_lte,
    extended_qc, json, id, name, narrative, start_time, end_time, n_trials, n_correct_trials,
    parent_session, auto_datetime, source, source_id, django.

    Example: `/sessions?subject=SW_023&date_range=2020-01-01,2020-01-31&number=001`.
    """

    queryset = Session.objects.all()
    serializer_class = SessionSerializer
    list_serializer_class = SessionListSerializer
    filterset_class = SessionFilterSet
    ordering = ("-start_time", "id")
