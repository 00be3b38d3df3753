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
# Graceful shutdown: on SIGTERM (systemd's stop, docker stop) gunicorn closes its listening socket
# at once (the load balancer moves new requests to the other nodes) and lets each worker finish
# the request it is serving, an upload chunk included, for up to this long before it kills it.
# SIGQUIT / SIGINT stop at once. Celery's worker has its own warm shutdown (acks_late: a task cut
# off is delivered again).
graceful_timeout = 120


def post_worker_init(worker):
    """On SIGTERM a worker closes its copy of the listening socket before finishing its request.

    The master closes its own at once, but each worker holds one too, and while any is open the
    kernel keeps accepting connections that nobody will serve. Closed everywhere, a new
    connection is refused, and the load balancer passes the request to another node (nginx does
    so even for an upload's PATCH: nothing of it was sent), while the request in flight finishes.
    """
    import signal

    finish = worker.handle_exit

    def stop_listening_then_finish(sig, frame):
        for listener in worker.sockets:
            listener.close()
        finish(sig, frame)

    signal.signal(signal.SIGTERM, stop_listening_then_finish)
