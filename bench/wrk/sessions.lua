-- wrk: POST /api/checkout/sessions for the orders listed in $ORDERS_FILE (one per line),
-- each request for the next order, with its own idempotency key, as distinct customers
-- opening distinct payments. Prints a JSON summary line at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  orders = {}
  for line in io.lines(os.getenv("ORDERS_FILE")) do
    orders[#orders + 1] = line
  end
  step = tonumber(os.getenv("WRK_THREADS"))
  index = id
end

function request()
  index = index + step
  local order = orders[(index % #orders) + 1]
  local body = '{"order_id":"' .. order .. '","customer":{"first_name":"Budi","email":"budi@example.com"}}'
  local headers = { ["Content-Type"] = "application/json", ["Idempotency-Key"] = "bench-" .. id .. "-" .. index }
  return wrk.format("POST", "/api/checkout/sessions", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
