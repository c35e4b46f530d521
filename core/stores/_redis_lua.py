"""The one Lua script every RedisStore write goes through.

Redis runs a script atomically (no other client's command interleaves) but does not
roll it back if it fails half way. So the script works in two passes: the first
checks every precondition of the whole batch against a simulation of its own earlier
operations (a name an ``oadd`` would duplicate, an ``incr`` of something that is not
an int), and only then does the second pass write. A batch is therefore all or
nothing, whichever process races it.

A transaction's commit first checks what it read (the *checks*): if any of those
values is not what the transaction saw, the script writes nothing and answers
``conflict`` with the keys that changed, and the client runs the transaction again.

Every write also counts itself in ``Pseq``, a sequence number every reply carries
(``{status, seq, ...}``): a client that has seen sequence number ``n`` in a reply knows
its cache is only as fresh as that once it has heard notification ``n``.

A change notification is the writer's id, the write's sequence number, then the keys
written, one per line; a hash field is ``KEY#FIELD`` (oids never contain ``#``), and a
deleted subtree is also listed as ``*KEY``, so a client-side cache knows to drop
everything below it. :data:`SYNC` publishes a notification with no keys: the sequence
number at that moment, which tells a listener that has just subscribed where it stands.

Layout under the store's prefix ``P``:

- ``Pv``: hash, key -> JSON value (plain values);
- ``Ph:KEY``: hash, field -> JSON (``hash_*``);
- ``Po:KEY``: sorted set, name scored by insertion sequence (ordered maps' order);
- ``Pov:KEY``: hash, name -> JSON (ordered maps' values);
- ``Ps``: hash, KEY -> last insertion sequence of that ordered map;
- ``Pi``: sorted set of every key, all scores 0, so ``delete_tree`` finds a subtree
  with ``ZRANGEBYLEX`` instead of scanning the keyspace.
- ``Pturn``: the token of the transaction whose turn it is, for half a second at most
  (a transaction that lost several times in a row claims it; the others' commits
  wait until it committed or gave up).

``ARGV[1]`` is the prefix, ``ARGV[2]`` the writer's id, ``ARGV[3]`` the channel to
publish changes on (pub/sub ignores databases, so it names the database), ``ARGV[4]``
how many arguments the checks take, then the checks, flat: ``v KEY JSON`` / ``v0 KEY``
(a plain value was / was not there), ``m KEY NAME JSON`` / ``m0 KEY NAME`` (an ordered
map's member), ``h KEY FIELD JSON`` / ``h0 KEY FIELD`` (a hash field), ``ha KEY COUNT
FIELD JSON ...`` (a whole hash), ``n KEY COUNT`` (an ordered map's length), ``r KEY
START LAST COUNT NAME ...`` (a range of its names), ``t TOKEN`` (every transaction's
last check: the turn is free, or TOKEN holds it; the commit frees it); then the
operations, flat: ``set KEY JSON``, ``del KEY``, ``incr KEY AMOUNT``, ``hset KEY FIELD
JSON``, ``hdel KEY FIELD``, ``oadd KEY COUNT NAME JSON ...``, ``orem KEY NAME``, ``oclr
KEY``, ``dtree KEY``. Values travel as JSON *text*, never decoded here, so numbers keep
their precision.

:data:`READ` is the one read that is not a single command: what a client-side cache
fills in one round trip (see its comment).
"""

from __future__ import annotations

__all__ = ["APPLY", "CLAIM_TURN", "READ", "RELEASE_TURN", "SYNC"]

