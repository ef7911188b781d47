#!/usr/bin/env bash
# Load benchmark of the metered article page (make bench).
#
# Starts Broadsheet on SQLite with the demo publication plus generated
# stories, and nginx serving the bytes of one article page as a static file,
# then drives them with wrk over loopback:
#   1. the same bytes from memory through Go's net/http doing nothing else
#      (the ceiling of any Go server on this machine: the targets' reference);
#   1b. nginx, the page as a static file, for context;
#   2. Broadsheet, a realistic mix of anonymous readers (each with its own
#      cookie, reading 1-5 stories), signed-in readers and subscribers;
#   3. Broadsheet, the hardest case: every request a first-time visitor
#      without a cookie (a new reader and a meter write per view).
# wrk keeps every connection busy, so these runs measure throughput: their
# p99 is how long a request waits in a saturated queue. Latency is then
# measured apart, at a fixed rate below saturation, with vegeta, an
# open-loop load generator that sends each request on schedule whether or
# not earlier ones were answered: Go's static server, the mix and first
# visits, each at the same rate, a fraction of what Go's static server
# served under wrk in the same run.
# It prints requests per second, each scenario's ratio to Go's static
# ceiling, p50/p99/max latency at the fixed rate and the server's peak
# memory. Targets: ratio >= 0.45 and p99 at the fixed rate under 10 ms in
# both cases, peak RSS under 150 MB. BENCH_STRICT=1 makes a missed target
# exit non-zero.
#
# Tunables (environment): BENCH_DURATION (10s), BENCH_ROUNDS (3: Go's
# static server, the mix and first visits take turns, and each ratio is the
# median of the rounds'), BENCH_WARMUP (3s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (64), BENCH_STORIES (10000),
# BENCH_RATE_FRACTION (0.1: the fixed rate as a fraction of Go's static
# server's rate), BENCH_RATE (a fixed rate in requests per second instead),
# BENCH_RATE_DURATION (10s), BENCH_PORT (18080, nginx and Go's net/http on
# the next two ports), BENCH_GOMEMLIMIT (120MiB), BENCH_KEEP=1 keeps the
# temporary folder.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
bench="$root/scripts/bench"

duration=${BENCH_DURATION:-10s}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-3s}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
stories=${BENCH_STORIES:-10000}
rate_fraction=${BENCH_RATE_FRACTION:-0.1}
rate_fixed=${BENCH_RATE:-}
rate_duration=${BENCH_RATE_DURATION:-10s}
# Go's soft memory limit for the server, as an operator with a memory
# budget sets it (README, "Memory"); "off" leaves the Go default.
memlimit=${BENCH_GOMEMLIMIT:-120MiB}
port=${BENCH_PORT:-18080}
nginx_port=$((port + 1))
gostatic_port=$((port + 2))
server_url="http://127.0.0.1:$port"
nginx_url="http://127.0.0.1:$nginx_port"
gostatic_url="http://127.0.0.1:$gostatic_port"

say() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# --- tools ----------------------------------------------------------------
find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
[ -n "$(find_nginx)" ] || missing+=(nginx-light)
if ((${#missing[@]})); then
	[ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: run as root, or apt-get install ${missing[*]}"
	say "installing ${missing[*]}"
	# The nginx package would start a system-wide nginx on port 80; the
	# benchmark runs its own, so keep package scripts from starting services.
	policy=/usr/sbin/policy-rc.d
	added_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
	fi
	installed=
	if apt-get update -qq; then
		# nginx-light is the small build; releases without it have nginx.
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]/nginx-light/nginx}" >/dev/null &&
			installed=1
	fi
	[ -z "$added_policy" ] || rm -f "$policy"
	[ -n "$installed" ] || die "could not install ${missing[*]}"
fi
nginx_bin=$(find_nginx)
command -v go >/dev/null || die "go is not on PATH"
# vegeta, the open-loop load generator, from the Go module proxy.
vegeta_version=v12.13.0
vegeta=$(command -v vegeta || true)
if [ -z "$vegeta" ]; then
	gobin=$(go env GOBIN)
	vegeta="${gobin:-$(go env GOPATH)/bin}/vegeta"
	if [ ! -x "$vegeta" ]; then
		say "installing vegeta $vegeta_version"
		go install "github.com/tsenart/vegeta/v12@$vegeta_version" || die "could not install vegeta"
	fi
fi

for p in "$port" "$nginx_port" "$gostatic_port"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then
		die "port $p is in use; set BENCH_PORT to another port"
	fi
done

# Other work on the machine takes CPU from the server and the load
# generator alike and makes the numbers meaningless; say so up front.
read -r load1 _ </proc/loadavg
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	say "warning: load average $load1 on $(nproc) CPUs before starting; other work will skew the numbers"
fi

# --- workspace and clean-up ------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/broadsheet-bench.XXXXXX")
server_pid=
nginx_pid=
gostatic_pid=
cleanup() {
	local status=$?
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	[ -z "$gostatic_pid" ] || kill "$gostatic_pid" 2>/dev/null || true
	[ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ] || [ "$status" -ne 0 ]; then
		say "kept $work (logs, database, wrk output)"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx workers run unprivileged and must reach the page through this folder.
chmod 711 "$work"
mkdir -p "$work/www" "$work/nginx"
chmod 755 "$work/www"

# --- build and seed ---------------------------------------------------------
say "building"
go build -o "$work/broadsheet" ./cmd/broadsheet
go build -o "$work/benchseed" ./cmd/benchseed

db="sqlite://$work/bench.db"
tokens="$work/tokens.txt"
say "seeding the demo publication and $stories stories"
"$work/benchseed" --db "$db" --stories "$stories" --out "$tokens"

# --- start the server ------------------------------------------------------
say "starting broadsheet on $server_url"
GOMEMLIMIT=$memlimit "$work/broadsheet" serve --addr "127.0.0.1:$port" --db "$db" >"$work/server.log" 2>&1 &
server_pid=$!
wait_for() { # url pid log
	for _ in $(seq 1 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		kill -0 "$2" 2>/dev/null || {
			cat "$3" >&2
			die "the process serving $1 exited"
		}
		sleep 0.1
	done
	cat "$3" >&2
	die "$1 did not answer within 10s"
}
wait_for "$server_url/" "$server_pid" "$work/server.log"
"$work/benchseed" --prime "$server_url" --out "$tokens"

# --- the static copy and nginx ---------------------------------------------
page="/article/bench-story-$(printf '%05d' $(((stories + 1) / 2)))"
if ! curl -fsS --max-time 30 -o "$work/www/article.html" "$server_url$page"; then
	# A hung request: ask the server for its goroutines before giving up.
	kill -QUIT "$server_pid" 2>/dev/null && sleep 1
	tail -n 40 "$work/server.log" >&2
	die "GET $page failed"
fi
chmod 644 "$work/www/article.html"
page_bytes=$(wc -c <"$work/www/article.html")
grep -q '<html' "$work/www/article.html" || die "GET $page did not return an HTML page"

sed -e "s#@WORK@#$work#g" -e "s#@PORT@#$nginx_port#g" "$bench/nginx.conf" >"$work/nginx.conf"
say "starting nginx on $nginx_url"
"$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
nginx_pid=$!
wait_for "$nginx_url/article.html" "$nginx_pid" "$work/nginx/error.log"
curl -fsS --max-time 10 "$nginx_url/article.html" | cmp -s - "$work/www/article.html" ||
	die "nginx does not serve the saved page byte for byte"

say "starting Go's net/http with the same bytes on $gostatic_url"
"$work/benchseed" --serve-static "$work/www/article.html" --addr "127.0.0.1:$gostatic_port" >"$work/gostatic.log" 2>&1 &
gostatic_pid=$!
wait_for "$gostatic_url/article.html" "$gostatic_pid" "$work/gostatic.log"

# --- load ---------------------------------------------------------------------
export BENCH_STORIES="$stories" BENCH_TOKENS="$tokens"
run() { # name url script duration
	local out="$work/wrk-$1.txt"
	wrk -t"$threads" -c"$connections" -d"$4" --latency -s "$bench/$3" "$2" >"$out" 2>&1 ||
		{
			cat "$out" >&2
			die "wrk failed ($1)"
		}
	grep '^BENCH ' "$out" | tail -n 1 || {
		cat "$out" >&2
		die "wrk printed no result ($1)"
	}
}
field() { # line key
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}
median_run() { # lines...: the run with the median requests a second
	local l
	for l in "$@"; do printf '%s %s\n' "$(field "$l" rps)" "$l"; done | sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }' | cut -d' ' -f2-
}
round_ratio() { # numerator-lines denominator-lines: each round's ratio, and their median
	local -n num=$1 den=$2
	local i out=()
	for ((i = 0; i < ${#num[@]}; i++)); do out+=("$(ratio "${num[$i]}" "${den[$i]}")"); done
	printf '%s\n' "${out[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%s", a[int((NR + 1) / 2)] }'
	printf ' (rounds: %s)' "${out[*]}"
}

say "warming up ($warmup each)"
run warm-static "$nginx_url/article.html" static.lua "$warmup" >/dev/null
run warm-gostatic "$gostatic_url/article.html" static.lua "$warmup" >/dev/null
run warm-mix "$server_url" mix.lua "$warmup" >/dev/null
run warm-first "$server_url" firstvisit.lua "$warmup" >/dev/null

# attack name targets-file: vegeta at the fixed rate; prints a line of
# key=value like run's (latencies in ms).
attack() {
	local out="$work/vegeta-$1"
	"$vegeta" attack -targets "$2" -rate "$rate/s" -duration "$rate_duration" -max-body 0 -max-connections "$connections" >"$out.bin" 2>"$out.err" ||
		{
			cat "$out.err" >&2
			die "vegeta failed ($1)"
		}
	"$vegeta" report -type=json "$out.bin" >"$out.json"
	"$vegeta" report "$out.bin" >"$out.txt"
	sed -e 's/.*"50th":\([0-9]*\).*"99th":\([0-9]*\),"max":\([0-9]*\).*"requests":\([0-9]*\),"rate":\([0-9.]*\),"throughput":\([0-9.]*\),"success":\([0-9.e-]*\).*/\1 \2 \3 \4 \5 \6 \7/' "$out.json" |
		awk '{ printf "VEGETA p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d rate=%.1f rps=%.1f errors=%d\n",
			$1 / 1e6, $2 / 1e6, $3 / 1e6, $4, $5, $6, $4 * (1 - $7) + 0.5 }'
}

say "measuring: $threads threads, $connections connections, $duration each, $rounds rounds"
static=$(run static "$nginx_url/article.html" static.lua "$duration")
# Go's static server, the mix and first visits take turns, round after
# round, and each round's ratios compare runs made a few seconds apart: the
# machine's speed drifts by a third from minute to minute, which one run of
# each would take for the server's.
gostatics=() mixes=() firsts=()
for ((i = 1; i <= rounds; i++)); do
	sleep 1
	gostatics+=("$(run "gostatic-$i" "$gostatic_url/article.html" static.lua "$duration")")
	sleep 1
	mixes+=("$(run "mix-$i" "$server_url" mix.lua "$duration")")
	sleep 1
	firsts+=("$(run "first-$i" "$server_url" firstvisit.lua "$duration")")
done
gostatic=$(median_run "${gostatics[@]}")
mix=$(median_run "${mixes[@]}")
first=$(median_run "${firsts[@]}")
if [ -n "$rate_fixed" ]; then
	rate=$rate_fixed
else
	rate=$(awk -v r="$(field "$gostatic" rps)" -v f="$rate_fraction" 'BEGIN { printf "%d", r * f }')
fi
[ "$rate" -gt 0 ] || die "no fixed rate: Go's static server served nothing"
say "fixed rate: $rate requests a second, $rate_duration each"
echo "GET $gostatic_url/article.html" >"$work/gostatic.targets"
sleep 1
gostatic_fixed=$(attack gostatic "$work/gostatic.targets")
kill "$gostatic_pid" 2>/dev/null || true

# The fixed-rate runs' requests, in order; the mix's returning anonymous
# readers are given their cookies by first visits made now (see
# cmd/benchseed/targets.go).
requests=$(awk -v r="$rate" -v d="${rate_duration%s}" 'BEGIN { printf "%d", r * d + r }')
"$work/benchseed" --targets mix --base "$server_url" --out "$tokens" --stories "$stories" --n "$requests" --to "$work/mix.targets"
"$work/benchseed" --targets first --base "$server_url" --stories "$stories" --n "$requests" --to "$work/first.targets"
sleep 1
mix_fixed=$(attack mix "$work/mix.targets")
sleep 1
first_fixed=$(attack first "$work/first.targets")

[ -r "/proc/$server_pid/status" ] || die "the server exited during the run; see its log"
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")

# --- report -------------------------------------------------------------------
errors() {
	local l=$1
	echo $(($(field "$l" errors_connect) + $(field "$l" errors_read) + $(field "$l" errors_write) +
		$(field "$l" errors_status) + $(field "$l" errors_timeout)))
}
row() { # label line
	printf '%-40s %10s %9s %9s %8s\n' "$1" "$(field "$2" rps)" "$(field "$2" p50_ms)" "$(field "$2" p99_ms)" "$(errors "$2")"
}
ratio() { awk -v a="$(field "$1" rps)" -v b="$(field "$2" rps)" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "MISSED") }'; }
below() { awk -v r="$1" -v t="$2" 'BEGIN { print (r < t ? "met" : "MISSED") }'; }

mix_ratio=$(ratio "$mix" "$static")
first_ratio=$(ratio "$first" "$static")
gostatic_ratio=$(ratio "$gostatic" "$static")
mix_go_rounds=$(round_ratio mixes gostatics)
first_go_rounds=$(round_ratio firsts gostatics)
mix_go_ratio=${mix_go_rounds%% *}
first_go_ratio=${first_go_rounds%% *}
peak_mb=$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')
rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
mem_verdict=$(awk -v m="$peak_mb" 'BEGIN { print (m < 150 ? "met" : "MISSED") }')

echo
echo "Broadsheet load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "wrk -t$threads -c$connections -d$duration --latency, loopback; $stories generated stories on SQLite; page $page, $page_bytes bytes"
echo "server: GOMEMLIMIT=$memlimit"
echo
echo "Saturated (wrk keeps $connections connections busy: throughput; its p99 is a queue's length;"
echo "Go static, the mix and first visits: the round with the median req/s of $rounds):"
printf '%-40s %10s %9s %9s %8s\n' "scenario" "req/s" "p50 ms" "p99 ms" "errors"
row "nginx, static copy of the page" "$static"
row "Go net/http, same bytes from memory" "$gostatic"
row "broadsheet, realistic reader mix" "$mix"
row "broadsheet, every view a first visit" "$first"
echo
if [ -n "$rate_fixed" ]; then
	echo "Fixed rate (vegeta $vegeta_version, open loop): $rate requests a second for $rate_duration each:"
else
	echo "Fixed rate (vegeta $vegeta_version, open loop): $rate requests a second ($rate_fraction of Go static's rate above) for $rate_duration each:"
fi
printf '%-40s %10s %9s %9s %9s %8s\n' "scenario" "sent/s" "p50 ms" "p99 ms" "max ms" "errors"
for r in "Go net/http, same bytes from memory|$gostatic_fixed" "broadsheet, realistic reader mix|$mix_fixed" \
	"broadsheet, every view a first visit|$first_fixed"; do
	l=${r#*|}
	printf '%-40s %10s %9s %9s %9s %8s\n' "${r%%|*}" "$(field "$l" rate)" "$(field "$l" p50_ms)" "$(field "$l" p99_ms)" "$(field "$l" max_ms)" "$(field "$l" errors)"
	# A generator that fell behind its schedule measured less load than asked.
	awk -v s="$(field "$l" rate)" -v r="$rate" 'BEGIN { exit !(s < 0.98 * r) }' &&
		echo "  (vegeta sent fewer than $rate a second: the machine could not keep up)"
done
echo
mix_p99=$(field "$mix_fixed" p99_ms)
first_p99=$(field "$first_fixed" p99_ms)
echo "realistic mix / Go static: $mix_go_ratio  (target >= 0.45: $(verdict "$mix_go_ratio" 0.45)); p99 at $rate/s $mix_p99 ms (target < 10: $(below "$mix_p99" 10))"
echo "first visits / Go static:  $first_go_ratio  (target >= 0.45: $(verdict "$first_go_ratio" 0.45)); p99 at $rate/s $first_p99 ms (target < 10: $(below "$first_p99" 10))"
echo "each ratio is the median of the rounds' ratios: mix ${mix_go_rounds#* }, first visits ${first_go_rounds#* }"
echo "Go net/http static / nginx: $gostatic_ratio;  realistic mix / nginx: $mix_ratio;  first visits / nginx: $first_ratio"
echo "server peak RSS (VmHWM):  $peak_mb MB, $rss_mb MB at the end  (target < 150 MB: $mem_verdict)"

failed=
for l in "${mixes[@]}" "${firsts[@]}"; do
	[ "$(errors "$l")" -eq 0 ] || failed=1
done
for l in "$mix_fixed" "$first_fixed"; do
	[ "$(field "$l" errors)" -eq 0 ] || failed=1
done
if [ -n "$failed" ]; then
	echo "bench: the server answered some requests with errors; its log:" >&2
	tail -n 20 "$work/server.log" >&2
	exit 1
fi
if [ -n "${BENCH_STRICT:-}" ]; then
	[ "$(verdict "$mix_go_ratio" 0.45)" = met ] && [ "$(verdict "$first_go_ratio" 0.45)" = met ] &&
		[ "$(below "$mix_p99" 10)" = met ] && [ "$(below "$first_p99" 10)" = met ] && [ "$mem_verdict" = met ] ||
		exit 1
fi
