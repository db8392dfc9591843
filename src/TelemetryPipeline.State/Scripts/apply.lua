-- Dedupe + meters + buckets for one shard of one batch, atomically (see RedisTelemetryStore).
--
-- KEYS[1]  the shard's hash tag "{prefix:shard}"; every key below starts with it, so the call touches one slot.
-- ARGV[1]  dedupe hash TTL (s)       ARGV[2]  bucket/index/meter/incident TTL (s)
-- ARGV[3]  nI identifiers            ARGV[4]  nC code pairs ("project|cost", '|' and '%' percent-escaped)
-- then nI identifiers, nC code pairs, then one ARGV per event:
--   8 raw bytes of the dedupe id, 3 digits (record type, kind, measure),
--   "eventTimeMs amount intervalStartMs identifierIndex codeIndex" (code index 0 = no codes).
--
-- Every read happens, and every outcome is decided, before the first write: Redis does not roll a script back, so a
-- failure must come before anything is written. Events are processed in order against in-script state (markers seen
-- so far, meter baselines as updated so far), so the result is the same as applying them one by one.
-- Lua numbers are doubles: every integer handled stays below 2^53 (the caller checks its inputs) and products that
-- could exceed it are computed exactly by splitting.
-- Returns one outcome digit per event (EventOutcome).

local tag = KEYS[1]
local dttl = ARGV[1]
local bttl = ARGV[2]
local ni = tonumber(ARGV[3])
local nc = tonumber(ARGV[4])
local first = 5 + ni + nc
local n = #ARGV - first + 1

local floor = math.floor
local fmt = string.format
local sub = string.sub
local byte = string.byte
local match = string.match
local call = redis.call

local BUCKET = 900000
local DAY = 86400000
local HOUR = 3600000
local TWO53 = 9007199254740992
local FUEL_ANOMALY_ML = 2000000
local CHUNK = 500

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

-- Pass 1: parse, and group dedupe fields by hash so each hash is read with one HMGET.
local dkey, dfield, etype, ekind, emeasure, etime, eamount, estart, eident, ecode = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
local wanted, wantedOrder = {}, {}
for i = 1, n do
  local a = ARGV[first + i - 1]
  local time, amount, start, ident, code = match(a, '^(%-?%d+) (%-?%d+) (%-?%d+) (%d+) (%d+)$', 12)
  if not time then return redis.error_reply('ERR malformed event argument ' .. i) end
  time = tonumber(time)
  ident = tonumber(ident)
  local f = sub(a, 1, 8)
  local t = byte(a, 9) - 48
  local k = tostring(t) .. ':' .. idents[ident] .. ':' .. istr((time - imod(time, HOUR)) / HOUR)
  local dk = tag .. ':d:' .. k
  dkey[i] = dk; dfield[i] = f; etype[i] = t
  ekind[i] = byte(a, 10) - 48; emeasure[i] = byte(a, 11) - 48
  etime[i] = time; eamount[i] = tonumber(amount); estart[i] = tonumber(start)
  eident[i] = ident; ecode[i] = tonumber(code)
  local w = wanted[dk]
  if not w then w = {}; wanted[dk] = w; wantedOrder[#wantedOrder + 1] = dk end
  w[#w + 1] = f
end

local seen = {}
for _, dk in ipairs(wantedOrder) do
  local fields = wanted[dk]
  local s = {}
  for c = 1, #fields, CHUNK do
    local last = math.min(c + CHUNK - 1, #fields)
    local r = call('HMGET', dk, unpack(fields, c, last))
    for j = 1, #r do
      if r[j] then s[fields[c + j - 1]] = true end
    end
  end
  seen[dk] = s
end

-- Pass 2: decide every event in order.
local out = {}
local marks, markOrder = {}, {}
local cells, cellOrder, cellIdent, cellDay = {}, {}, {}, {}
local spills = {}
local meters = {}
local meterDirty, meterOrder = {}, {}
local incidents, incidentOrder = {}, {}

local function add(ident, measure, code, bucketStart, amount)
  if amount == 0 then return end
  local dayStart = bucketStart - imod(bucketStart, DAY)
  local day = istr(dayStart / DAY)
  local bk = tag .. ':b:' .. idents[ident] .. ':' .. day
  local c = cells[bk]
  if not c then
    c = {}; cells[bk] = c; cellOrder[#cellOrder + 1] = bk
    cellIdent[bk] = idents[ident]; cellDay[bk] = day
  end
  local field = istr((bucketStart - dayStart) / BUCKET) .. '|' .. measure .. '|' .. codes[code]
  local v = c[field]
  if v == nil then
    c[field] = amount
  else
    local sum = v + amount
    if sum >= TWO53 or sum <= -TWO53 then
      -- The in-script sum would stop being exact: keep the partial sum apart, Redis adds it as a 64-bit integer.
      spills[#spills + 1] = { bk, field, v }
      c[field] = amount
    else
      c[field] = sum
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
    local ov = nx - math.max(b, s)
    local part = floordiv(amount, ov, len)
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
  local dk, f = dkey[i], dfield[i]
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
      local mk = tag .. ':m:' .. idents[ident]
      local cache = meters[mk]
      if not cache then cache = {}; meters[mk] = cache end
      local base = cache[measure]
      if base == nil then
        local v = call('HGET', mk, tostring(measure))
        base = false
        if v then
          local bt, br = match(v, '^(%-?%d+):(%-?%d+)$')
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
  local fields = marks[dk]
  for c = 1, #fields, CHUNK do
    local args = {}
    for j = c, math.min(c + CHUNK - 1, #fields) do
      args[#args + 1] = fields[j]; args[#args + 1] = '1'
    end
    call('HSET', dk, unpack(args))
  end
  call('EXPIRE', dk, dttl)
end

local spilled = {}
for _, spill in ipairs(spills) do
  call('HINCRBY', spill[1], spill[2], istr(spill[3]))
  spilled[spill[1]] = true
end

local index, indexOrder = {}, {}
for _, bk in ipairs(cellOrder) do
  local wrote = spilled[bk] or false
  for field, amount in pairs(cells[bk]) do
    if amount ~= 0 then
      call('HINCRBY', bk, field, istr(amount))
      wrote = true
    end
  end
  if wrote then
    call('EXPIRE', bk, bttl)
    local ik = tag .. ':i:' .. cellDay[bk]
    local members = index[ik]
    if not members then members = {}; index[ik] = members; indexOrder[#indexOrder + 1] = ik end
    members[#members + 1] = cellIdent[bk]
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
