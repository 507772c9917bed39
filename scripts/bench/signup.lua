-- wrk scenario: a crowd signing up for one event, every request a new person.
--   EVENT=<event id> wrk -t2 -c64 -d8s -s scripts/bench/signup.lua http://127.0.0.1:8080
-- (scripts/bench/rush runs the whole comparison: a fresh database, a release build, the
-- event, wrk, the oversell check.) Each thread numbers its own requests, so addresses
-- never repeat across threads or runs of one process.
local event = os.getenv("EVENT") or error("set EVENT to the event id")
local counter = 0
-- A global, not a local: setup() sets it in each thread's own Lua state.
thread_id = 0
local run = os.getenv("RUN") or tostring(os.time())

local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/events/" .. event .. "/registrations"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Deltaker %d-%d","email":"p%s-%d-%d@example.no","municipality":"Tønsberg"}',
    thread_id, counter, run, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end

-- No response() callback: it would make wrk hand every answer to Lua and slow the load
-- generator, which shares the machine. Refusals show as non-2xx/3xx below.
function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
