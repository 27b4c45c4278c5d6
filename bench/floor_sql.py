"""The floor's SQL: each read of the benchmark as one hand-written statement, on both databases.

Each statement returns the page's rows and the total count (a scalar subquery: the kept row count
for an unfiltered list, as the API reads it, else COUNT(*)) in one round trip;
to-many values either come as one aggregated string (a scalar subquery, so no cross product) or as
extra joined rows grouped in Python. Filters are written the way the database can use indexes
(a date range as a half-open `start_time` interval), which is what "the floor" means.
"""
from django.db import connection

SEP = "\x1f"  # unit separator (chr 31): cannot occur in names


def agg(expression: str, from_where: str, order: str) -> str:
    """A scalar subquery joining `expression` over rows, in `order`, with SEP."""
    if connection.vendor == "postgresql":
        return f"(SELECT string_agg({expression}, chr(31) ORDER BY {order}) {from_where})"
    return (f"(SELECT group_concat(v, char(31)) FROM (SELECT {expression} AS v {from_where} "
            f"ORDER BY {order}))")


def downloadable(dataset: str) -> str:
    return (f'EXISTS (SELECT 1 FROM data_filerecord f JOIN data_datarepository r ON '
            f'r.id = f.data_repository_id WHERE f.dataset_id = {dataset}.id AND f."exists" '
            f'AND NOT r.globus_is_personal)')


def total(table: str, where: str) -> str:
    """The count as the API gets it: an unfiltered list reads the trigger-kept row count
    (mirror.core.rowcount), a filtered one counts its rows."""
    if where == "1 = 1":
        return f"(SELECT row_count FROM core_rowcount WHERE table_name = '{table}')"
    alias = table.split("_")[-1][0]  # s for actions_session, d for data_dataset
    return f"(SELECT COUNT(*) FROM {table} {alias} WHERE {where})"


def session_where(filters: dict) -> tuple[str, list]:
    clauses, params = ["1 = 1"], []
    if "subject" in filters:
        clauses.append("s.subject_id IN (SELECT id FROM subjects_subject "
                       "WHERE UPPER(nickname) = UPPER(%s))")
        params.append(filters["subject"])
    if "date_range" in filters:
        clauses.append("s.start_time >= %s AND s.start_time < %s")
        params.extend(filters["date_range"])
    for name in filters.get("datasets", ()):
        clauses.append(f"EXISTS (SELECT 1 FROM data_dataset d WHERE d.session_id = s.id AND "
                       f"d.name = %s AND d.qc <= 40 AND {downloadable('d')})")
        params.append(name)
    if "pk__in" in filters:
        ids = filters["pk__in"] or [None]
        clauses.append(f"s.id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    return " AND ".join(clauses), params


def session_list(where: str) -> str:
    projects = agg("p.name", "FROM actions_session_projects sp JOIN subjects_project p ON "
                   "p.id = sp.project_id WHERE sp.session_id = s.id", "p.name")
    return f"""
        SELECT s.id, sub.nickname, s.start_time, s.number, l.name, {projects}, s.task_protocol,
               s.source, s.source_id, s.imported_at, s.upstream_deleted_at,
               {total("actions_session", where)}
        FROM actions_session s
        JOIN subjects_subject sub ON sub.id = s.subject_id
        LEFT JOIN people_lab l ON l.id = s.lab_id
        WHERE {where}
        ORDER BY s.start_time DESC, s.id LIMIT %s OFFSET %s"""


def session_detail() -> str:
    users = agg("u.username", "FROM actions_session_users su JOIN people_user u ON "
                "u.id = su.user_id WHERE su.session_id = s.id", "u.username")
    projects = agg("p.name", "FROM actions_session_projects sp JOIN subjects_project p ON "
                   "p.id = sp.project_id WHERE sp.session_id = s.id", "p.name")
    return f"""
        SELECT s.id, sub.nickname, {users}, l.name, {projects}, s.type, s.task_protocol,
               s.number, s.start_time, s.end_time, s.narrative, s.parent_session_id,
               s.n_correct_trials, s.n_trials, s.extended_qc, s.qc, s.auto_datetime, s.json,
               s.name, s.source, s.source_id, s.imported_at, s.upstream_deleted_at,
               d.id, d.name, t.name, d.file_size, d.hash, d.version, d.collection, rev.name,
               d.default_dataset, d.qc, f.id, f.relative_path, r.globus_is_personal, r.data_url
        FROM actions_session s
        JOIN subjects_subject sub ON sub.id = s.subject_id
        LEFT JOIN people_lab l ON l.id = s.lab_id
        LEFT JOIN data_dataset d ON d.session_id = s.id AND {downloadable('d')}
        LEFT JOIN data_datasettype t ON t.id = d.dataset_type_id
        LEFT JOIN data_revision rev ON rev.id = d.revision_id
        LEFT JOIN data_filerecord f ON f.dataset_id = d.id AND f."exists"
        LEFT JOIN data_datarepository r ON r.id = f.data_repository_id
        WHERE s.id = %s
        ORDER BY d.collection, d.name, d.id, r.globus_is_personal, f.id"""


def dataset_list(where: str) -> str:
    tags = agg("tg.name", "FROM data_dataset_tags dt JOIN data_tag tg ON tg.id = dt.tag_id "
               "WHERE dt.dataset_id = d.id", "tg.name")
    flag = ("EXISTS (SELECT 1 FROM data_dataset_tags dt JOIN data_tag tg ON tg.id = dt.tag_id "
            "WHERE dt.dataset_id = d.id AND tg.{})")
    return f"""
        SELECT d.id, d.name, u.username, d.created_datetime, t.name, fmt.name, d.collection,
               d.session_id, d.file_size, d.hash, d.version, s.number, d.auto_datetime,
               rev.name, d.default_dataset, {flag.format('protected')}, {flag.format('public')},
               {tags}, d.qc, d.json, d.source, d.source_id, d.imported_at,
               d.upstream_deleted_at, d.total,
               f.id, r.name, r.globus_path, f.relative_path, r.data_url, f."exists"
        FROM (SELECT d.*, {total("data_dataset", where)} AS total
              FROM data_dataset d WHERE {where}
              ORDER BY d.created_datetime DESC, d.id LIMIT %s OFFSET %s) d
        LEFT JOIN people_user u ON u.id = d.created_by_id
        JOIN data_datasettype t ON t.id = d.dataset_type_id
        JOIN data_dataformat fmt ON fmt.id = d.data_format_id
        LEFT JOIN actions_session s ON s.id = d.session_id
        LEFT JOIN data_revision rev ON rev.id = d.revision_id
        LEFT JOIN data_filerecord f ON f.dataset_id = d.id
        LEFT JOIN data_datarepository r ON r.id = f.data_repository_id
        ORDER BY d.created_datetime DESC, d.id, r.globus_is_personal, f.id"""
