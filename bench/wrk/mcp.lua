-- POST one MCP tools/call (get_volume, a read tool) with a bearer token: through Airlock's gateway (/mcp/bench-mcp,
-- BENCH_BEARER = an Airlock token bound to the gateway) or straight at the upstream's /mcp (BENCH_BEARER = the
-- provider credential). Every call is a fresh JSON-RPC request on a keep-alive connection; the answer must carry the
-- tool's result, so a refusal (a JSON-RPC error in a 200) counts as a bad body, not as speed.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
expect = '"size_gb"'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_BEARER")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = os.getenv("BENCH_MCP_VERSION") or "2025-11-25"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_volume","arguments":{"volumeId":"'
  .. (os.getenv("BENCH_RESOURCE") or "vol-stg-0001") .. '"}}}'
