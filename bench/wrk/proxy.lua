-- GET a provider resource with a bearer token: through Airlock's proxy (/proxy/bench/..., BENCH_BEARER = an Airlock
-- token) or straight at the upstream (BENCH_BEARER = the provider credential). The path comes from the URL.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"size_gb"'
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_BEARER")
