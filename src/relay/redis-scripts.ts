/**
 * The Redis store's Lua scripts (key layout in redis-store.ts). Each runs
 * atomically, so checks, sequence numbers, pruning, byte accounting and the
 * PUBLISH never interleave with another instance's.
 */
import { HELD_LUA } from './redis-stats.js';

/** Shared Lua prologue: key names, TTL refresh, pruning and byte accounting. */
const PROLOGUE = `
local p = ARGV[1]
local sid = ARGV[2]
local room = p .. 'room:' .. sid
local parties = room .. ':parties'
local acks = room .. ':acks'
local msgs = room .. ':msgs'
local meta = room .. ':meta'
${HELD_LUA}
local function refresh(ttl, now, owner)
  redis.call('PEXPIRE', room, ttl)
  redis.call('PEXPIRE', parties, ttl)
  -- PEXPIRE on a key that does not exist (no acks or messages yet) does nothing.
  redis.call('PEXPIRE', acks, ttl)
  redis.call('PEXPIRE', msgs, ttl)
  redis.call('PEXPIRE', meta, ttl)
  local addr = p .. 'addr:' .. (owner or redis.call('HGET', room, 'addr'))
  redis.call('ZADD', addr, now + ttl, sid)
  redis.call('PEXPIRE', addr, ARGV[3])
  redis.call('ZADD', p .. 'rooms', now + ttl, sid)
  redis.call('PEXPIRE', p .. 'rooms', ARGV[3])
end
local function info()
  local h = redis.call('HMGET', room, 'seq', 'complete')
  return cjson.encode({ parties = redis.call('HKEYS', parties), lastSeq = tonumber(h[1]), complete = h[2] == '1', pttl = redis.call('PTTL', room) })
end
-- Bytes and messages held: per room in the room hash (bytes, count), per store in
-- the 'held' hash (redis-stats.ts), from which an expired room is taken off.
-- Bytes per creating address: 'addrbytes' addr -> bytes, 'owners' sid -> addr
-- (held_forget takes an expired room's bytes off its address).
local function count(bytes, n)
  local b = redis.call('HINCRBY', room, 'bytes', bytes)
  local c = redis.call('HINCRBY', room, 'count', n)
  held_grow(sid, c, b, ARGV[3])
  local owner = redis.call('HGET', room, 'addr')
  redis.call('HSET', p .. 'owners', sid, owner)
  redis.call('HINCRBY', p .. 'addrbytes', owner, bytes)
  redis.call('PEXPIRE', p .. 'owners', ARGV[3])
  redis.call('PEXPIRE', p .. 'addrbytes', ARGV[3])
end
-- Takes expired rooms (a bounded number per call) off the totals and the index.
local function reconcile(now)
  local gone = redis.call('ZRANGEBYSCORE', p .. 'rooms', '-inf', now, 'LIMIT', 0, 20)
  for _, s in ipairs(gone) do
    if redis.call('EXISTS', p .. 'room:' .. s) == 0 then
      held_forget(s)
      redis.call('ZREM', p .. 'rooms', s)
    end
  end
end
-- Drops held messages every member acknowledged or older than msgTtl (bounded per call).
local function prune(now, msgTtl)
  local acked = nil
  local a = redis.call('HGETALL', acks)
  local got = {}
  for i = 1, #a, 2 do got[a[i]] = tonumber(a[i + 1]) end
  for _, party in ipairs(redis.call('HKEYS', parties)) do
    local v = got[party] or 0
    if acked == nil or v < acked then acked = v end
  end
  acked = acked or 0
  local oldest = now - msgTtl
  -- meta holds 'at:size' for each held message, so the bodies are never decoded here.
  local seq = tonumber(redis.call('HGET', room, 'base') or '0')
  local freed, n = 0, 0
  while n < 512 do
    local head = redis.call('LINDEX', meta, 0)
    if not head then break end
    local at, size = string.match(head, '^(%d+):(%d+)$')
    if seq + n + 1 > acked and tonumber(at) >= oldest then break end
    redis.call('LPOP', meta)
    redis.call('LPOP', msgs)
    freed = freed + tonumber(size)
    n = n + 1
  end
  if n > 0 then
    redis.call('HINCRBY', room, 'base', n)
    count(0 - freed, 0 - n)
  end
end
`;

