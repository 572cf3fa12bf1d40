-- Every request from a client network not seen before, in this run or an earlier one: the worst
-- case for repeat marks, each counted download is a first one and writes a mark.
local paths = {}
local n = 0
function init(args)
  for i = 0, 199 do
    paths[#paths + 1] = string.format("/releases/%d/file-%d.iso", i % 10, i)
  end
  math.randomseed(os.time())
  n = math.random(0, 12000000)
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % 200) + 1], {
    ["x-debug-country"] = "DE",
    ["x-debug-ip"] = string.format("%d.%d.%d.1", 11 + math.floor(n / 65536) % 200, math.floor(n / 256) % 256, n % 256),
    ["x-debug-asn"] = "64500",
  })
end
