-- POST /oauth2/introspect (RFC 7662), the caller authenticated with client_secret_basic. Env: BENCH_BASIC, BENCH_TOKEN.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"active":true'
wrk.method = "POST"
wrk.path = "/oauth2/introspect"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "token=" .. os.getenv("BENCH_TOKEN")
