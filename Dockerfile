# syntax=docker/dockerfile:1
#
# TelemetryPipeline container image: one image for every verb (run, settle, post, reconcile, allocations, ...).
#
#   docker build -t telemetry-pipeline:local .
#   docker run --rm telemetry-pipeline:local --help
#
# Stage 1 publishes a self-contained build; stage 2 is Debian 12 with the distribution's librdkafka (2.0.2), the exact
# combination the project is tested with (Confluent.Kafka 1.9.3's managed assembly over the OS's librdkafka.so.1;
# see ARCHITECTURE.md: 2.x managed assemblies need librdkafka >= 2.1). Self-contained, so the runtime image does not
# depend on which distributions Microsoft's runtime images are built on.

ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE_IMAGE=debian:12-slim

FROM ${DOTNET_SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Only what the host project's build needs (the demo verb's throwaway servers live in the two test kits it references).
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY schemas/ schemas/
COPY src/ src/
COPY tests/TelemetryPipeline.TestKit/ tests/TelemetryPipeline.TestKit/
COPY tests/TelemetryPipeline.TestKit.Odoo/ tests/TelemetryPipeline.TestKit.Odoo/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    case "${TARGETARCH:-amd64}" in \
      amd64) rid=linux-x64 ;; \
      arm64) rid=linux-arm64 ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && dotnet publish src/TelemetryPipeline/TelemetryPipeline.csproj -c Release -r "$rid" --self-contained true \
      -p:UseAppHost=true -p:DebugType=none -o /out

FROM ${RUNTIME_BASE_IMAGE} AS runtime
# librdkafka1 from the distribution; the rest is what a self-contained .NET app needs (TLS to Odoo, time zones for
# project-local settlement days, certificates). No shell tools beyond Debian's base: the health check uses bash.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka1 ca-certificates tzdata libssl3 libstdc++6 libgcc-s1 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pipeline \
 && useradd --system --uid 10001 --gid pipeline --home-dir /app --no-create-home --shell /usr/sbin/nologin pipeline
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot change its own binaries or appsettings.json.
COPY --from=build --chown=root:root --chmod=0755 /out/ /app/
ENV TP__Web__Urls=http://0.0.0.0:8080 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0
USER 10001:10001
EXPOSE 8080
# Readiness (Kafka, Redis and PostgreSQL reachable) without curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/TelemetryPipeline"]
CMD ["run"]
