# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CARE_VAR_DIR=/var/lib/care
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home /app care && mkdir -p /var/lib/care && chown care /var/lib/care
# collectstatic needs settings, not secrets: throwaway values for the build only.
RUN DJANGO_DEBUG=0 SECRET_KEY=build CARE_ENCRYPTION_KEYS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= \
    python manage.py collectstatic --noinput
USER care
EXPOSE 8000
CMD ["gunicorn", "care.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
