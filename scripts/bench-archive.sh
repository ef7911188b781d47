#!/usr/bin/env bash
# Archive benchmark (make bench-archive).
#
# Generates an archive with `broadsheet gen-archive` (1,000,000 stories
# since 1997 unless BENCH_ARCHIVE_STORIES says otherwise), imports it into
# SQLite and into PostgreSQL with `broadsheet import`, and on each engine
# starts `broadsheet serve` and measures over HTTP, one request at a time
# on one kept-alive connection (curl), as an anonymous reader:
#   - the import's rate (stories a second, search index included);
#   - search (/search): p50/p95 of each query of a mix (one word, common
#     and rarer; two words; a phrase; a prefix; an exclusion; filtered by
#     section and years; sorted by date; a Hindi word) and of the whole mix;
#   - the archive's day pages (/archive/yyyy/mm/dd, days found from the
#     month pages), and the month pages and years page on the way;
#   - section, author and tag pages deep in the past (?before= at June 1998);
#   - the server's peak and final RSS, and the database's size on disk.
# Targets (issue 10, at 1,000,000 stories): search p95 < 50 ms, day page
# p95 < 10 ms, RSS < 200 MB. BENCH_ARCHIVE_STRICT=1 makes a missed target
# exit non-zero.
#
# It takes long at full size (the 1M import alone runs minutes on SQLite
# and longer on PostgreSQL, and the databases take gigabytes: see
# docs/benchmarks.md) and is not part of `make test`.
#
# Tunables (environment): BENCH_ARCHIVE_STORIES (1000000),
# BENCH_ARCHIVE_ENGINES ("sqlite postgres"), BENCH_ARCHIVE_REPEAT (20: each
# search of the mix, interleaved), BENCH_ARCHIVE_DAYS (200 day pages),
# BENCH_ARCHIVE_PORT (18090), BENCH_ARCHIVE_POSTGRES (the server to create
# the benchmark's database on; default the local one as user postgres),
# BENCH_GOMEMLIMIT (120MiB: Go's soft memory limit for the server; "off"
# for Go's default), BENCH_ARCHIVE_DIR (where the work folder is made;
# $TMPDIR or /tmp), BENCH_KEEP=1 keeps the work folder and the PostgreSQL
# database.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

stories=${BENCH_ARCHIVE_STORIES:-1000000}
engines=${BENCH_ARCHIVE_ENGINES:-sqlite postgres}
repeat=${BENCH_ARCHIVE_REPEAT:-20}
days_wanted=${BENCH_ARCHIVE_DAYS:-200}
port=${BENCH_ARCHIVE_PORT:-18090}
pg_admin=${BENCH_ARCHIVE_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
memlimit=${BENCH_GOMEMLIMIT:-120MiB}
server_url="http://127.0.0.1:$port"

say() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'bench-archive: %s\n' "$*" >&2
	exit 1
}

