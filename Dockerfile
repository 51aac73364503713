# syntax=docker/dockerfile:1
# Build: docker build -t omnichannel .
# Run:   docker run -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -e OMNICHANNEL_JWT_SECRET=... -p 8000:8000 omnichannel

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY omnichannel ./omnichannel
RUN pip install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 omnichannel
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMNICHANNEL_HOME=/home/omnichannel/.omnichannel
USER omnichannel
WORKDIR /home/omnichannel
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Apply migrations, then serve. Set --workers to the number of cores.
CMD ["sh", "-c", "omnichannel migrate && exec omnichannel serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
