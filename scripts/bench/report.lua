-- Shared by the benchmark's wrk scripts: prints one machine-readable line
-- that scripts/bench.sh parses, so the numbers do not depend on the layout
-- of wrk's human-readable summary. Latencies are in milliseconds.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f bytes=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
end
