package pubsub_test

import (
	"strings"
	"testing"
)

// TestDiffOwnEventsOrderTypes: for write commands of every type, a RESP3
// client subscribed to all keyspace events gets its replies and the
// events in the order Redis 7.0 sends them, byte for byte (most commands
// reply first and announce after; some announce first; LMOVE announces
// the push, replies, then announces the pop).
func TestDiffOwnEventsOrderTypes(t *testing.T) {
	c := ownEventsClient(t, "PSUBSCRIBE", "__key*__:*")
	cases := [][][]string{
		{{"RPUSH", "l", "a", "b"}},
		{{"LPUSH", "l", "a"}},
		{{"RPUSHX", "l", "a"}},
		{{"LPOP", "l"}},
		{{"RPOP", "l", "2"}},
		{{"LINSERT", "l", "BEFORE", "a", "z"}},
		{{"LSET", "l", "0", "q"}},
		{{"LTRIM", "l", "0", "0"}},
		{{"LREM", "l", "0", "q"}},
		{{"RPUSH", "l", "a", "b"}, {"LMOVE", "l", "l2", "LEFT", "RIGHT"}},
		{{"RPOPLPUSH", "l", "l2"}},
		{{"HSET", "h", "f", "v", "g", "w"}},
		{{"HMSET", "h", "f", "v"}},
		{{"HSETNX", "h", "n", "1"}},
		{{"HINCRBY", "h", "n", "2"}},
		{{"HINCRBYFLOAT", "h", "n", "1.5"}},
		{{"HDEL", "h", "f", "g", "n"}},
		{{"SADD", "s", "a", "b", "c"}},
		{{"SREM", "s", "a"}},
		{{"SADD", "sp", "only"}, {"SPOP", "sp"}},
		{{"SMOVE", "s", "s2", "b"}, {"SMOVE", "s", "s2", "c"}},
		{{"SADD", "s", "x"}, {"SINTERSTORE", "d", "s", "s2"}, {"SUNIONSTORE", "d", "s", "s2"}, {"SDIFFSTORE", "d", "s", "s2"}, {"SINTERSTORE", "d", "s", "s2"}},
		{{"ZADD", "z", "1", "a", "2", "b", "3", "c"}},
		{{"ZADD", "z", "INCR", "1", "a"}, {"ZADD", "z", "XX", "1", "new"}},
		{{"ZINCRBY", "z", "1", "a"}},
		{{"ZREM", "z", "a"}},
		{{"ZREMRANGEBYSCORE", "z", "0", "10"}},
		{{"XADD", "x", "1-1", "f", "v"}},
		{{"XADD", "x", "2-1", "f", "v"}, {"XDEL", "x", "1-1"}},
		{{"XTRIM", "x", "MAXLEN", "0"}},
		{{"XGROUP", "CREATE", "x", "g", "0"}, {"XGROUP", "SETID", "x", "g", "0"},
			{"XGROUP", "CREATECONSUMER", "x", "g", "c2"}, {"XGROUP", "DELCONSUMER", "x", "g", "c2"}, {"XGROUP", "DESTROY", "x", "g"}},
		{{"SET", "k", "1"}, {"INCR", "k"}, {"INCRBY", "k", "2"}, {"DECR", "k"}, {"INCRBYFLOAT", "k", "1.5"}},
		{{"SETRANGE", "k", "0", "xx"}, {"APPEND", "k", "y"}, {"GETDEL", "k"}},
		{{"SET", "k", "v", "EX", "100"}, {"GETEX", "k", "PERSIST"}, {"GETEX", "k", "EX", "50"}, {"SETEX", "k", "10", "v"}},
		{{"MSET", "a", "1", "b", "2"}, {"MSETNX", "c", "1"}},
		{{"RENAME", "a", "a2"}, {"COPY", "a2", "a3"}, {"MOVE", "a3", "1"}, {"UNLINK", "a2"}},
		{{"PEXPIRE", "b", "100000"}, {"EXPIREAT", "b", "99999999999"}, {"PERSIST", "b"}, {"EXPIRE", "b", "0"}},
		{{"PFADD", "p", "a"}, {"PFADD", "p2", "b"}, {"PFMERGE", "p3", "p", "p2"}},
		{{"GEOADD", "geo", "13.361389", "38.115556", "Palermo"}},
		{{"SET", "bit", ""}, {"SETBIT", "bit", "7", "1"}, {"BITOP", "NOT", "bit2", "bit"}},
		{{"ZADD", "zp", "1", "a", "2", "b"}, {"ZPOPMIN", "zp"}},
		{{"ZPOPMAX", "zp", "5"}},
		{{"ZADD", "zp", "1", "a"}, {"BZPOPMIN", "zp", "0"}},
		{{"ZADD", "zr", "1", "a", "2", "b"}, {"ZRANGESTORE", "zrd", "zr", "0", "-1"}},
		{{"ZMPOP", "1", "zr", "MIN"}},
		{{"ZADD", "zr", "1", "a"}, {"ZUNIONSTORE", "zu", "1", "zr"}, {"ZINTERSTORE", "zu", "1", "zr"}, {"ZDIFFSTORE", "zu", "1", "zr"}},
		{{"RPUSH", "sl", "3", "1", "2"}, {"SORT", "sl", "STORE", "sd"}},
		{{"RPUSH", "bl", "a"}, {"BLPOP", "bl", "0"}},
		{{"RPUSH", "bl", "a", "b"}, {"LMPOP", "1", "bl", "LEFT", "COUNT", "5"}},
		{{"SET", "gs", "1"}, {"GETSET", "gs", "2"}, {"SET", "gs", "3", "GET"}},
		{{"LPUSHX", "nolist", "a"}, {"RPUSH", "bl2", "a"}, {"BLMOVE", "bl2", "bl3", "LEFT", "LEFT", "0"}, {"BRPOPLPUSH", "bl3", "bl4", "0"}},
		{{"SADD", "sm", "a"}, {"SMOVE", "sm", "sm2", "a"}},
		{{"XADD", "xs", "1-1", "f", "v"}, {"XSETID", "xs", "5-5"}, {"XGROUP", "CREATE", "xs", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "xs", ">"}, {"XACK", "xs", "g", "1-1"}, {"XCLAIM", "xs", "g", "c3", "0", "1-1"}, {"XAUTOCLAIM", "xs", "g", "c4", "0", "0"}},
		{{"HSET", "hd", "f", "v"}, {"HDEL", "hd", "f"}, {"SET", "sx", "v", "PX", "100000"}, {"SET", "sx", "v", "KEEPTTL"}},
		{{"EVAL", "redis.call('zadd','ze',1,'a',2,'b') redis.call('rpush','le','x') return redis.call('zpopmin','ze')", "0"}},
		{{"MULTI"}, {"ZADD", "zm", "1", "a"}, {"ZPOPMIN", "zm"}, {"SET", "sg", "1", "GET"}, {"HSET", "hm", "f", "v"}, {"EXEC"}},
		{{"PFADD", "pp", "a"}, {"PFCOUNT", "pp"}, {"SETRANGE", "nokey", "0", ""}, {"INCRBYFLOAT", "fl", "1"}, {"DECRBY", "fl2", "1"}},
	}
	for _, cs := range cases {
		o, r := c.pipeline(cs)
		if strings.Join(o, "") != strings.Join(r, "") {
			t.Errorf("%q:\nredmod %q\nRedis  %q", cs, o, r)
		}
	}
}
