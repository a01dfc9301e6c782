-- Shared by every endpoint script (loaded with dofile; bench/run.sh sets BENCH_WRK_DIR).
--
-- * Counts, per thread, responses that are not 2xx and 2xx responses whose body lacks the script's `expect` string:
--   wrk itself counts only status > 399, and a refusal of /v1/check is a 200 with "allowed":false.
-- * Holds a rate when BENCH_RATE (requests per second, all threads) is set: wrk2 is not packaged, so each thread
--   keeps its own schedule of evenly spaced send times (BENCH_THREADS * 1000 / BENCH_RATE ms apart) and wrk's
--   delay() holds each request until its slot, read from CLOCK_MONOTONIC through LuaJIT's FFI. A slot missed
--   because every connection was busy is not made up later (no bursts); run.sh reports the rate achieved.
-- * Prints one machine-readable RESULT line in done(), with p50/p99/p99.9 from wrk's latency histogram.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

non2xx = 0
badbody = 0
exhausted = 0
expect = nil

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expect ~= nil and (body == nil or not string.find(body, expect, 1, true)) then
    badbody = badbody + 1
  end
end

local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *t);
  ]])
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = tonumber(os.getenv("BENCH_THREADS") or "1") * 1000 / rate
  local slot = nil
  function delay()
    local now = now_ms()
    slot = (slot == nil) and now or math.max(slot + interval, now)
    return math.floor(slot - now + 0.5)
  end
end

function done(summary, latency, requests)
  local non, bad, ex = 0, 0, 0
  for _, t in ipairs(threads) do
    non = non + (t:get("non2xx") or 0)
    bad = bad + (t:get("badbody") or 0)
    ex = ex + (t:get("exhausted") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d non2xx=%d badbody=%d"
      .. " connect=%d read=%d write=%d timeout=%d exhausted=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max, non, bad, e.connect, e.read, e.write, e.timeout, ex))
end