APPLY = r"""
local p = ARGV[1]
local V, I, S = p .. 'v', p .. 'i', p .. 's'
local function seq() return tonumber(redis.call('GET', p .. 'seq') or '0') end

-- Checks first: a transaction whose reads are stale writes nothing.
local a, last_check = 5, 4 + tonumber(ARGV[4])
local stale, stale_seen, checked, blocked, turn = {}, {}, {}, false, ''
local function changed_(key)
  if not stale_seen[key] then stale_seen[key] = true; stale[#stale + 1] = key end
end
local function differs(now, expected)
  if expected == nil then return now ~= false end
  return now ~= expected
end
while a <= last_check do
  local kind, key = ARGV[a], ARGV[a + 1]
  if kind == 'v' or kind == 'v0' then
    local expected = nil
    if kind == 'v' then expected = ARGV[a + 2]; a = a + 3 else a = a + 2 end
    if differs(redis.call('HGET', V, key), expected) then changed_(key) end
  elseif kind == 'm' or kind == 'm0' or kind == 'h' or kind == 'h0' then
    local hash = (kind == 'm' or kind == 'm0') and (p .. 'ov:' .. key) or (p .. 'h:' .. key)
    local field, expected = ARGV[a + 2], nil
    if kind == 'm' or kind == 'h' then expected = ARGV[a + 3]; a = a + 4 else a = a + 3 end
    if differs(redis.call('HGET', hash, field), expected) then changed_(key) end
  elseif kind == 'ha' then
    local count = tonumber(ARGV[a + 2])
    local now = redis.call('HGETALL', p .. 'h:' .. key)
    local same = #now == 2 * count
    if same then
      local fields = {}
      for i = 1, #now, 2 do fields[now[i]] = now[i + 1] end
      for i = 1, count do
        if fields[ARGV[a + 1 + 2 * i]] ~= ARGV[a + 2 + 2 * i] then same = false; break end
      end
    end
    if not same then changed_(key) end
    a = a + 3 + 2 * count
  elseif kind == 'n' then
    if redis.call('ZCARD', p .. 'o:' .. key) ~= tonumber(ARGV[a + 2]) then changed_(key) end
    a = a + 3
  elseif kind == 'r' then
    local count = tonumber(ARGV[a + 4])
    local now = redis.call('ZRANGE', p .. 'o:' .. key, ARGV[a + 2], ARGV[a + 3])
    local same = #now == count
    if same then
      for i = 1, count do
        if now[i] ~= ARGV[a + 4 + i] then same = false; break end
      end
    end
    if not same then changed_(key) end
    a = a + 5 + count
  elseif kind == 't' then
    -- The turn (see RedisStore._attempt): while another transaction holds it, this
    -- one commits nothing, so a transaction that kept losing cannot starve.
    turn = ARGV[a + 1]
    local holder = redis.call('GET', p .. 'turn')
    if holder and holder ~= turn then blocked = true end
    a = a + 2
  else
    return redis.error_reply('graftflow: unknown check ' .. tostring(kind))
  end
  if kind ~= 't' then checked[#checked + 1] = key end
end
if blocked and #stale == 0 then
  for _, key in ipairs(checked) do changed_(key) end
end
if #stale > 0 or blocked then
  local reply = {'conflict', seq()}
  for _, key in ipairs(stale) do reply[#reply + 1] = key end
  return reply
end

-- Decode the flat argument list into operations. (Not JSON: ARGV is binary safe,
-- cjson is not with every string Python can hold.)
local ops = {}
while a <= #ARGV do
  local kind, key = ARGV[a], ARGV[a + 1]
  if kind == 'set' or kind == 'incr' or kind == 'hdel' or kind == 'orem' then
    ops[#ops + 1] = {kind, key, ARGV[a + 2]}
    a = a + 3
  elseif kind == 'hset' then
    ops[#ops + 1] = {kind, key, ARGV[a + 2], ARGV[a + 3]}
    a = a + 4
  elseif kind == 'oadd' then
    local count, list = tonumber(ARGV[a + 2]), {}
    for j = 1, 2 * count do list[j] = ARGV[a + 2 + j] end
    ops[#ops + 1] = {kind, key, list}
    a = a + 3 + 2 * count
  else  -- del, oclr, dtree
    ops[#ops + 1] = {kind, key}
    a = a + 2
  end
end

local function under(key, top)
  return key == top or string.sub(key, 1, #top + 1) == top .. '/'
end

-- Pass 1: simulate, and refuse the whole batch on the first broken precondition.
local vals, trees, members, cleared, nums = {}, {}, {}, {}, {}
local function tree_gone(key)
  for _, top in ipairs(trees) do
    if under(key, top) then return true end
  end
  return false
end
local function value(key)
  local v = vals[key]
  if v ~= nil then return v end
  if tree_gone(key) then return false end
  return redis.call('HGET', V, key)
end
local function member(key, name)
  local m = members[key]
  if m and m[name] ~= nil then return m[name] end
  if cleared[key] or tree_gone(key) then return false end
  return redis.call('HEXISTS', p .. 'ov:' .. key, name) == 1
end
local function set_member(key, name, present)
  local m = members[key]
  if not m then m = {}; members[key] = m end
  m[name] = present
end

for _, op in ipairs(ops) do
  local kind, key = op[1], op[2]
  if kind == 'set' then
    vals[key] = op[3]
    nums[key] = nil
  elseif kind == 'del' then
    vals[key] = false
    nums[key] = nil
  elseif kind == 'incr' then
    -- HINCRBY counts in 64 bits and fails past them, after earlier writes of this
    -- batch were made: refuse here instead, with a margin doubles cannot blur.
    local current = nums[key]
    if current == nil then
      local text = value(key)
      if text and not string.match(text, '^%-?%d+$') then
        return {'notint', seq(), key, text}
      end
      current = text and tonumber(text) or 0
    end
    local total = current + tonumber(op[3])
    if math.abs(current) >= 9.2e18 or math.abs(total) >= 9.2e18 then
      return {'toobig', seq(), key, value(key) or '0'}
    end
    nums[key] = total
    vals[key] = '0'  -- an int from now on; its exact value is in nums
  elseif kind == 'oadd' then
    local taken = {}
    local pairs_ = op[3]
    for i = 1, #pairs_, 2 do
      if member(key, pairs_[i]) then taken[#taken + 1] = pairs_[i] end
    end
    if #taken > 0 then
      local reply = {'exists', seq(), key}
      for _, name in ipairs(taken) do reply[#reply + 1] = name end
      return reply
    end
    for i = 1, #pairs_, 2 do set_member(key, pairs_[i], true) end
  elseif kind == 'orem' then
    set_member(key, op[3], false)
  elseif kind == 'oclr' then
    members[key] = {}
    cleared[key] = true
  elseif kind == 'dtree' then
    trees[#trees + 1] = key
    for k, _ in pairs(vals) do if under(k, key) then vals[k] = false; nums[k] = nil end end
    for k, _ in pairs(members) do if under(k, key) then members[k] = {}; cleared[k] = true end end
  end
end

-- Pass 2: write.
local results, changed = {}, {}
for n, op in ipairs(ops) do
  local kind, key = op[1], op[2]
  local result = 0
  if kind == 'set' then
    redis.call('HSET', V, key, op[3])
    redis.call('ZADD', I, 0, key)
  elseif kind == 'del' then
    result = redis.call('HDEL', V, key)
  elseif kind == 'incr' then
    result = redis.call('HINCRBY', V, key, op[3])
    redis.call('ZADD', I, 0, key)
  elseif kind == 'hset' then
    redis.call('HSET', p .. 'h:' .. key, op[3], op[4])
    redis.call('ZADD', I, 0, key)
    changed[key .. '#' .. op[3]] = true
  elseif kind == 'hdel' then
    result = redis.call('HDEL', p .. 'h:' .. key, op[3])
    changed[key .. '#' .. op[3]] = true
  elseif kind == 'oadd' then
    local pairs_ = op[3]
    for i = 1, #pairs_, 2 do
      local seq = redis.call('HINCRBY', S, key, 1)
      redis.call('ZADD', p .. 'o:' .. key, seq, pairs_[i])
      redis.call('HSET', p .. 'ov:' .. key, pairs_[i], pairs_[i + 1])
      -- graftflow's own small maps ('!projects') say which names changed: another
      -- process's flow then knows which project appeared.
      if string.sub(key, 1, 1) == '!' then changed[key .. '#' .. pairs_[i]] = true end
    end
    if #pairs_ > 0 then redis.call('ZADD', I, 0, key) end
  elseif kind == 'orem' then
    result = redis.call('ZREM', p .. 'o:' .. key, op[3])
    redis.call('HDEL', p .. 'ov:' .. key, op[3])
    if string.sub(key, 1, 1) == '!' then changed[key .. '#' .. op[3]] = true end
  elseif kind == 'oclr' then
    redis.call('DEL', p .. 'o:' .. key, p .. 'ov:' .. key)
  elseif kind == 'dtree' then
    local doomed = redis.call('ZRANGEBYLEX', I, '[' .. key, '[' .. key)
    local below = redis.call('ZRANGEBYLEX', I, '[' .. key .. '/', '[' .. key .. '/\255')
    for _, k in ipairs(below) do doomed[#doomed + 1] = k end
    for _, k in ipairs(doomed) do
      redis.call('HDEL', V, k)
      redis.call('HDEL', S, k)
      redis.call('DEL', p .. 'h:' .. k, p .. 'o:' .. k, p .. 'ov:' .. k)
      redis.call('ZREM', I, k)
    end
  end
  results[n] = result
  if kind ~= 'hset' and kind ~= 'hdel' then changed[key] = true end
  if kind == 'dtree' then changed['*' .. key] = true end
end

if turn ~= '' and redis.call('GET', p .. 'turn') == turn then redis.call('DEL', p .. 'turn') end
local keys = {}
for k, _ in pairs(changed) do keys[#keys + 1] = k end
if #keys == 0 then return {'ok', seq()} end  -- checks only: a read-only transaction
table.sort(keys)
local n = redis.call('INCR', p .. 'seq')
redis.call('PUBLISH', ARGV[3], ARGV[2] .. '\n' .. n .. '\n' .. table.concat(keys, '\n'))
-- Only single operations need their result (batches answer from the client's view);
-- unpacking thousands of results would overflow Lua's stack.
if #ops == 1 then return {'ok', n, results[1]} end
return {'ok', n}
"""

