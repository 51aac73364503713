-- wrk script: POST one GraphQL request per line of the file given after `--` (token TAB json body),
-- cycling through them; counts answers that carry no userErrors and no errors as successes.
local lines = {}
local next_line = 1
ok, refused = 0, 0  -- globals: done() reads them from every thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
  next_line = math.random(#lines)
end

function request()
  next_line = next_line % #lines + 1
  local line = lines[next_line]
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. line:sub(1, tab - 1),
  }, line:sub(tab + 1))
end

function response(status, headers, body)
  if status == 200 and body:find('"userErrors":[]', 1, true) and not body:find('"errors"', 1, true) then
    ok = ok + 1
  elseif status == 200 and body:find('"data":{"me"', 1, true) then
    ok = ok + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_refused = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_refused = total_refused + thread:get("refused")
  end
  io.write(string.format(
    "RESULT {\"requests\": %d, \"seconds\": %.3f, \"ok\": %d, \"refused\": %d, \"socket_errors\": %d, " ..
    "\"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
    summary.requests, summary.duration / 1e6, total_ok, total_refused,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
