# Orbit Trivia: docker build -t orbit-trivia . && docker compose up -d   (see README, "Running it for real")

# --- build: wheels of the bot and of every dependency, so the runtime image needs no compiler and no cache
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY questions ./questions
COPY bot ./bot
COPY bench ./bench
COPY fake_discord ./fake_discord
COPY seeds ./seeds
# -c requirements.lock: exactly the versions the tests ran with.
RUN pip wheel --no-cache-dir -c requirements.lock --wheel-dir /wheels .

# --- runtime
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/trivia.db \
    METRICS_PORT=9108 \
    METRICS_HOST=0.0.0.0
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin trivia \
    && mkdir /data && chown trivia:trivia /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER trivia
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9108
# `docker stop` sends SIGTERM to PID 1: exec form (no shell in between) so that it reaches the bot itself.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"]
ENTRYPOINT ["orbit-trivia"]
CMD ["run"]
