-- POST /oauth2/token, client_credentials with private_key_jwt (RFC 7523). Airlock refuses a replayed assertion jti,
-- so every request carries a fresh assertion: BENCH_ASSERTIONS is a file of pre-generated request bodies, one per
-- line (LoadFixture assertions), and thread k of BENCH_THREADS takes lines k, k+n, k+2n... Should a thread run out
-- it stops (counted as `exhausted`; its last request is a harmless GET /healthz) rather than replay an assertion.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"access_token"'
local bodies = {}
local cursor = 0
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local k = 0
  for line in io.lines(os.getenv("BENCH_ASSERTIONS")) do
    if k % n == id then bodies[#bodies + 1] = line end
    k = k + 1
  end
end

function request()
  cursor = cursor + 1
  if cursor > #bodies then
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/oauth2/token", headers, bodies[cursor])
end
