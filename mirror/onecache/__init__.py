"""ONE's cache tables: `sessions.pqt` and `datasets.pqt` in `cache.zip`, described by `/cache/info`.

`one.load_cache()` downloads them once; from then on `one.search(query_type='local')` and
`one.list_datasets(..., query_type='local')` answer from memory instead of paging the REST API.
The tables are built by a job (`manage.py mirror_one_cache`), never inside a request.
"""
