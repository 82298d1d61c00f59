-- wrk: one JSON line with the latency percentiles (ms), throughput and every kind of failed request.
-- Paths after `--` are asked in turn (bench/run.py's common words), else the URL's own path each time.
local paths, turn = {}, 0

init = function(args)
  for i, path in ipairs(args) do paths[i] = path end
end

request = function()
  if #paths == 0 then return wrk.request() end
  turn = turn % #paths + 1
  return wrk.format(nil, paths[turn])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"non_2xx_3xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.status, e.connect, e.read, e.write, e.timeout))
end