SYNC = r"""
-- ARGV: prefix, writer id, channel. Publishes "id\nSEQ" and returns SEQ.
local n = tonumber(redis.call('GET', ARGV[1] .. 'seq') or '0')
redis.call('PUBLISH', ARGV[3], ARGV[2] .. '\n' .. n)
return n
"""

READ = r"""
-- What a client-side cache fills in one round trip: a page of an ordered map's names
-- with each one's value (its item's type), and every plain value stored below each of
-- those items. ARGV: prefix, mode, KEY, then by mode:
--   range START LAST DEEP   the names of ZRANGE START LAST (DEEP: '1' with the values
--                           below them, '0' names and types only);
--   around NAME COUNT       COUNT names from NAME's position on (NAME first), deep;
--   names DEEP NAME...      exactly these names (absent ones too).
-- ARGV[4] of every deep mode is LIMIT: at most that many keys are read below one item.
-- Reply: SEQ (the write sequence number now), CARD (the map's length), N, then N
-- times: NAME, TYPE (false: not a member), and, when deep, K (keys found below it, -1
-- when there were more than LIMIT), then K times KEY, VALUE (false: no plain value).
-- The single reads a cache also needs answer SEQ and what they read:
--   value (KEY's plain value), field FIELD (a field of the hash KEY), fields (the whole
--   hash KEY, flat), count (the ordered map KEY's length).
local p, mode, key = ARGV[1], ARGV[2], ARGV[3]
local V, I, O = p .. 'v', p .. 'i', p .. 'o:' .. key
local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
if mode == 'value' then return {seq, redis.call('HGET', V, key)} end
if mode == 'field' then return {seq, redis.call('HGET', p .. 'h:' .. key, ARGV[5])} end
if mode == 'fields' then return {seq, redis.call('HGETALL', p .. 'h:' .. key)} end
if mode == 'count' then return {seq, redis.call('ZCARD', O)} end
local names, deep, limit = {}, true, 0
if mode == 'range' then
  names = redis.call('ZRANGE', O, ARGV[5], ARGV[6])
  deep = ARGV[7] == '1'
  limit = tonumber(ARGV[4])
elseif mode == 'around' then
  limit = tonumber(ARGV[4])
  local rank = redis.call('ZRANK', O, ARGV[5])
  if rank then
    names = redis.call('ZRANGE', O, rank, rank + tonumber(ARGV[6]) - 1)
  else
    names = {ARGV[5]}
  end
else
  limit = tonumber(ARGV[4])
  deep = ARGV[5] == '1'
  for i = 6, #ARGV do names[#names + 1] = ARGV[i] end
end
local reply = {seq, redis.call('ZCARD', O), #names}
if #names == 0 then return reply end
-- HMGET in slices: unpack() of tens of thousands of names overflows Lua's stack.
local types = {}
for first = 1, #names, 1000 do
  local slice = {}
  for j = first, math.min(first + 999, #names) do slice[#slice + 1] = names[j] end
  local got = redis.call('HMGET', p .. 'ov:' .. key, unpack(slice))
  for j = 1, #slice do types[#types + 1] = got[j] end
end
for i, name in ipairs(names) do
  reply[#reply + 1] = name
  reply[#reply + 1] = types[i]
  if deep then
    local top = key .. '/' .. name .. '/'
    local below = redis.call(
      'ZRANGEBYLEX', I, '[' .. top, '[' .. top .. '\255', 'LIMIT', 0, limit + 1)
    if #below > limit then
      reply[#reply + 1] = -1
    else
      reply[#reply + 1] = #below
      if #below > 0 then
        local values = redis.call('HMGET', V, unpack(below))
        for j, k in ipairs(below) do
          reply[#reply + 1] = k
          reply[#reply + 1] = values[j]
        end
      end
    end
  end
end
return reply
"""

#: ARGV: the turn's key, a token, milliseconds. Claims the turn for the token (or keeps
#: it for a while longer if it holds it already); returns 1 if the token holds it.
CLAIM_TURN = r"""
local held = redis.call('GET', ARGV[1])
if held == ARGV[2] then redis.call('PEXPIRE', ARGV[1], ARGV[3]); return 1 end
if held then return 0 end
redis.call('SET', ARGV[1], ARGV[2], 'PX', ARGV[3])
return 1
"""

#: ARGV: the turn's key, a token. Frees the turn if the token holds it.
RELEASE_TURN = r"""
if redis.call('GET', ARGV[1]) == ARGV[2] then redis.call('DEL', ARGV[1]) end
return 0
"""
