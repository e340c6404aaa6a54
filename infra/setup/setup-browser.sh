#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser test (big, so only when asked: PIPELINE_SETUP_BROWSER=1,
# which `make test` sets). Playwright drives it at /usr/bin/chromium; `playwright install` is never used. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "setup: installing chromium (apt) for the browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
