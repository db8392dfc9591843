-- Phase 2 of an apply (see RedisTelemetryStore.Apply.cs): checks that what phase 1 read still holds, then writes the
-- dedupe marks, meter baselines, bucket increments, day-index members and meter incidents of one shard's batch.
-- Redis runs a script atomically and propagates its effects as one unit, so either all of it happens or none; every
-- check comes before the first write, so a conflict writes nothing. The caller decided every event in C#; this
-- script only adds the bucket amounts it was given to what the cells hold.
--
-- KEYS[1]  the shard's hash tag "{prefix:shard}"; every key below starts with it, so the call touches one slot.
-- ARGV[1]  the layout phase 1 saw         ARGV[2] dedupe set TTL (s)     ARGV[3] bucket/index/meter/incident TTL (s)
-- then nD, per dedupe set:   key, touch, count, ids          (SADD; must all be absent)
-- then nM, per meter key:    key, touch, count, count x (measure, value read or '', new value)   (HMGET must match)
-- then nB, per bucket key:   key, touch, count, count x (field, amount)   (added to the cells)
-- then nI, per day index:    key, touch, count, identifiers  (SADD)
-- then nA, per incident day: key, touch, count, records      (RPUSH)
-- "touch" 1 sets the key's TTL (the caller sends it about once a day per key, see KeyTouchTracker).
-- Returns 'OK', or 'CONFLICT <what>' when another writer changed what phase 1 read (nothing was written).

local tag = KEYS[1]
local A = ARGV
local call = redis.call
local unpack = unpack
local fmt = string.format
local CHUNK = 1000
local TWO53 = 9007199254740992

if call('GET', tag .. ':layout') ~= A[1] then return 'CONFLICT layout' end
local dttl, bttl = A[2], A[3]

-- Checks.
local pos = 4
local dedupeAt = pos
for _ = 1, tonumber(A[pos]) do
  pos = pos + 1
  local key, count = A[pos], tonumber(A[pos + 2])
  local first = pos + 3
  local last = first + count - 1
  for s = first, last, CHUNK do
    local r = call('SMISMEMBER', key, unpack(A, s, math.min(s + CHUNK - 1, last)))
    for j = 1, #r do
      if r[j] == 1 then return 'CONFLICT dedupe ' .. key end
    end
  end
  pos = last
end
pos = pos + 1
local metersAt = pos
for _ = 1, tonumber(A[pos]) do
  pos = pos + 1
  local key, count = A[pos], tonumber(A[pos + 2])
  local fields = {}
  for j = 1, count do fields[j] = A[pos + j * 3] end
  local r = call('HMGET', key, unpack(fields))
  for j = 1, count do
    if (r[j] or '') ~= A[pos + 1 + j * 3] then return 'CONFLICT meter ' .. key end
  end
  pos = pos + 2 + count * 3
end

-- Writes.

-- A section of (key, touch, count, members) groups written with SADD or RPUSH; returns the position of its last argument.
local function addMembers(at, command, ttl)
  for _ = 1, tonumber(A[at]) do
    at = at + 1
    local key, touch, count = A[at], A[at + 1], tonumber(A[at + 2])
    local first = at + 3
    local last = first + count - 1
    for s = first, last, CHUNK do
      call(command, key, unpack(A, s, math.min(s + CHUNK - 1, last)))
    end
    if touch == '1' then call('EXPIRE', key, ttl) end
    at = last
  end
  return at
end

addMembers(dedupeAt, 'SADD', dttl)

pos = metersAt
for _ = 1, tonumber(A[pos]) do
  pos = pos + 1
  local key, touch, count = A[pos], A[pos + 1], tonumber(A[pos + 2])
  local args = {}
  for j = 1, count do
    args[#args + 1] = A[pos + j * 3]; args[#args + 1] = A[pos + 2 + j * 3]
  end
  call('HSET', key, unpack(args))
  if touch == '1' then call('EXPIRE', key, bttl) end
  pos = pos + 2 + count * 3
end

-- Buckets: one HMGET and one HSET per key instead of one HINCRBY per cell. Lua numbers are doubles, exact below
-- 2^53; a cell whose value or sum could leave that range is added by HINCRBY (64-bit integers) instead.
pos = pos + 1
for _ = 1, tonumber(A[pos]) do
  pos = pos + 1
  local key, touch, count = A[pos], A[pos + 1], tonumber(A[pos + 2])
  if count == 1 or count > CHUNK then
    for j = 1, count do
      call('HINCRBY', key, A[pos + 1 + j * 2], A[pos + 2 + j * 2])
    end
  else
    local fields = {}
    for j = 1, count do fields[j] = A[pos + 1 + j * 2] end
    local current = call('HMGET', key, unpack(fields))
    local args = {}
    for j = 1, count do
      local v, amount = current[j], A[pos + 2 + j * 2]
      if not v then
        args[#args + 1] = fields[j]; args[#args + 1] = amount
      else
        local a, b = tonumber(v), tonumber(amount)
        local sum = a + b
        if a < TWO53 and a > -TWO53 and b < TWO53 and b > -TWO53 and sum < TWO53 and sum > -TWO53 then
          args[#args + 1] = fields[j]; args[#args + 1] = fmt('%d', sum)
        else
          call('HINCRBY', key, fields[j], amount)
        end
      end
    end
    if #args > 0 then call('HSET', key, unpack(args)) end
  end
  if touch == '1' then call('EXPIRE', key, bttl) end
  pos = pos + 2 + count * 2
end

pos = addMembers(pos + 1, 'SADD', bttl)
addMembers(pos + 1, 'RPUSH', bttl)

return 'OK'
