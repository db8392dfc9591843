-- Phase 1 of an apply (see RedisTelemetryStore.Apply.cs): what one shard holds for a batch, read in one call.
--
-- KEYS[1]  the shard's hash tag "{prefix:shard}"; every key below starts with it.
-- ARGV[1]  the layout to record if the shard has none yet ("v2 dedupe-sets-per-hour=<K> epoch=<random>")
-- ARGV[2]  nD, then per dedupe set: key, count, that many candidate ids (signed 64-bit decimal)
-- then     nM, then per meter key: key, count, that many measure numbers
-- Returns { layout, one '0'/'1' per candidate id (sets in order), { one baseline per measure, '' for none } }.
-- The layout key is the only write: it records the dedupe set count the ids are filed under (ids filed under
-- another count would not be found) and an epoch that changes if Redis loses its data.

local tag = KEYS[1]
local call = redis.call
local unpack = unpack
local CHUNK = 1000

local layoutKey = tag .. ':layout'
local layout = call('GET', layoutKey)
if not layout then
  layout = ARGV[1]
  call('SET', layoutKey, layout)
end

local flags = {}
local pos = 3
for _ = 1, tonumber(ARGV[2]) do
  local key, count = ARGV[pos], tonumber(ARGV[pos + 1])
  local first = pos + 2
  local last = first + count - 1
  for s = first, last, CHUNK do
    local r = call('SMISMEMBER', key, unpack(ARGV, s, math.min(s + CHUNK - 1, last)))
    for j = 1, #r do flags[#flags + 1] = r[j] end
  end
  pos = last + 1
end

local baselines = {}
local nm = tonumber(ARGV[pos])
pos = pos + 1
for _ = 1, nm do
  local key, count = ARGV[pos], tonumber(ARGV[pos + 1])
  local r = call('HMGET', key, unpack(ARGV, pos + 2, pos + 1 + count))
  for j = 1, count do baselines[#baselines + 1] = r[j] or '' end
  pos = pos + 2 + count
end

return { layout, table.concat(flags), baselines }
