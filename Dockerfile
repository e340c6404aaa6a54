# syntax=docker/dockerfile:1
# The pipeline CLI as a container image: `docker run IMAGE <role>` (produce, process, sink, api, archive, ...); the role
# is the command, configuration comes from PIPELINE__... variables (README "Production", infra/compose/).
# Stage 1 builds the dashboard's chart library from npm, as infra/setup does; stage 2 publishes the CLI with the SDK;
# stage 3 is the ASP.NET runtime image, run as the non-root user the .NET images ship (app, uid 1654).
# The tags are pinned to the SDK (10.0.401) and runtime (10.0.12) the tests run on; tests/Pipeline.Production.Tests
# runs the publish line below and checks the result is the CLI the tests use.

FROM node:20.19.5-bookworm-slim AS dashboard
WORKDIR /src
COPY api/Pipeline.Api/Dashboard/build.sh api/Pipeline.Api/Dashboard/build.sh
RUN PIPELINE_CACHE=/cache bash api/Pipeline.Api/Dashboard/build.sh

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY --from=dashboard /cache /cache
COPY . .
RUN dotnet publish cli/Pipeline.Cli/Pipeline.Cli.csproj -c Release -r linux-x64 --self-contained false -p:PipelineCache=/cache -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble
WORKDIR /app
COPY --from=build /app .
COPY config/ config/
# DataDir holds local state only; the roles in a container use the cluster's Kafka and PostgreSQL, never embedded ones.
RUN mkdir -p /var/lib/pipeline && chown "$APP_UID" /var/lib/pipeline
ENV PIPELINE__DATADIR=/var/lib/pipeline
USER $APP_UID
# 8080: the API (set PIPELINE__API__URLS=http://0.0.0.0:8080); 9464: /metrics of the other roles (--metrics-port 9464).
EXPOSE 8080 9464
# The runtime image has no curl: `pipeline health` asks http://127.0.0.1:9464/metrics (the API service overrides the URL).
HEALTHCHECK --interval=15s --timeout=6s --start-period=60s --retries=3 CMD ["/app/pipeline", "health"]
ENTRYPOINT ["/app/pipeline"]
CMD ["--help"]
