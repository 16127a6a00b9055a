-- The wrk script of the benchmark: the requests of one endpoint, and a JSON summary.
--
-- BENCH_ENDPOINT chooses what to send:
--   list    GET the URL given to wrk as it is (/api/v1/tasks?limit=20)
--   get     GET /api/v1/tasks/<id>, cycling over the ids in BENCH_TASK_IDS ("1,101,201")
--   create  POST the JSON in BENCH_BODY to the URL given to wrk (/api/v1/tasks)
-- Headers given to wrk with -H (Authorization, X-API-Key) are sent with every request.
-- done() prints one line, BENCH_RESULT {...}, that bench/loadgen.py parses.

local endpoint = os.getenv("BENCH_ENDPOINT") or "list"

if endpoint == "create" then
  -- A static request: wrk builds it once and sends it as is, which costs wrk nothing.
  wrk.method = "POST"
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end

local prepared = {}
local sent = 0

function init(args)
  -- Built here, not at load time, so they carry the -H headers and the Host header.
  for id in string.gmatch(os.getenv("BENCH_TASK_IDS") or "", "%d+") do
    prepared[#prepared + 1] = wrk.format("GET", "/api/v1/tasks/" .. id)
  end
end

if endpoint == "get" then
  -- Defining request() makes wrk ask for every request; the strings are prepared in init().
  function request()
    sent = sent + 1
    return prepared[(sent % #prepared) + 1]
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"http_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
