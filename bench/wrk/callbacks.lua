-- wrk: POST /callbacks/ecommpay with the signed callback bodies listed in $BODIES_FILE
-- (one JSON body per line), each body once per pass. Prints a JSON summary line.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("BODIES_FILE")) do
    bodies[#bodies + 1] = line
  end
  step = tonumber(os.getenv("WRK_THREADS"))
  index = id
end

function request()
  index = index + step
  local body = bodies[(index % #bodies) + 1]
  return wrk.format("POST", "/callbacks/ecommpay", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
