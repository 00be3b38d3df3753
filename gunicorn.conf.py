"""gunicorn's settings for the web process (the Dockerfile's command; deploy/ uses it too).

gunicorn reads two more from the environment itself: WEB_CONCURRENCY (the number of workers) and
FORWARDED_ALLOW_IPS (the proxies whose X-Forwarded-* headers it trusts).
"""

bind = "0.0.0.0:8000"
# Access and error logs to stdout/stderr, each line through secondopinion.logging's redaction:
# no link token and no search term reaches a log.
accesslog = "-"
errorlog = "-"
logger_class = "secondopinion.logging.GunicornLogger"
# Heartbeat files in memory, and no control socket: the container is scaled from outside.
worker_tmp_dir = "/dev/shm"  # noqa: S108  (gunicorn's own heartbeat files, in tmpfs)
control_socket_disable = True
# Room for a large upload chunk over a slow connection.
timeout = 120
