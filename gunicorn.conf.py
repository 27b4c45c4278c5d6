"""gunicorn reads this file from the folder it starts in: the service's own serving rules.

- The access log (`--access-logfile -`) goes through a logger that takes the webhook's secret out
  of every path it writes (mirror.core.log_redaction).
- A worker may take 60 s for a request, above the database's limit for it (MIRROR_STATEMENT_TIMEOUT,
  30 s): a statement that runs too long is stopped and answered 503, instead of gunicorn killing
  the worker first and the client getting a bare 500. Raise both together (`--timeout`).
"""
logger_class = "mirror.core.log_redaction.RedactingGunicornLogger"
timeout = 60
