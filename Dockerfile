# syntax=docker/dockerfile:1
# Second Opinion: one image for the web process (gunicorn), the Celery worker and beat, and the
# one-shot migrate job (see docker-compose.yml). Build: docker build -t secondopinion .

# --- Front-end packages from npm, exactly as package-lock.json pins them. ---------------------
# Only their dist/ folders are used (STATICFILES_DIRS in settings.py); nothing is built with node.
FROM node:22-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# --- The application. ---------------------------------------------------------------------------
FROM python:3.13-slim-bookworm AS python

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Runtime libraries only: Pango/HarfBuzz/fontconfig for WeasyPrint (PDF reports, set in DejaVu),
# libmagic for python-magic (upload type sniffing), tzdata for zoneinfo. Every Python package
# in requirements.lock ships a manylinux wheel, so no compiler is needed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
      fonts-dejavu-core libmagic1 tzdata \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
      --shell /usr/sbin/nologin app

# Python dependencies first (their layer is reused until requirements.lock changes), every one
# checked against the hashes in the lock file.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock

WORKDIR /app
COPY --from=frontend /src/node_modules ./node_modules
COPY . .

# Static files are collected (hashed and compressed for WhiteNoise) into /app/staticfiles at build
# time; production settings need these three variables only to load. The code stays owned by root
# and read-only to the app user; var/ (settings create it on start-up) is the app user's, but in
# production nothing lasting is kept there: database, broker and files are services.
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
      python manage.py collectstatic --no-input \
 && rm -rf /app/var \
 && install -d -o app -g app -m 0750 /app/var

USER app
EXPOSE 8000

# gunicorn reads both of these itself: WEB_CONCURRENCY is the number of workers, and
# FORWARDED_ALLOW_IPS the proxies whose X-Forwarded-* headers it trusts (set it to the load
# balancer's address or subnet; "*" only when nothing but the proxy can reach the container).
# Django decides HTTPS from X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER), so the proxy in
# front must always set that header, never pass on the client's. The rest is in gunicorn.conf.py:
# bind, logs to stdout/stderr with link tokens and search terms redacted, heartbeat files in
# /dev/shm, no control socket, a 120 s timeout for a large upload chunk.
ENV WEB_CONCURRENCY=3 \
    FORWARDED_ALLOW_IPS="127.0.0.1,::1"

CMD ["gunicorn", "--config", "gunicorn.conf.py", "secondopinion.wsgi"]
