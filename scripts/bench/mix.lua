-- A realistic mix of readers on the article page, random stories among the
-- generated ones:
--   80% anonymous readers, each with its own reader cookie, reading 1 to 5
--       stories and then replaced by a new reader (a first visit carries no
--       cookie; the cookie the server sets is kept for that reader's next
--       reads);
--   10% signed-in readers without a subscription (metered by account);
--   10% subscribers.
-- Signed-in requests carry the session cookie and the reader cookie their
-- browser was given, from BENCH_TOKENS (written by cmd/benchseed).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local stories = tonumber(os.getenv("BENCH_STORIES") or "10000")
local tokens = os.getenv("BENCH_TOKENS") or "tokens.txt"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local readers, subscribers = {}, {}
-- Anonymous readers between their first and last read: { cookie, left }.
local returning = {}

function init(args)
  math.randomseed(os.time() * 100 + (thread_id or 0))
  for line in io.lines(tokens) do
    local kind, session, reader = line:match("^(%S+)%s+(%S+)%s+(%S+)")
    if kind then
      local cookie = "bs_reader=" .. reader .. "; bs_session=" .. session
      if kind == "subscriber" then
        subscribers[#subscribers + 1] = cookie
      else
        readers[#readers + 1] = cookie
      end
    end
  end
  if #readers == 0 or #subscribers == 0 then
    error("no signed-in readers or subscribers with reader cookies in " .. tokens)
  end
end

local function story()
  return string.format("/article/bench-story-%05d", math.random(stories))
end

function request()
  local r = math.random(100)
  local cookie
  if r <= 10 then
    cookie = readers[math.random(#readers)]
  elseif r <= 20 then
    cookie = subscribers[math.random(#subscribers)]
  else
    -- A returning reader's next story if any reader has reads left,
    -- otherwise a new reader's first visit. Each reader reads 1-5 stories,
    -- so about a third of anonymous views are first visits.
    local n = #returning
    if n > 0 then
      local i = math.random(n)
      local rd = returning[i]
      cookie = rd.cookie
      rd.left = rd.left - 1
      if rd.left <= 0 then
        returning[i] = returning[n]
        returning[n] = nil
      end
    end
  end
  if cookie then
    return wrk.format("GET", story(), { ["Cookie"] = cookie })
  end
  return wrk.format("GET", story())
end

-- A first visit's response sets the new reader's cookie; that reader comes
-- back for the rest of its 1-5 stories.
function response(status, headers, body)
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if not set then
    return
  end
  local value = set:match("^bs_reader=([^;]+)")
  if not value then
    return
  end
  local reads = math.random(5)
  if reads > 1 then
    returning[#returning + 1] = { cookie = "bs_reader=" .. value, left = reads - 1 }
  end
end
