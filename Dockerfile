# Billfold: one image for the web server (gunicorn) and the background worker (qcluster).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BILLFOLD_VAR_DIR=/app/var \
    PORT=8000

RUN groupadd --system billfold \
    && useradd --system --gid billfold --home-dir /app --shell /usr/sbin/nologin billfold

WORKDIR /app

# Dependencies first, so a code change does not reinstall them: a stub package with the real
# pyproject.toml resolves and installs every dependency in its own layer.
COPY pyproject.toml README.md ./
RUN mkdir -p config && touch config/__init__.py \
    && pip install .[otel] \
    && pip uninstall -y billfold \
    && rm -rf config build ./*.egg-info

# The code runs from /app (templates and static files live beside it).
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media \
    && chown -R billfold:billfold /app/var \
    && chmod +x config/docker-entrypoint.sh

USER billfold
EXPOSE 8000

ENTRYPOINT ["/app/config/docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "config/gunicorn.py"]
