-- The hardest case for the metered page: every request is a first-time
-- visitor with no cookie, reading a random story. Each view issues a new
-- reader cookie and writes a new meter entry.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local stories = tonumber(os.getenv("BENCH_STORIES") or "10000")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

function request()
  return wrk.format("GET", string.format("/article/bench-story-%05d", math.random(stories)))
end
