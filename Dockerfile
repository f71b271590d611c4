# Collecte application image: the API and web pages served by uvicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    COLLECTE_DATA_DIR=/var/lib/collecte

WORKDIR /app
# The pinned, hash-checked dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# Then the project, non-editable and without resolving anything: the wheel carries the
# migrations (alembic/ as collecte/_migrations) and the label stocks (labels/ as
# collecte/_label_stocks), so the sources are not kept.
COPY pyproject.toml README.md ./src/
COPY alembic ./src/alembic
COPY labels ./src/labels
COPY collecte ./src/collecte
RUN pip install --no-deps ./src \
    && rm -rf ./src \
    && useradd --system --home /var/lib/collecte --create-home collecte

USER collecte
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["collecte", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
