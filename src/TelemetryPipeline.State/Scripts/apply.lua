-- Dedupe + meters + buckets for one shard of one batch, atomically (see RedisTelemetryStore).
--
-- KEYS[1]  the shard's hash tag "{prefix:shard}"; every key below starts with it, so the call touches one slot.
-- ARGV[1]  dedupe hash TTL (s)       ARGV[2]  bucket/index/meter/incident TTL (s)
-- ARGV[3]  nI identifiers            ARGV[4]  nC code pairs ("project|cost", '|' and '%' percent-escaped)
-- ARGV[5 .. 4+nI]             the identifiers the events refer to by index
-- ARGV[5+nI .. 4+nI+nC]       the code pairs the events refer to by index (0 = no codes)
-- ARGV[5+nI+nC]               the events, 43 bytes each, little-endian:
--   c8 dedupe id | B record type | B kind | B measure | i8 eventTimeMs | i8 amount | i8 intervalStartMs
--   | I4 identifier index | I4 code pair index
-- One blob instead of one argument per event: struct.unpack reads a record in one C call, where separate (or
-- text) arguments cost a Lua string each per field.
--
-- Events are decided in order against in-script state (markers seen so far, meter baselines as updated so far), so the
-- result is the one of applying them one by one. Reads come first and the writes last, with one exception: a dedupe
-- hash wanted by a single event of the batch is checked and marked with one HSETNX. Redis runs the script atomically
-- and propagates its effects as one MULTI/EXEC, so a crash never leaves half of it; it does not roll back a script
-- that fails half-way, which only a foreign value of the wrong type under these keys could make happen.
-- Lua numbers are doubles: inputs stay below 2^52 (the caller checks), products that could pass 2^53 are computed
-- exactly by splitting, and sums that could are left to HINCRBY's 64-bit integers.
-- Returns one outcome digit per event (EventOutcome).

local tag = KEYS[1]
local dttl = ARGV[1]
local bttl = ARGV[2]
local ni = tonumber(ARGV[3])
local nc = tonumber(ARGV[4])
local blob = ARGV[5 + ni + nc]

local floor = math.floor
local fmt = string.format
local sunpack = struct.unpack
local call = redis.call

local RECORD = 43
local BUCKET = 900000
local DAY = 86400000
local HOUR = 3600000
local TWO53 = 9007199254740992
local FUEL_ANOMALY_ML = 2000000
local CHUNK = 500

