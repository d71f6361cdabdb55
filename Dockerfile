# Loket in a container: slim, non-root, the ledger on a volume, healthy only when /healthz says so.
#   docker build -t loket .
#   docker run -d --env-file .env -v loket-data:/data --name loket loket
# See docs/operate.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/loket.sqlite3 \
    BACKUP_DIR=/data/backups \
    HTTP_LISTEN=0.0.0.0 \
    HTTP_PORT=8081

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
# pip writes the bytecode of everything it installs here, at build time: the container never
# writes any (PYTHONDONTWRITEBYTECODE, and site-packages is not the loket user's), so without it
# every start compiled Loket and its libraries from source again (3.4-4.5 s to the first
# getUpdates instead of 1.6-2.2 s on a busy machine, benchmarks/bench_scale.py's ledger).
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin loket \
    && mkdir -p /data \
    && chown loket:loket /data

USER loket
VOLUME ["/data"]
# The webhook (WEBHOOK_PORT) and Loket's own endpoints (/healthz, /metrics, payment notifications).
EXPOSE 8443 8081

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8081'), timeout=4)" || exit 1

# SIGTERM (docker stop) stops the bot cleanly: pending payments are resumed at the next start.
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
