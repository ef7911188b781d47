-- The baseline: the same URL every time, no cookies, as a cache or CDN in
-- front of a static copy of the article page would see.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