local n = #blob / RECORD
if n ~= floor(n) then
  return redis.error_reply('ERR event blob of ' .. #blob .. ' bytes is not a whole number of ' .. RECORD .. '-byte records')
end

local idents = {}
for i = 1, ni do idents[i] = ARGV[4 + i] end
local codes = { [0] = '|' }
for i = 1, nc do codes[i] = ARGV[4 + ni + i] end

-- a mod m in [0, m), exact for |a| < 2^53 (the correction absorbs a rounded quotient).
local function imod(a, m)
  local r = a - floor(a / m) * m
  if r < 0 then r = r + m elseif r >= m then r = r - m end
  return r
end

local function istr(x) return fmt('%d', x) end

-- floor(d * o / l) and its remainder, exactly, for 0 <= d < 2^53, 0 < o <= 2^20, 0 < l < 2^51.
local function mulfloor(d, o, l)
  local p = d * o
  if p < TWO53 then
    local q = floor(p / l)
    if q * l > p then q = q - 1 elseif (q + 1) * l <= p then q = q + 1 end
    return q, p - q * l
  end
  -- d = a*l + b with b < l, so d*o/l = a*o + b*o/l; b*o/l by binary long division over o's bits.
  local a = floor(d / l)
  local b = d - a * l
  if b < 0 then a = a - 1; b = b + l elseif b >= l then a = a + 1; b = b - l end
  local q, r, rest, bit = 0, 0, o, 1048576
  while bit >= 1 do
    q = q * 2; r = r * 2
    if r >= l then r = r - l; q = q + 1 end
    if rest >= bit then
      rest = rest - bit
      r = r + b
      if r >= l then r = r - l; q = q + 1 end
    end
    bit = bit / 2
  end
  return a * o + q, r
end

-- floor(d * o / l) for any sign of d (BucketMath.FloorDiv).
local function floordiv(d, o, l)
  if d >= 0 then return (mulfloor(d, o, l)) end
  local q, r = mulfloor(-d, o, l)
  if r > 0 then q = q + 1 end
  return -q
end

-- Pass 1: parse, and group dedupe fields by hash so that each hash is read with one call.
local efield, etype, ekind, emeasure, etime, eamount, estart, eident, ecode, edkey = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
local dkeyCache = {}
local wanted, wantedOrder = {}, {}
local pos = 1
for i = 1, n do
  local f, t, k, m, time, amount, start, ident, code
  f, t, k, m, time, amount, start, ident, code, pos = sunpack('<c8BBBi8i8i8I4I4', blob, pos)
  local hour = (time - imod(time, HOUR)) / HOUR
  local byType = dkeyCache[t]
  if not byType then byType = {}; dkeyCache[t] = byType end
  local byIdent = byType[ident]
  if not byIdent then byIdent = {}; byType[ident] = byIdent end
  local dk = byIdent[hour]
  if not dk then
    dk = tag .. ':d:' .. t .. ':' .. idents[ident] .. ':' .. istr(hour)
    byIdent[hour] = dk
  end
  efield[i] = f; etype[i] = t; ekind[i] = k; emeasure[i] = m; etime[i] = time
  eamount[i] = amount; estart[i] = start; eident[i] = ident; ecode[i] = code; edkey[i] = dk
  local w = wanted[dk]
  if w then
    w[#w + 1] = f
  else
    wanted[dk] = { f }
    wantedOrder[#wantedOrder + 1] = dk
  end
end

-- Which ids are known. A hash wanted by one event only (the common case with a large fleet: one event per machine,
-- record type and hour in a batch) is checked and marked by one HSETNX; the others are read with HMGET.
local seen, claimed = {}, {}
for _, dk in ipairs(wantedOrder) do
  local fields = wanted[dk]
  local s = {}
  if #fields == 1 then
    if call('HSETNX', dk, fields[1], '1') == 0 then s[fields[1]] = true else claimed[dk] = true end
  else
    for c = 1, #fields, CHUNK do
      local last = math.min(c + CHUNK - 1, #fields)
      local r = call('HMGET', dk, unpack(fields, c, last))
      for j = 1, #r do
        if r[j] then s[fields[c + j - 1]] = true end
      end
    end
  end
  seen[dk] = s
end

-- Pass 2: decide every event in order.
local out = {}
local marks, markOrder = {}, {}
local buckets, bucketOrder = {}, {}   -- [ident][day] -> { key, identifier, day, cells = { field -> amount } }
local fieldCache = {}                 -- [code][slot * 8 + measure] -> "slot|measure|project|cost"
local spills = {}
local meterKeys, meters = {}, {}
local meterDirty, meterOrder = {}, {}
local incidents, incidentOrder = {}, {}

local function add(ident, measure, code, bucketStart, amount)
  if amount == 0 then return end
  local dayStart = bucketStart - imod(bucketStart, DAY)
  local day = dayStart / DAY
  local byIdent = buckets[ident]
  if not byIdent then byIdent = {}; buckets[ident] = byIdent end
  local b = byIdent[day]
  if not b then
    local dayText = istr(day)
    b = { tag .. ':b:' .. idents[ident] .. ':' .. dayText, idents[ident], dayText, {} }
    byIdent[day] = b
    bucketOrder[#bucketOrder + 1] = b
  end
  local byCode = fieldCache[code]
  if not byCode then byCode = {}; fieldCache[code] = byCode end
  local slot = (bucketStart - dayStart) / BUCKET
  local field = byCode[slot * 8 + measure]
  if not field then
    field = istr(slot) .. '|' .. measure .. '|' .. codes[code]
    byCode[slot * 8 + measure] = field
  end
  local cells = b[4]
  local v = cells[field]
  if v == nil then
    cells[field] = amount
  else
    local sum = v + amount
    if sum >= TWO53 or sum <= -TWO53 then
      -- The in-script sum would stop being exact: keep the partial sum apart, Redis adds it as a 64-bit integer.
      spills[#spills + 1] = { b, field, v }
      cells[field] = amount
    else
      cells[field] = sum
    end
  end
end

local function bucketStartOf(t) return t - imod(t, BUCKET) end

-- BucketMath.Spread: floor(amount * overlap / length) per bucket, the remainder to the last one.
local function spread(ident, measure, code, amount, s, e)
  if e <= s then
    add(ident, measure, code, bucketStartOf(s), amount)
    return
  end
  local len = e - s
  local given = 0
  local b = bucketStartOf(s)
  while true do
    local nx = b + BUCKET
    if nx >= e then
      add(ident, measure, code, b, amount - given)
      return
    end
    local part = floordiv(amount, nx - math.max(b, s), len)
    add(ident, measure, code, b, part)
    given = given + part
    b = nx
  end
end

local function incident(kind, i, prevTime, prevReading, reading, heldOut)
  local ak = tag .. ':a:' .. istr((etime[i] - imod(etime[i], DAY)) / DAY)
  local list = incidents[ak]
  if not list then list = {}; incidents[ak] = list; incidentOrder[#incidentOrder + 1] = ak end
  list[#list + 1] = kind .. '|' .. emeasure[i] .. '|' .. istr(etime[i]) .. '|' .. istr(prevTime) .. '|' ..
    istr(prevReading) .. '|' .. istr(reading) .. '|' .. istr(heldOut) .. '|' .. idents[eident[i]]
end

local function setBaseline(mk, cache, measure, time, reading)
  cache[measure] = { time, reading }
  local d = meterDirty[mk]
  if not d then d = {}; meterDirty[mk] = d; meterOrder[#meterOrder + 1] = mk end
  d[measure] = true
end

for i = 1, n do
  local dk, f = edkey[i], efield[i]
  local s = seen[dk]
  if s[f] then
    out[i] = '1'
  else
    s[f] = true
    local m = marks[dk]
    if not m then m = {}; marks[dk] = m; markOrder[#markOrder + 1] = dk end
    m[#m + 1] = f
    local kind, measure, ident, code = ekind[i], emeasure[i], eident[i], ecode[i]
    if kind == 1 then
      spread(ident, measure, code, eamount[i], estart[i], etime[i])
      out[i] = '0'
    elseif kind == 2 then
      add(ident, measure, code, bucketStartOf(etime[i]), eamount[i])
      out[i] = '0'
    else
      local mk = meterKeys[ident]
      if not mk then mk = tag .. ':m:' .. idents[ident]; meterKeys[ident] = mk end
      local cache = meters[mk]
      if not cache then cache = {}; meters[mk] = cache end
      local base = cache[measure]
      if base == nil then
        local v = call('HGET', mk, tostring(measure))
        base = false
        if v then
          local bt, br = string.match(v, '^(%-?%d+):(%-?%d+)$')
          if bt then base = { tonumber(bt), tonumber(br) } end
        end
        cache[measure] = base
      end
      local time, reading = etime[i], eamount[i]
      if not base then
        setBaseline(mk, cache, measure, time, reading)
        out[i] = '2'
      elseif time <= base[1] then
        incident('5', i, base[1], base[2], reading, 0)
        out[i] = '5'
      elseif reading < base[2] then
        incident('3', i, base[1], base[2], reading, 0)
        setBaseline(mk, cache, measure, time, reading)
        out[i] = '3'
      else
        local delta = reading - base[2]
        local anomaly
        if measure <= 2 then anomaly = delta > time - base[1] else anomaly = delta > FUEL_ANOMALY_ML end
        if anomaly then
          incident('4', i, base[1], base[2], reading, delta)
          out[i] = '4'
        else
          spread(ident, measure, code, delta, base[1], time)
          out[i] = '0'
        end
        setBaseline(mk, cache, measure, time, reading)
      end
    end
  end
end

-- Pass 3: write. Each key is written with as few calls as possible and its TTL set once.
for _, dk in ipairs(markOrder) do
  if not claimed[dk] then
    local fields = marks[dk]
    for c = 1, #fields, CHUNK do
      local args = {}
      for j = c, math.min(c + CHUNK - 1, #fields) do
        args[#args + 1] = fields[j]; args[#args + 1] = '1'
      end
      call('HSET', dk, unpack(args))
    end
  end
  call('EXPIRE', dk, dttl)
end

local spilled = {}
for _, spill in ipairs(spills) do
  call('HINCRBY', spill[1][1], spill[2], istr(spill[3]))
  spilled[spill[1]] = true
end

local index, indexOrder = {}, {}
for _, b in ipairs(bucketOrder) do
  local key = b[1]
  local fields, amounts = {}, {}
  for field, amount in pairs(b[4]) do
    if amount ~= 0 then fields[#fields + 1] = field; amounts[#amounts + 1] = amount end
  end
  if #fields == 1 then
    call('HINCRBY', key, fields[1], istr(amounts[1]))
  elseif #fields > 1 then
    -- One read and one write instead of one HINCRBY per cell; a sum that could leave exact double range uses HINCRBY.
    for c = 1, #fields, CHUNK do
      local last = math.min(c + CHUNK - 1, #fields)
      local current = call('HMGET', key, unpack(fields, c, last))
      local args = {}
      for j = c, last do
        local v = current[j - c + 1]
        v = v and tonumber(v) or 0
        local sum = v + amounts[j]
        if v < TWO53 and v > -TWO53 and sum < TWO53 and sum > -TWO53 then
          args[#args + 1] = fields[j]; args[#args + 1] = istr(sum)
        else
          call('HINCRBY', key, fields[j], istr(amounts[j]))
        end
      end
      if #args > 0 then call('HSET', key, unpack(args)) end
    end
  end
  if #fields > 0 or spilled[b] then
    call('EXPIRE', key, bttl)
    local ik = tag .. ':i:' .. b[3]
    local members = index[ik]
    if not members then members = {}; index[ik] = members; indexOrder[#indexOrder + 1] = ik end
    members[#members + 1] = b[2]
  end
end

for _, ik in ipairs(indexOrder) do
  local members = index[ik]
  for c = 1, #members, CHUNK do
    call('SADD', ik, unpack(members, c, math.min(c + CHUNK - 1, #members)))
  end
  call('EXPIRE', ik, bttl)
end

for _, mk in ipairs(meterOrder) do
  local args = {}
  local cache = meters[mk]
  for measure in pairs(meterDirty[mk]) do
    local b = cache[measure]
    args[#args + 1] = tostring(measure); args[#args + 1] = istr(b[1]) .. ':' .. istr(b[2])
  end
  call('HSET', mk, unpack(args))
  call('EXPIRE', mk, bttl)
end

for _, ak in ipairs(incidentOrder) do
  local list = incidents[ak]
  for c = 1, #list, CHUNK do
    call('RPUSH', ak, unpack(list, c, math.min(c + CHUNK - 1, #list)))
  end
  call('EXPIRE', ak, bttl)
end

return table.concat(out)
