-- POST /oauth2/token, client_credentials with client_secret_basic (RFC 6749 §2.3.1).
-- Env: BENCH_CLIENT_ID, BENCH_CLIENT_SECRET (base64 of "id:secret" is computed by run.sh: BENCH_BASIC).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"access_token"'
wrk.method = "POST"
wrk.path = "/oauth2/token"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&environment=staging&scope=volume%3Aread"
