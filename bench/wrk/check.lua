-- POST /v1/check for one token, as a gateway asks about each call an agent makes. Env: BENCH_TOKEN, BENCH_RESOURCE.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"allowed":true'
wrk.method = "POST"
wrk.path = "/v1/check"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. os.getenv("BENCH_TOKEN") .. '","environment":"staging","action":"volume:read","resource":"'
  .. os.getenv("BENCH_RESOURCE") .. '"}'
