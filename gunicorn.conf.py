"""gunicorn reads this file from the folder it starts in: the service's own logging rules.

The access log (`--access-logfile -`) goes through a logger that takes the webhook's secret out
of every path it writes (mirror.core.log_redaction).
"""
logger_class = "mirror.core.log_redaction.RedactingGunicornLogger"
