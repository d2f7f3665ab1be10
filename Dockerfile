# The production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPSPORTAL_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Collect static files at build time; these throwaway values exist only for this step.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-real-secret-0123456789abcdefghij ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input -v 0 \
    && useradd --system --uid 10001 --home /app opsportal \
    && mkdir -p /app/var && chown -R opsportal /app/var

USER opsportal
EXPOSE 8000
CMD ["gunicorn", "opsportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
