#!/usr/bin/env bash
# TelemetryPipeline build entry point.
#   ./build.sh demo    install what is missing, build, run the end-to-end demo
#   ./build.sh test    install what is missing, build, run the whole test suite (ends with "N passed, N failed")
#   ./build.sh build   install what is missing and build
#   ./build.sh setup   only install the Debian packages the project needs
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(librdkafka1 librdkafka-dev redis-server postgresql kcat python3-avro python3-confluent-kafka prometheus chromium)
CONFIGURATION=${CONFIGURATION:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null || { echo "error: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }
}

build() {
  log "building ($CONFIGURATION)"
  dotnet build TelemetryPipeline.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -warnaserror
}

run_tests() {
  log "running the test suite"
  local out; out=$(mktemp)
  set +e
  # Assemblies run one after another: each starts its own Redis / PostgreSQL / Kafka mock cluster, and the machine has 2 cores.
  dotnet test TelemetryPipeline.sln -c "$CONFIGURATION" --no-build -m:1 \
    --logger "console;verbosity=minimal" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  set -e
  local passed failed
  passed=$(grep -Eo 'Passed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -Eo 'Failed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A crashed test host prints no summary: count it as a failure rather than report a clean run.
    failed=1
    echo "error: dotnet test exited with $rc without a failing test in its summary (crashed test host?)" >&2
  fi
  rm -f "$out"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

case "${1:-}" in
  setup) setup ;;
  build) setup; build ;;
  test) setup; build; run_tests ;;
  demo) shift; setup; build
        dotnet run --project src/TelemetryPipeline -c "$CONFIGURATION" --no-build -- demo "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