/** ARGV: prefix, sid, maxTtl, now, party, ttl, address, maxRooms, maxParties */
const JOIN = `${PROLOGUE}
local now = tonumber(ARGV[4])
local party = ARGV[5]
if redis.call('EXISTS', room) == 0 then
  local addr = p .. 'addr:' .. ARGV[7]
  redis.call('ZREMRANGEBYSCORE', addr, '-inf', now)
  local owned = redis.call('ZCARD', addr)
  if owned >= tonumber(ARGV[8]) then return redis.error_reply('too_many_rooms ' .. owned) end
  redis.call('HSET', room, 'seq', 0, 'base', 0, 'count', 0, 'bytes', 0, 'complete', 0, 'ttl', ARGV[6], 'addr', ARGV[7])
  redis.call('DEL', parties, acks, msgs, meta)
  held_forget(sid)
end
local isNew = redis.call('HEXISTS', parties, party) == 0
if isNew and redis.call('HLEN', parties) >= tonumber(ARGV[9]) then
  return redis.error_reply('room_full ' .. redis.call('HLEN', parties))
end
redis.call('HSET', parties, party, now)
refresh(tonumber(redis.call('HGET', room, 'ttl')), now)
if isNew then redis.call('PUBLISH', p .. 'ch:' .. sid, cjson.encode({ kind = 'join', party = party })) end
return info()
`;

/** ARGV: prefix, sid, maxTtl, now, from, to, body, maxMessages, maxRoomBytes, maxAddressBytes, maxStoreBytes, msgTtl */
const POST = `${PROLOGUE}
local now = tonumber(ARGV[4])
local h = redis.call('HMGET', room, 'complete', 'seq', 'ttl', 'addr')
if not h[2] then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
if h[1] == '1' then return redis.error_reply('room_complete') end
reconcile(now)
prune(now, tonumber(ARGV[12]))
local size = string.len(ARGV[7])
local held = redis.call('HMGET', room, 'count', 'bytes')
if tonumber(held[1]) >= tonumber(ARGV[8]) then return redis.error_reply('room_message_limit ' .. held[1]) end
if tonumber(held[2]) + size > tonumber(ARGV[9]) then return redis.error_reply('room_bytes_limit ' .. held[2]) end
local owned = tonumber(redis.call('HGET', p .. 'addrbytes', h[4]) or '0')
if owned + size > tonumber(ARGV[10]) then return redis.error_reply('address_bytes_limit ' .. owned) end
local total = tonumber(redis.call('HGET', p .. 'held', 'bytes') or '0')
if total + size > tonumber(ARGV[11]) then return redis.error_reply('relay_bytes_limit ' .. total) end
local seq = redis.call('HINCRBY', room, 'seq', 1)
count(size, 1)
local msg = cjson.encode({ seq = seq, from = ARGV[5], to = ARGV[6], body = ARGV[7], at = now })
redis.call('RPUSH', msgs, msg)
redis.call('RPUSH', meta, now .. ':' .. size)
refresh(tonumber(h[3]), now, h[4])
redis.call('PUBLISH', p .. 'ch:' .. sid, '{"kind":"msg","msg":' .. msg .. '}')
return msg
`;

/** ARGV: prefix, sid, maxTtl, now, after, window. Returns [seq, complete, message…]. */
const READ = `${PROLOGUE}
local h = redis.call('HMGET', room, 'seq', 'complete', 'base')
if not h[1] then return false end
local base = tonumber(h[3] or '0')
local start = math.max(tonumber(ARGV[5]), base) - base
local out = redis.call('LRANGE', msgs, start, start + tonumber(ARGV[6]) - 1)
table.insert(out, 1, h[2] or '0')
table.insert(out, 1, h[1])
return out
`;

/** ARGV: prefix, sid, maxTtl, now, party, completedTtl */
const COMPLETE = `${PROLOGUE}
local now = tonumber(ARGV[4])
if redis.call('EXISTS', room) == 0 then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
if redis.call('HGET', room, 'complete') ~= '1' then
  local ttl = math.min(tonumber(redis.call('HGET', room, 'ttl')), tonumber(ARGV[6]))
  redis.call('HSET', room, 'complete', 1, 'ttl', ttl)
  refresh(ttl, now)
  redis.call('PUBLISH', p .. 'ch:' .. sid, '{"kind":"complete"}')
end
return info()
`;

/** ARGV: prefix, sid, maxTtl, now, party, seq, msgTtl */
const ACK = `${PROLOGUE}
if redis.call('EXISTS', room) == 0 then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
local seq = math.min(tonumber(ARGV[6]), tonumber(redis.call('HGET', room, 'seq')))
local old = tonumber(redis.call('HGET', acks, ARGV[5]) or '0')
if seq > old then
  redis.call('HSET', acks, ARGV[5], seq)
  prune(tonumber(ARGV[4]), tonumber(ARGV[7]))
end
redis.call('PEXPIRE', acks, redis.call('PTTL', room))
return 'OK'
`;

export const SCRIPTS = {
  relayJoin: JOIN,
  relayPost: POST,
  relayRead: READ,
  relayComplete: COMPLETE,
  relayAck: ACK,
} as const;
export type ScriptName = keyof typeof SCRIPTS;
