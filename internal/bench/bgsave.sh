#!/usr/bin/env bash
# bgsave.sh — what a background save costs the clients, redmod beside a real
# redis-server, on the same data set and the same write load.
#
# Usage:  internal/bench/bgsave.sh [KEYS]        (default 1000000)
#
# For each server: start it with an empty data folder and no save rules,
# load KEYS keys (key:%012d, 16-byte values) through redis-cli --pipe, then
# twice for SECONDS seconds run redis-benchmark SET and GET over those keys
# (-c 50 -d 16 -r KEYS, runs of BENCH_N requests back to back) beside
# saveprobe (a client sending PING and SET one at a time, timing each, and
# sampling the server's memory with its forked children's private pages):
# first with no save, then with BGSAVE after BGSAVE running the whole time.
# Prints, per server and phase, the median p99 of SET and GET over the
# runs, the largest redis-benchmark max latency, the longest probe wait
# and the peak memory; then a summary per server: the during-save p99 over
# the same server's no-save p99 (the ratio the target is set in: within
# 2x), the longest probe wait during the saves (target: no stall above
# 50 ms), the peak memory during the saves (for Redis with its forked
# child's private pages) and the saves completed. Quote ratios: the
# machine is shared.
#
# Environment: SECONDS_PER_PHASE [30]  BENCH_N [100000]  KEEP [0]
#              ONLY [redis|redmod: run one server]
#              SERVER_GODEBUG [GODEBUG for redmod, e.g. gctrace=1; with KEEP=1
#              its log stays]
#              SERVER_ENV [more NAME=value settings for redmod's environment,
#              e.g. "GOMAXPROCS=2 REDMOD_PPROF=127.0.0.1:6060"]
#              REDMOD_BIN [a redmod binary built already, for A/B runs of two
#              builds; default: build this tree's]
#              PORT [redis-server listens on PORT, redmod on PORT+1; default:
#              free ports the system picks]
set -euo pipefail
KEYS=${1:-1000000}
SECS=${SECONDS_PER_PHASE:-30}
BENCH_N=${BENCH_N:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ ${KEEP:-0} == 1 ]] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -n ${REDMOD_BIN:-} ]]; then
	cp "$REDMOD_BIN" "$tmp/redmod-server"
else
	(cd "$root" && go build -o "$tmp/redmod-server" ./cmd/redmod)
fi
(cd "$root" && go build -o "$tmp/saveprobe" ./internal/bench/saveprobe)

port() { # offset from PORT
	if [[ -n ${PORT:-} ]]; then echo $((PORT + $1)); else freeport; fi
}
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

load() { # port
	awk -v n="$KEYS" 'BEGIN { for (i = 0; i < n; i++) { k = sprintf("key:%012d", i); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nvalue-0123456789\r\n", length(k), k } }' |
		redis-cli -p "$1" --pipe >/dev/null
}

phase() { # name port pid probe-flags...
	local name=$1 port=$2 pid=$3
	shift 3
	local csv="$tmp/$name.csv"
	: >"$csv"
	rm -f "$tmp/stop"
	(
		while [[ ! -e $tmp/stop ]]; do
			redis-benchmark -p "$port" -t set,get -c 50 -n "$BENCH_N" -r "$KEYS" -d 16 --csv >"$csv.run" 2>/dev/null &
			echo $! >"$csv.pid"
			wait $! && [[ ! -e $tmp/stop ]] && tail -n +2 "$csv.run" >>"$csv"
		done
	) &
	local loop=$!
	local probe
	probe=$("$tmp/saveprobe" -addr "127.0.0.1:$port" -pid "$pid" -keys "$KEYS" -seconds "$SECS" "$@" 2>&1) || probe="saveprobe failed: $probe"
	touch "$tmp/stop"
	kill "$(cat "$csv.pid")" 2>/dev/null || true
	wait "$loop" 2>/dev/null || true
	awk -F'"' -v name="$name" -v probe="$probe" '
		{ p99[$2] = p99[$2] " " $14; if ($16 + 0 > mx) mx = $16 + 0; runs[$2]++ }
		function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
		END { printf "%-16s SET p99 %s ms, GET p99 %s ms (%d+%d runs), benchmark max %.1f ms | %s\n", name, median(p99["SET"]), median(p99["GET"]), runs["SET"], runs["GET"], mx, probe
			printf "%s %s %s %s %s\n", name, median(p99["SET"]), median(p99["GET"]), mx, probe >>results }' results="$tmp/results" "$csv"
}

summary() {
	[[ -s $tmp/results ]] || return 0
	echo
	echo "summary, $KEYS keys, ${SECS} s per phase (p99 in ms: no save -> BGSAVE after BGSAVE, ratio)"
	awk '
		function field(s, k,   a, n, i) { n = split(s, a, " "); for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2); return "?" }
		{ line[$1] = $0; set[$1] = $2; get[$1] = $3; bmax[$1] = $4; probe[$1] = $0 }
		END {
			printf "%-7s %-24s %-24s %-22s %-16s %-13s %s\n", "server", "SET p99", "GET p99", "longest stall (probe)", "benchmark max", "peak RSS", "saves"
			for (i = 1; i <= 2; i++) {
				n = (i == 1 ? "redis" : "redmod")
				b = n "+bgsave"
				if (!(n in set) || !(b in set)) continue
				printf "%-7s %5.2f -> %5.2f (%.1fx)     %5.2f -> %5.2f (%.1fx)     %6s -> %6s ms   %5.0f -> %5.0f ms  %4s -> %4s MB  %s\n", n,
					set[n], set[b], (set[n] > 0 ? set[b] / set[n] : 0), get[n], get[b], (get[n] > 0 ? get[b] / get[n] : 0),
					field(probe[n], "max_stall_ms"), field(probe[b], "max_stall_ms"), bmax[n], bmax[b],
					field(probe[n], "peak_total_mb"), field(probe[b], "peak_total_mb"), field(probe[b], "saves")
			}
		}' "$tmp/results"
}

serve() { # name port-offset command...
	local name=$1
	local port
	port=$(port "$2")
	shift 2
	mkdir -p "$tmp/$name"
	local env=()
	[[ $name == redmod ]] && read -ra env <<<"${SERVER_ENV:-}"
	(cd "$tmp/$name" && GODEBUG=${SERVER_GODEBUG:-} exec env ${env[@]+"${env[@]}"} "$@" --port "$port" >"$tmp/$name.log" 2>&1) &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 600); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
	local t0=$SECONDS
	load "$port"
	echo "$name: $(redis-cli -p "$port" dbsize) keys loaded in $((SECONDS - t0)) s, RSS $(($(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024)) MB"
	phase "$name" "$port" "$pid"
	phase "$name+bgsave" "$port" "$pid" -bgsave
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid"
	wait "$pid" 2>/dev/null || true
}

[[ ${ONLY:-} == redmod ]] || serve redis 0 redis-server --save "" --appendonly no --dir "$tmp/redis"
[[ ${ONLY:-} == redis ]] || serve redmod 1 "$tmp/redmod-server" --save "" --dir "$tmp/redmod"
summary