# --- tools ------------------------------------------------------------------
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
case " $engines " in *" postgres "*) command -v psql >/dev/null || missing+=(postgresql-client) ;; esac
if ((${#missing[@]})); then
	[ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: run as root, or apt-get install ${missing[*]}"
	say "installing ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
		die "could not install ${missing[*]}"
fi
command -v go >/dev/null || die "go is not on PATH"
if curl -s -o /dev/null --max-time 1 "$server_url/"; then
	die "port $port is in use; set BENCH_ARCHIVE_PORT to another port"
fi
read -r load1 _ </proc/loadavg
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	say "warning: load average $load1 on $(nproc) CPUs before starting; other work will skew the numbers"
fi

# --- workspace and clean-up ---------------------------------------------------
work=$(mktemp -d "${BENCH_ARCHIVE_DIR:-${TMPDIR:-/tmp}}/broadsheet-bench-archive.XXXXXX")
server_pid=
pg_db=
cleanup() {
	local status=$?
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ] || [ "$status" -ne 0 ]; then
		say "kept $work (logs, databases, measurements)${pg_db:+ and the PostgreSQL database $pg_db}"
	else
		[ -z "$pg_db" ] || psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# About 3.5 KB of import file and, stored, 13 KB (SQLite) to 15 KB
# (PostgreSQL) a story: say so before filling the disk.
need_mb=$((stories * 17 / 1000))
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ "$free_mb" -lt "$need_mb" ]; then
	say "warning: $free_mb MB free in $work, and $stories stories may take about $need_mb MB there"
fi

say "building"
go build -o "$work/broadsheet" ./cmd/broadsheet
bin="$work/broadsheet"

# --- the archive --------------------------------------------------------------
file="$work/archive.jsonl"
today=$(date -u +%F)
say "generating $stories stories since 1997"
t0=$(date +%s.%N)
"$bin" gen-archive --stories "$stories" --since 1997 --until "$today" --seed 1 --out "$file"
gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
file_mb=$(du -Pm "$file" | cut -f1)

# --- measuring helpers --------------------------------------------------------
# measure name urls-file: requests each URL of the file in order, on one
# kept-alive connection, writing "status seconds" a line to $work/name.times.
measure() {
	local cfg="$work/$1.curl"
	: >"$cfg"
	while IFS= read -r u; do
		printf 'url = "%s%s"\noutput = "/dev/null"\n' "$server_url" "$u" >>"$cfg"
	done <"$2"
	curl -s -K "$cfg" -w '%{http_code} %{time_total}\n' >"$work/$1.times" || die "curl failed ($1)"
}

# stats times-file: "n=… ok=… p50_ms=… p95_ms=… max_ms=…" over the
# requests answered 200.
stats() {
	awk '{ n++ } $1 == 200 { ok++; print $2 * 1000 }' "$1" | sort -n |
		awk -v n="$(wc -l <"$1")" '{ v[NR] = $1 }
			END {
				if (NR == 0) { printf "n=%d ok=0 p50_ms=- p95_ms=- max_ms=-\n", n; exit }
				p50 = int(NR * 0.50 + 0.999999); p95 = int(NR * 0.95 + 0.999999)
				printf "n=%d ok=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f\n", n, NR, v[p50], v[p95], v[NR]
			}'
}
field() { sed -n "s/.*\<$2=\([^ ]*\).*/\1/p" <<<"$1"; }
uri() { jq -rn --arg v "$1" '$v | @uri'; }

# The search mix: a label, then the query string after /search?.
searches=(
	"one word, common|q=government"
	"one word, rarer|q=telescope"
	"two words|q=$(uri "inflation bank")"
	"phrase|q=$(uri '"interest rates"')"
	"prefix|q=$(uri "infla*")"
	"exclusion|q=$(uri "court -police")"
	"section and years|q=cricket&section=sport&from=2000-01-01&to=2004-12-31"
	"sorted by date|q=election&sort=date"
	"Hindi word|q=$(uri "किसान")"
)

# --- each engine --------------------------------------------------------------
results=()
for engine in $engines; do
	case $engine in
	sqlite)
		db="sqlite://$work/archive.db"
		;;
	postgres)
		pg_db="bench_archive_$$"
		psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null || die "could not create database $pg_db on $pg_admin"
		db=$(sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$pg_db#" <<<"$pg_admin")
		;;
	*) die "unknown engine $engine (want sqlite or postgres)" ;;
	esac

	say "$engine: importing"
	"$bin" import --db "$db" "$file" >"$work/import-$engine.log" 2>&1 ||
		{
			tail -n 20 "$work/import-$engine.log" >&2
			die "$engine: import failed"
		}
	import_line=$(grep 'stories imported' "$work/import-$engine.log" | tail -n 1)
	import_rate=$(sed -n 's/.*, \([0-9]*\) stories\/s.*/\1/p' <<<"$import_line")
	import_took=$(sed -n 's/.* in \([^,]*\), .*/\1/p' <<<"$import_line")

	if [ "$engine" = postgres ]; then
		# As autovacuum does after a bulk load, sooner: statistics and the
		# visibility map that index-only counts read.
		say "$engine: VACUUM ANALYZE"
		psql -q "$db" -c "VACUUM ANALYZE" >/dev/null
		size_mb=$(psql -qtA "$db" -c "SELECT pg_database_size(current_database()) / 1048576")
	else
		size_mb=$(du -Pcm "$work"/archive.db* | tail -n 1 | cut -f1)
	fi

	say "$engine: starting broadsheet on $server_url"
	# PostgreSQL's instances share a key to sign readers' cookies with;
	# SQLite keeps its own in the database.
	secret=
	[ "$engine" = sqlite ] || secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	BROADSHEET_SECRET=$secret GOMEMLIMIT=$memlimit "$bin" serve --addr "127.0.0.1:$port" --db "$db" >"$work/server-$engine.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 300); do
		curl -s -o /dev/null --max-time 1 "$server_url/" && break
		kill -0 "$server_pid" 2>/dev/null || {
			cat "$work/server-$engine.log" >&2
			die "$engine: the server exited"
		}
		sleep 0.1
	done

	# What to ask for, found as a reader would: the sections from the
	# front page, the years from /archive, months from the years' pages,
	# days from the months'; an author and a tag from one story.
	curl -fsS "$server_url/" >"$work/home.html"
	grep -o 'href="/section/[^"]*"' "$work/home.html" | sed 's/href="\(.*\)"/\1/' | sort -u >"$work/sections.txt"
	curl -fsS "$server_url/archive" >"$work/years.html"
	grep -o 'href="/archive/[0-9]\{4\}"' "$work/years.html" | sed 's/href="\(.*\)"/\1/' >"$work/years.txt"
	[ -s "$work/years.txt" ] || die "$engine: /archive lists no years"
	: >"$work/months.txt"
	while IFS= read -r y; do
		curl -fsS "$server_url$y" | grep -o 'href="/archive/[0-9]\{4\}/[0-9]\{2\}"' | sed 's/href="\(.*\)"/\1/' >>"$work/months.txt"
	done <"$work/years.txt"
	shuf -n 60 --random-source=<(yes) "$work/months.txt" >"$work/months-sample.txt"
	: >"$work/days-all.txt"
	while IFS= read -r m; do
		curl -fsS "$server_url$m" | grep -o 'href="/archive/[0-9]\{4\}/[0-9]\{2\}/[0-9]\{2\}"' | sed 's/href="\(.*\)"/\1/' >>"$work/days-all.txt"
	done <"$work/months-sample.txt"
	shuf -n "$days_wanted" --random-source=<(yes) "$work/days-all.txt" >"$work/days.txt"
	story=$(curl -fsS "$server_url$(head -n 1 "$work/days.txt")" | grep -o 'href="/article/[^"]*"' | head -n 1 | sed 's/href="\(.*\)"/\1/')
	curl -fsS "$server_url$story" >"$work/story.html"
	author=$(grep -o 'href="/author/[^"]*"' "$work/story.html" | head -n 1 | sed 's/href="\(.*\)"/\1/' || true)
	tag=$(grep -o 'href="/tag/[^"]*"' "$work/story.html" | head -n 1 | sed 's/href="\(.*\)"/\1/' || true)

	# Deep in the past: the cursor of a story at June 1998, as the pages'
	# "Older stories" links write it (nanoseconds since 1970, the id).
	before="?before=$(date -u -d 1998-06-01 +%s)000000000.9223372036854775807"
	: >"$work/deep.txt"
	for _ in $(seq 1 "$((repeat / 2 + 1))"); do
		sed "s#\$#$before#" "$work/sections.txt" >>"$work/deep.txt"
	done
	: >"$work/people.txt"
	for _ in $(seq 1 "$repeat"); do
		[ -z "$author" ] || echo "$author$before" >>"$work/people.txt"
		[ -z "$tag" ] || echo "$tag$before" >>"$work/people.txt"
	done

	# The search mix, interleaved, repeat times; once over first, unmeasured.
	: >"$work/search.txt"
	for _ in $(seq 1 "$repeat"); do
		for s in "${searches[@]}"; do echo "/search?${s#*|}" >>"$work/search.txt"; done
	done
	head -n "${#searches[@]}" "$work/search.txt" >"$work/warm.txt"
	head -n 20 "$work/days.txt" >>"$work/warm.txt"
	for _ in 1 2 3; do echo /archive >>"$work/warm.txt"; done

	say "$engine: measuring"
	measure warm "$work/warm.txt"
	measure search "$work/search.txt"
	measure day "$work/days.txt"
	measure month "$work/months-sample.txt"
	for _ in $(seq 1 "$repeat"); do echo /archive; done >"$work/years-repeat.txt"
	measure years "$work/years-repeat.txt"
	measure deep "$work/deep.txt"
	[ ! -s "$work/people.txt" ] || measure people "$work/people.txt"

	# Each search of the mix on its own: its lines are every
	# ${#searches[@]}th of the interleaved run.
	per_search=()
	for i in "${!searches[@]}"; do
		awk -v k="${#searches[@]}" -v i="$i" '(NR - 1) % k == i' "$work/search.times" >"$work/search-$i.times"
		per_search+=("${searches[$i]%%|*}|$(stats "$work/search-$i.times")")
	done

	[ -r "/proc/$server_pid/status" ] || die "$engine: the server exited during the run; see its log"
	hwm_mb=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
	rss_mb=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=

	search=$(stats "$work/search.times")
	day=$(stats "$work/day.times")
	results+=("$engine")
	{
		echo "engine=$engine"
		echo "import_rate=$import_rate import_took=$import_took size_mb=$size_mb hwm_mb=$hwm_mb rss_mb=$rss_mb"
		echo "search|$search"
		for l in "${per_search[@]}"; do echo "  $l"; done
		echo "day|$day"
		echo "month|$(stats "$work/month.times")"
		echo "years (kept between views)|$(stats "$work/years.times")"
		echo "deep sections|$(stats "$work/deep.times")"
		[ ! -s "$work/people.txt" ] || echo "deep author and tag|$(stats "$work/people.times")"
	} >"$work/result-$engine.txt"
done

# --- report -------------------------------------------------------------------
below() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "-" && r + 0 < t ? "met" : "MISSED") }'; }
missed=
echo
echo "Broadsheet archive benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), load average at start $load1"
echo "archive: $stories stories since 1997 from gen-archive --seed 1 (${file_mb} MB of JSON Lines, generated in ${gen_s}s)"
echo "requests: one at a time on one kept-alive connection (curl), an anonymous reader; server GOMEMLIMIT=$memlimit"
for engine in "${results[@]}"; do
	r="$work/result-$engine.txt"
	head2=$(sed -n 2p "$r")
	echo
	echo "$engine: import $(field "$head2" import_rate) stories/s ($(field "$head2" import_took)), database $(field "$head2" size_mb) MB on disk"
	printf '  %-28s %6s %9s %9s %9s\n' "requests" "n" "p50 ms" "p95 ms" "max ms"
	tail -n +3 "$r" | while IFS= read -r line; do
		label=${line%%|*}
		s=${line#*|}
		printf '  %-28s %6s %9s %9s %9s' "$label" "$(field "$s" n)" "$(field "$s" p50_ms)" "$(field "$s" p95_ms)" "$(field "$s" max_ms)"
		[ "$(field "$s" ok)" = "$(field "$s" n)" ] || printf '  (%s not 200)' "$(($(field "$s" n) - $(field "$s" ok)))"
		echo
	done
	search_p95=$(field "$(sed -n 's/^search|//p' "$r")" p95_ms)
	day_p95=$(field "$(sed -n 's/^day|//p' "$r")" p95_ms)
	hwm=$(field "$head2" hwm_mb)
	echo "  search p95 $search_p95 ms (target < 50: $(below "$search_p95" 50)); day page p95 $day_p95 ms (target < 10: $(below "$day_p95" 10))"
	echo "  server RSS peak $hwm MB, $(field "$head2" rss_mb) MB at the end (target < 200: $(below "$hwm" 200))"
	for v in "$(below "$search_p95" 50)" "$(below "$day_p95" 10)" "$(below "$hwm" 200)"; do
		[ "$v" = met ] || missed=1
	done
done
[ -z "${BENCH_ARCHIVE_STRICT:-}" ] || [ -z "$missed" ] || exit 1
