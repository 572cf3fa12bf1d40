-- Cycles through the benchmark's paths and client headers; the Worker gets varied clients and files.
local paths = {}
local countries = { "DE", "FR", "US", "JP", "BR" }
local n = 0
function init(args)
  for i = 0, 63 do
    local f = (i * 7) % 200
    paths[#paths + 1] = string.format("/releases/%d/file-%d.iso", f % 10, f)
  end
end
function request()
  n = n + 1
  local i = n % 64
  return wrk.format("GET", paths[i + 1], {
    ["x-debug-country"] = countries[(i % 5) + 1],
    ["x-debug-ip"] = string.format("198.51.%d.7", i),
    ["x-debug-asn"] = tostring(64500 + i),
  })
end
