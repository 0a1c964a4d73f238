# syntax=docker/dockerfile:1
# MaliSIG: one image for the web (gunicorn), the Celery worker and Celery beat.
#   docker build -t malisig .
# Everything is installed at build time (pinned requirements, static files collected and hashed);
# the container needs no network at runtime besides PostgreSQL, Redis and the mail server.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    MEDIA_ROOT=/var/lib/malisig/media \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000 \
    WEB_CONCURRENCY=3

# postgresql-client (15 on bookworm, like the postgres:15 service) for deploy/backup.sh and restore.sh.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 malisig \
    && useradd --system --uid 10001 --gid malisig --home-dir /app --no-create-home --shell /usr/sbin/nologin malisig \
    && mkdir -p /app /var/lib/malisig/media /var/lib/malisig/beat /var/lib/malisig/backups \
    && chown -R malisig:malisig /var/lib/malisig

WORKDIR /app
COPY requirements.txt ./
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --require-virtualenv -r requirements.txt

# The code belongs to root: the application cannot change it. It writes only under /var/lib/malisig.
COPY . .
# Static files are collected once, here; whitenoise serves them compressed and hashed. The SECRET_KEY is a
# throwaway for this step only: the real one comes from the environment at runtime.
RUN DEBUG=False SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build.invalid \
        python manage.py compile_catalogues \
    && DEBUG=False SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build.invalid \
        python manage.py collectstatic --no-input -v 0

USER malisig
EXPOSE 8000
VOLUME ["/var/lib/malisig/media"]

# /healthz answers 200 when the database and the broker answer (deploy/healthcheck.py sends the Host and
# X-Forwarded-Proto headers a reverse proxy would, so ALLOWED_HOSTS and the HTTPS redirect let it through).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

# The web process; the worker and beat use the same image with another command (see docker-compose.yml).
CMD ["sh", "-c", "exec gunicorn malisig.wsgi --bind 0.0.0.0:${PORT} --access-logfile - --forwarded-allow-ips '*' --timeout 60"]
