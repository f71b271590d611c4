# Collecte application image: the API and web pages served by uvicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    COLLECTE_DATA_DIR=/var/lib/collecte

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY labels ./labels
COPY collecte ./collecte
# Editable install: the migrations (alembic/) and label stocks (labels/) stay beside the package.
RUN pip install -e . \
    && useradd --system --home /var/lib/collecte --create-home collecte

USER collecte
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["collecte", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
