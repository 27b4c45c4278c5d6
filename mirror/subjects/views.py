"""/projects and /subjects."""
from mirror.core.viewsets import MirrorViewSet
from mirror.subjects.filters import ProjectFilterSet, SubjectFilterSet
from mirror.subjects.models import Project, Subject
from mirror.subjects.serializers import ProjectSerializer, SubjectSerializer


class ProjectViewSet(MirrorViewSet):
    """Projects (studies). Filters: name, source, django.

    Example: `/projects?source=labvanced`. Detail: `/projects/<name or uuid>`.
    """

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    natural_key = "name"
    ordering = ("name", "id")


class SubjectViewSet(MirrorViewSet):
    """Subjects (animals, participants). Filters: nickname, lab, responsible_user, project,
    alive, sex, species, strain, line, litter, birth_date, death_date, source, django.

    Example: `/subjects?lab=cortexlab&alive=true`. Detail: `/subjects/<nickname or uuid>`.
    """

    queryset = Subject.objects.all()
    serializer_class = SubjectSerializer
    filterset_class = SubjectFilterSet
    natural_key = "nickname"
    ordering = ("nickname", "id")
