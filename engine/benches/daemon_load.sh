#!/usr/bin/env bash
# Load on the daemon with oha, generator on the same machine:
#   1. POST /webhooks/load  — 1 KB signed JSON bodies, every one accepted and committed;
#   2. POST /v1/authorize   — with the audit log on (every decision recorded), then
#      again with it off (NETCLAW_Audit__Enabled=false), and the ratio;
#   3. the same webhook load on adnanh/webhook (Debian's `webhook`) verifying the same
#      HMAC route, as the baseline.
# Needs: oha (cargo install oha), webhook (apt install webhook) for the baseline, openssl.
# Usage: engine/benches/daemon_load.sh [SECONDS] [CONNECTIONS] [PAIRS]
#   PAIRS: authorize runs with the audit log on and off (default 1);
#   AUTHORIZE_ONLY=1 skips the webhook loads; AUTHORIZE_BODY sets the call (see below).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH="${1:-20}"
CONNECTIONS="${2:-64}"
PAIRS="${3:-1}"
SECRET="load-test-secret-0123456789abcdef"

cargo build --release --quiet -p netclaw
NETCLAW="$PWD/target/release/netclaw"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR/config/webhooks"
chmod 700 "$HOME_DIR" "$HOME_DIR/config/webhooks"
cat > "$HOME_DIR/config/netclaw.json" <<JSON
{"Daemon": {"Port": 5299}, "Webhooks": {"Enabled": true}, "Security": {"DeploymentPosture": "Team"}}
JSON
cat > "$HOME_DIR/config/webhooks/load.json" <<JSON
{"prompt": "load", "verification": {"kind": "Hmac", "secret": "$SECRET",
 "signatureHeaderName": "X-Hub-Signature-256", "signaturePrefix": "sha256="},
 "rateLimitPerMinute": 4000000000}
JSON
chmod 600 "$HOME_DIR"/config/*.json "$HOME_DIR"/config/webhooks/*.json

# 1 KB of JSON and its signature.
python3 - "$WORK/body.json" <<'PY'
import json, sys
body = json.dumps({"action": "opened", "pad": "x" * (1024 - len(json.dumps({"action": "opened", "pad": ""})))})
open(sys.argv[1], "w").write(body)
PY
SIGNATURE="$(openssl dgst -sha256 -hmac "$SECRET" < "$WORK/body.json" | awk '{print $NF}')"

"$NETCLAW" --home "$HOME_DIR" daemon start
rss() { ps -o rss= -p "$(cat "$HOME_DIR/daemon.pid")" | tr -d ' '; }

report() { # name, oha json
  python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
print(f"{name:<34} {s['requestsPerSec']:>10.0f} req/s   p50 {p['p50']*1000:6.2f} ms   p99 {p['p99']*1000:6.2f} ms   {codes}")
PY
}

echo "rss before: $(rss) KiB"
if [ -z "${AUTHORIZE_ONLY:-}" ]; then
  oha --no-tui -z "${SECONDS_EACH}s" -c "$CONNECTIONS" -m POST -T application/json \
    -H "X-Hub-Signature-256: sha256=$SIGNATURE" -D "$WORK/body.json" \
    --output-format json -o "$WORK/webhooks.json" http://127.0.0.1:5299/webhooks/load
  report "netclaw /webhooks (durable)" "$WORK/webhooks.json"
  echo "rss after webhooks: $(rss) KiB; queued: $(sqlite3 "$HOME_DIR/netclaw.db" 'select count(*) from webhook_deliveries' 2>/dev/null || echo '?')"
fi

# AUTHORIZE_BODY replaces the call: the default is a Slack message without its Slack
# context, which the channel ACL denies; '{"channel": "tui", "tool": "web_fetch"}'
# goes through every layer to the approval gate.
SLACK_WITHOUT_CONTEXT='{"channel": "slack", "tool": "web_fetch", "arguments": {"url": "https://example.com"}}'
printf '%s' "${AUTHORIZE_BODY:-$SLACK_WITHOUT_CONTEXT}" > "$WORK/authorize.json"
authorize() { # label, output; the daemon is running
  oha --no-tui -z "${SECONDS_EACH}s" -c "$CONNECTIONS" -m POST -T application/json -D "$WORK/authorize.json" \
    --output-format json -o "$2" http://127.0.0.1:5299/v1/authorize
  report "$1" "$2"
}
# Paired runs, audit on then off, each pair in the same minute: the ratio moves with
# whatever else the two cores are doing, so one pair proves little.
for pair in $(seq "$PAIRS"); do
  authorize "netclaw /v1/authorize (audit on)" "$WORK/on-$pair.json"
  echo "rss: $(rss) KiB; recorded: $(sqlite3 "$HOME_DIR/netclaw.db" 'select count(*) from audit_log' 2>/dev/null || echo '?')"
  "$NETCLAW" --home "$HOME_DIR" daemon stop
  NETCLAW_Audit__Enabled=false "$NETCLAW" --home "$HOME_DIR" daemon start
  authorize "netclaw /v1/authorize (audit off)" "$WORK/off-$pair.json"
  "$NETCLAW" --home "$HOME_DIR" daemon stop
  "$NETCLAW" --home "$HOME_DIR" daemon start
done
"$NETCLAW" --home "$HOME_DIR" daemon stop
python3 - "$WORK" "$PAIRS" <<'PY'
import json, sys
work, pairs = sys.argv[1], int(sys.argv[2])
rate = lambda name: json.load(open(f"{work}/{name}"))["summary"]["requestsPerSec"]
ratios = [rate(f"on-{i}.json") / rate(f"off-{i}.json") for i in range(1, pairs + 1)]
on = sum(rate(f"on-{i}.json") for i in range(1, pairs + 1))
off = sum(rate(f"off-{i}.json") for i in range(1, pairs + 1))
print(f"audit on / off: {on / off:.2f}x over {pairs} pair(s) (each {min(ratios):.2f}-{max(ratios):.2f})")
PY

if [ -z "${AUTHORIZE_ONLY:-}" ] && command -v webhook >/dev/null; then
  cat > "$WORK/hooks.json" <<JSON
[{"id": "load", "execute-command": "/bin/true", "trigger-rule":
  {"match": {"type": "payload-hmac-sha256", "secret": "$SECRET",
             "parameter": {"source": "header", "name": "X-Hub-Signature-256"}}}}]
JSON
  webhook -hooks "$WORK/hooks.json" -ip 127.0.0.1 -port 5298 >/dev/null 2>&1 &
  sleep 1
  oha --no-tui -z "${SECONDS_EACH}s" -c "$CONNECTIONS" -m POST -T application/json \
    -H "X-Hub-Signature-256: sha256=$SIGNATURE" -D "$WORK/body.json" \
    --output-format json -o "$WORK/baseline.json" http://127.0.0.1:5298/hooks/load
  report "adnanh/webhook (baseline)" "$WORK/baseline.json"
fi
