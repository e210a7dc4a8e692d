package scripting_test

import (
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	_ "github.com/redmod/redmod/modules/std"
	"github.com/redmod/redmod/redmodtest"
)

// diffCases are sent to redmod and to a real Redis; every reply must match
// byte for byte. Each case starts from empty databases.
var diffCases = map[string][][]string{
	// The flags of one call (core.Spec.FlagsFor): a script's shebang, a
	// cached script's or a function's flags decide whether the host refuses
	// it as a write (NOREPLICAS here), queued ones too (EXECABORT).
	"callflags": {
		{"FUNCTION", "LOAD", "#!lua name=cf\nredis.register_function{function_name='w', callback=function() return 1 end}\nredis.register_function{function_name='r', callback=function() return 2 end, flags={'no-writes'}}\nredis.register_function{function_name='o', callback=function() return 3 end, flags={'allow-oom'}}"},
		{"SCRIPT", "LOAD", "#!lua\nreturn 3"}, {"SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 4"},
		{"CONFIG", "SET", "min-replicas-to-write", "1"},
		{"EVAL", "return 1", "0"}, {"EVAL", "#!lua\nreturn 1", "0"}, {"EVAL", "#!lua flags=no-writes\nreturn 1", "0"},
		{"EVAL_RO", "#!lua\nreturn 1", "0"}, {"EVAL_RO", "return 1", "0"},
		{"EVALSHA", "7ce6e15378d4300df091d78096cf9a852c50602f", "0"}, {"EVALSHA", "328667b24e7b2079d0c1d0fbd2d18c77a2f44b38", "0"}, {"EVALSHA_RO", "328667b24e7b2079d0c1d0fbd2d18c77a2f44b38", "0"},
		{"FCALL", "w", "0"}, {"FCALL", "r", "0"}, {"FCALL_RO", "w", "0"}, {"FCALL", "nosuch", "0"},
		{"MULTI"}, {"EVAL", "#!lua flags=no-writes\nreturn 5", "0"}, {"FCALL", "r", "0"}, {"EXEC"},
		{"MULTI"}, {"EVAL", "#!lua flags=no-writes\nreturn 5", "0"}, {"EVAL", "#!lua\nreturn 6", "0"}, {"EXEC"},
		{"MULTI"}, {"FCALL", "w", "0"}, {"EXEC"},
		{"CONFIG", "SET", "min-replicas-to-write", "0"},
		{"SET", "filler", "some value to be over maxmemory"}, {"CONFIG", "SET", "maxmemory", "1"},
		{"EVAL", "return 1", "0"}, {"EVAL", "#!lua\nreturn 1", "0"}, {"EVAL", "#!lua flags=no-writes\nreturn 1", "0"},
		{"EVAL", "#!lua flags=allow-oom\nreturn 1", "0"}, {"EVALSHA", "7ce6e15378d4300df091d78096cf9a852c50602f", "0"}, {"EVALSHA", "328667b24e7b2079d0c1d0fbd2d18c77a2f44b38", "0"},
		{"FCALL", "w", "0"}, {"FCALL", "r", "0"}, {"FCALL", "o", "0"},
		{"CONFIG", "SET", "maxmemory", "0"},
	},
	"noreplicas": {
		{"SET", "x", "some value"}, {"CONFIG", "SET", "min-replicas-to-write", "1"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "1", "x"},
		{"EVAL", "return redis.call('get','x')", "1", "x"},
		{"EVAL", "#!lua\nreturn redis.call('get','x')", "1", "x"},
		{"EVAL", "return redis.call('set','x', 1)", "1", "x"},
		{"SET", "x", "2"}, {"GET", "x"},
		{"CONFIG", "SET", "min-replicas-to-write", "0"},
	},
	"frozenclock": {
		// Time stands still for a script: a key it set to expire in 1 ms
		// is still there 5 ms later, and gone once it returned.
		{"EVAL", "redis.call('SET', KEYS[1], 'v', 'PX', 1) local t0 = redis.call('TIME') repeat local t = redis.call('TIME') until (t[1]-t0[1])*1000000 + (t[2]-t0[2]) > 5000 return redis.call('EXISTS', KEYS[1])", "1", "key"},
		{"EXISTS", "key"},
	},
	"callerrors": {
		// Lua 5.1's texts for calling what is not a function (callerror.go).
		{"EVAL", "return loadstring(string.dump(function() return 1 end))()", "0"},
		{"EVAL", "return type(string.dump(function() end))", "0"},
		{"EVAL", "local x = nil; x()", "0"}, {"EVAL", "redis.nosuch()", "0"},
		{"EVAL", "local t = {} t:meth()", "0"}, {"EVAL", "local n = 5 n()", "0"},
		{"EVAL", "local t = {a={}} t.a.b()", "0"}, {"EVAL", "local s = 'x' s.y()", "0"},
		{"FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\nredis.register_function('f1', function() redis.register_function('f2', function() return 2 end) return 1 end)"},
		{"FCALL", "f1", "0"}, {"FUNCTION", "FLUSH"},
	},
	"conversions": {
		{"EVAL", "return 'hello'", "0"},
		{"EVAL", "return 100.5", "0"}, {"EVAL", "return -0.5", "0"}, {"EVAL", "return 3.99", "0"},
		{"EVAL", "return 1e20", "0"}, {"EVAL", "return 0/0", "0"}, {"EVAL", "return -1e20", "0"},
		{"EVAL", "return true", "0"}, {"EVAL", "return false", "0"}, {"EVAL", "return nil", "0"},
		{"EVAL", "return {ok='fine'}", "0"}, {"EVAL", "return {err='this is an error'}", "0"},
		{"EVAL", "return {err='x y'}", "0"}, {"EVAL", "return {err='-FOO x'}", "0"},
		{"EVAL", "return {ok='a\\r\\nb'}", "0"}, {"EVAL", "return {err='a\\r\\nb'}", "0"},
		{"EVAL", "return {1,2,3,'ciao',{1,2}}", "0"}, {"EVAL", "return {1,2,nil,4}", "0"},
		{"EVAL", "return {1.9,-2.9,'x',true,false,{ok='st'},{err='E'}}", "0"},
		{"EVAL", "return {double=1.5}", "0"}, {"EVAL", "return {map={a=1}}", "0"},
		{"EVAL", "return {set={a=true}}", "0"}, {"EVAL", "return {big_number='123'}", "0"},
		{"EVAL", "return {a=1}", "0"}, {"EVAL", "return redis.status_reply('-FOO bar')", "0"},
		{"EVAL", "return redis.error_reply('MY x')", "0"}, {"EVAL", "return redis.error_reply('x')", "0"},
		{"EVAL", "return redis.error_reply('-FOO bar')", "0"},
		{"EVAL", "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "2", "a{t}", "b{t}", "c{t}", "d{t}"},
	},
	"calls": {
		{"SET", "mykey", "myval"},
		{"EVAL", "return redis.call('get',KEYS[1])", "1", "mykey"},
		{"EVALSHA", "fd758d1589d044dd850a6f05d52f2eefd27f033f", "1", "mykey"},
		{"EVALSHA", "FD758D1589D044DD850A6F05D52F2EEFD27F033F", "1", "mykey"},
		{"EVALSHA", "NotValidShaSUM", "0"}, {"EVALSHA", "ffd632c7d33e571e9f24556ebed26c3479a87130", "0"},
		{"SET", "x", "0"},
		{"EVAL", "local foo = redis.pcall('incr',KEYS[1]); return {type(foo),foo}", "1", "x"},
		{"EVAL", "local foo = redis.pcall('get',KEYS[1]); return {type(foo),foo}", "1", "mykey"},
		{"RPUSH", "mylist", "a", "b", "c"},
		{"EVAL", "local foo = redis.pcall('lrange',KEYS[1],0,-1); return {type(foo),foo[1],foo[2],foo[3],# foo}", "1", "mylist"},
		{"EVAL", "local foo = redis.pcall('set',KEYS[1],'myval'); return {type(foo),foo['ok']}", "1", "mykey"},
		{"EVAL", "local foo = redis.pcall('incr',KEYS[1]); return {type(foo),foo['err']}", "1", "mykey"},
		{"EVAL", "local foo = redis.pcall('get',KEYS[1]); return {type(foo),foo == false}", "1", "nokey"},
		{"EVAL", "return redis.call()", "0"}, {"EVAL", "return redis.call('nosuchcommand')", "0"},
		{"EVAL", "return redis.call('get','a','b','c')", "0"},
		{"EVAL", "return redis.call('lpush',KEYS[1],'val')", "1", "mykey"},
		{"EVAL", "return redis.pcall('lpush',KEYS[1],'val')", "1", "mykey"},
		{"EVAL", "return redis.call('blpop','x',0)", "0"},
		{"EVAL", "return redis.call('eval','return 1', 0)", "0"},
		{"EVAL", "return redis.call(1)", "0"}, {"EVAL", "return redis.call('get',{})", "0"},
		{"EVAL", "local e = redis.pcall('nosuch'); return e.err", "0"},
		{"EVAL", "redis.call('set','n',9007199254740991); return redis.call('get','n')", "0"},
		{"EVAL", "local r = {} for i,v in ipairs({1e20, 0.1, 1/3, 1e-7, 123456789012, 2^53, 2^63, 1e15, 1e16, 3.0}) do redis.call('set','k',v) table.insert(r, redis.call('get','k')) end return r", "0"},
		{"EVAL", "redis.call('set', 'key', '12039611435714932082'); return redis.call('get', 'key')", "0"},
		{"EVAL", "return redis.pcall('select','9')", "0"}, {"GET", "mykey"},
		{"EVAL", "redis.call('select','1'); redis.call('set','dbkey','one'); return redis.call('get','dbkey')", "0"},
		{"GET", "dbkey"}, {"SELECT", "1"}, {"GET", "dbkey"}, {"SELECT", "0"},
		{"EVAL", "local x={} for i=1,100 do table.insert(x,i) end redis.call('del','biglist') redis.call('rpush','biglist',unpack(x)) return redis.call('lrange','biglist',0,-1)", "0"},
		{"EVAL", "return redis.call('hgetall','nohash')", "0"},
		{"EVAL", "return redis.call('publish','chan','msg')", "0"},
		{"EVAL", "return redis.call('subscribe','chan')", "0"},
	},
	"errors": {
		{"EVAL", "return a", "0"}, {"EVAL", "a=10", "0"},
		{"EVAL", "error('boom')", "0"}, {"EVAL", "error({err='MY boom'})", "0"},
		{"EVAL", "error('x',0)", "0"}, {"EVAL", "error(nil)", "0"}, {"EVAL", "error(12)", "0"},
		{"EVAL", "redis.sha1hex()", "0"}, {"EVAL", "redis.setresp(4)", "0"},
		{"EVAL", "return 'hello'", "-12"}, {"EVAL", "return 1", "5", "a"}, {"EVAL", "return 1", "x"},
		{"EVAL", "return 'hello' --trailing comment", "0"},
		{"EVAL", "string.foo = 1", "0"}, {"EVAL", "redis.call = nil", "0"},
		{"EVAL", "return loadfile", "0"}, {"EVAL", "return dofile", "0"}, {"EVAL", "return print", "0"},
		{"EVAL", "\n\nerror('line3')", "0"},
		{"EVAL", "\nredis.call('nosuch')", "0"},
	},
	"shebang": {
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"},
		{"EVAL", "#!lua flags=bad\nreturn 1", "0"},
		{"EVAL", "#!lua name=x\nreturn 1", "0"},
		{"EVAL", "#!notlua\nreturn 1", "0"},
		{"EVAL", "#!lua\nreturn redis.call('set','a','b')", "0"},
		{"EVAL", "#!lua flags=allow-oom,allow-stale,no-cluster\nreturn 1", "0"},
		{"EVAL_RO", "return redis.call('set','a','b')", "0"},
		{"EVAL_RO", "#!lua\nreturn 1", "0"}, {"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"},
		{"EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('set','zz','b')", "0"},
		{"EVAL_RO", "return redis.call('get','a')", "0"},
	},
	"script_cmds": {
		{"SCRIPT", "LOAD", "return 'loaded'"},
		{"EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"},
		{"EVALSHA_RO", "b534286061d4b9e4026607613b95c06c06015ae8", "0"},
		{"EVAL", "return 1+1", "0"},
		{"SCRIPT", "EXISTS", "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bd9", "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bda"},
		{"SCRIPT", "FLUSH"}, {"SCRIPT", "EXISTS", "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bd9"},
		{"SCRIPT", "FLUSH", "ASYNC"}, {"SCRIPT", "FLUSH", "BAD"}, {"SCRIPT", "KILL"},
		{"SCRIPT", "LOAD"}, {"SCRIPT", "NOSUCH"},
		{"EVAL", "return redis.sha1hex('')", "0"},
		{"EVAL", "return redis.REDIS_VERSION", "0"}, {"EVAL", "return redis.REDIS_VERSION_NUM", "0"},
	},
	"libraries": {
		{"EVAL", "return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", "0"},
		{"EVAL", "local d = cjson.decode('{\"keya\": \"a\", \"keyb\": \"b\"}') return {d.keya, d.keyb}", "0"},
		{"EVAL", "return cjson.encode({1,2,'x/y',{a=1},true,false})", "0"},
		{"EVAL", "return cjson.encode({})", "0"}, {"EVAL", "return cjson.encode('a\\nb\\t\"')", "0"},
		{"EVAL", "return cjson.encode({[1]=1,[3]=3})", "0"}, {"EVAL", "return cjson.encode({[1]=1,[30]=3})", "0"},
		{"EVAL", "return cjson.encode(cjson.decode('[1,null,3]'))", "0"},
		{"EVAL", "return cjson.encode(0.1)", "0"}, {"EVAL", "return cjson.encode(1/3)", "0"}, {"EVAL", "return cjson.encode(1e20)", "0"},
		{"EVAL", "return cjson.encode(0/0)", "0"}, {"EVAL", "return cjson.decode('[1,2')", "0"},
		{"EVAL", "return cjson.decode('{\"a\":1}x')", "0"}, {"EVAL", "return cjson.decode('\"\\u00e9\"')", "0"},
		{"EVAL", "local e = cmsgpack.pack(0.1) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h", "0"},
		{"EVAL", "local e = cmsgpack.pack(-1099511627776) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h", "0"},
		{"EVAL", "local e = cmsgpack.pack({1,2,3}, 'abc', {a=1}, true, nil, -5, 300, -300, 70000, 1.5) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h", "0"},
		{"EVAL", "local e = cmsgpack.pack(string.rep('x', 40)) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h", "0"},
		{"EVAL", "local a = {x=nil,y=5} local b = {x=a} a['x'] = b local e = cmsgpack.pack(a) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h", "0"},
		{"EVAL", "return {cmsgpack.unpack(cmsgpack.pack({1,2,{a='b'}}, 'x', 7))}", "0"},
		{"EVAL", "local t = cmsgpack.unpack(cmsgpack.pack({1,2,{a='b'}})) return {t[1], t[2], t[3].a}", "0"},
		{"EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2))}", "0"},
		{"EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", "0"},
		{"EVAL", "assert(bit.tobit(1) == 1); assert(bit.band(1) == 1); assert(bit.bxor(1,2) == 3); assert(bit.bor(1,2,4,8,16,32,64,128) == 255)", "0"},
		{"EVAL", "return {bit.tohex(65535), bit.tohex(-1, -4), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(1, 33), bit.bswap(0x12345678), bit.tobit(2^32 + 5)}", "0"},
		{"EVAL", "return {struct.pack('>i4', 1), struct.pack('<H', 258), struct.size('>iH'), struct.pack('bBhHlLi2I3', -1, 255, -2, 65535, -3, 7, -4, 5)}", "0"},
		{"EVAL", "return {struct.unpack('>i4', struct.pack('>i4', -7))}", "0"},
		{"EVAL", "return {struct.unpack('<HbsB', struct.pack('<HbsB', 513, -3, 'hi', 9))}", "0"},
		{"EVAL", "return {struct.unpack('>d', struct.pack('>d', 1.5))}", "0"},
		{"EVAL", "return {tostring(1e15), tostring(0.1), tostring(1/3), tostring(2^53), tostring(-0.5)}", "0"},
		{"EVAL", "math.randomseed(10); local a = math.random(); math.randomseed(10); return tostring(a == math.random())", "0"},
		{"EVAL", "return table.getn({1,2,3})", "0"},
		{"EVAL", "return #string.rep('x', 2^31)", "0"}, {"EVAL", "return string.rep('ab', 3)", "0"},
		{"EVAL", "return string.rep('ab', -1)", "0"}, {"EVAL", "return #string.format('%099d', 1)", "0"},
		{"EVAL", "return string.format('%0999d', 1)", "0"}, {"EVAL", "return string.format('%5.2f|%s|%d', 3.14159, 'x', 7)", "0"},
		{"EVAL", "local function f(n) return f(n+1) + 1 end return f(1)", "0"},
	},
	"resp3": {
		{"HSET", "hash", "field", "value"}, {"SADD", "s", "m"},
		{"EVAL", "redis.setresp(3); return redis.call('hgetall', KEYS[1])", "1", "hash"},
		{"EVAL", "redis.setresp(2); return redis.call('hgetall', KEYS[1])", "1", "hash"},
		{"EVAL", "redis.setresp(3); local r = redis.call('hgetall', KEYS[1]); return r.map.field", "1", "hash"},
		{"EVAL", "redis.setresp(3); return redis.call('smembers', 's')", "0"},
		{"EVAL", "redis.setresp(3); return redis.call('get', 'nokey')", "0"},
		{"EVAL", "redis.setresp(3); return redis.call('get', 'nokey') == nil", "0"},
		{"EVAL", "redis.setresp(3); return true", "0"}, {"EVAL", "redis.setresp(3); return false", "0"},
		{"EVAL", "redis.setresp(3); return {double=3.5}", "0"},
		{"EVAL", "redis.setresp(3); return redis.call('incrbyfloat', 'f', '1.5')", "0"},
		{"EVAL", "return {big_number='123\\r\\n123'}", "0"},
		{"EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0"},
		{"EVAL", "redis.setresp(3); return redis.call('hrandfield', 'nohash', 1, 'withvalues')", "0"},
	},
	"functions": {
		{"FUNCTION", "FLUSH"},
		{"FUNCTION", "LOAD", "return 1"},
		{"FUNCTION", "LOAD", "#!lua name=mylib\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return redis.call('ping') end)"},
		{"FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f1', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function{function_name='f3', callback=function() return 3 end, flags={'no-writes','bad'}}"},
		{"FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function{function_name='f3', callback=function(keys, args) return {keys[1], args[1]} end, flags={'no-writes'}, description='desc'}"},
		{"FUNCTION", "LOAD", "#!lua name=lib4\nredis.call('ping')"},
		{"FUNCTION", "LOAD", "#!lua name=lib4 foo=bar\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=l-b\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=lib5\nredis.register_function('f-1', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua name=lib5\nx = 1"},
		{"FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function('f6', function() return 1 end)\nredis.register_function('f6', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua\nreturn 1"},
		{"FUNCTION", "LOAD", "#! name=test\nreturn 1"}, {"FUNCTION", "LOAD", "#!js name=test\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=foo name=bar\nreturn 1"}, {"FUNCTION", "LOAD", "#!lua NAME=x foo\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=\"q1\"\nredis.register_function('q1', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua name=\"q2\nreturn 1"},
		{"FUNCTION", "LOAD", "#!lua name=m1\nreturn math.random()"}, {"FUNCTION", "LOAD", "#!lua name=m1\nlocal s = string.len('x')"},
		{"FUNCTION", "RESTORE", "a", "b", "c"},
		{"EVAL", "local g = getmetatable(_G)\ng.__index = {}", "0"}, {"EVAL", "return type(getmetatable(_G))", "0"},
		{"EVAL", "return redis.error_reply('MY_ERR_CODE custom msg')", "0"}, {"EVAL", "return redis.error_reply('')", "0"},
		{"EVAL", "return redis.error_reply('foo')", "0"}, {"EVAL", "return redis.error_reply('-X y')", "0"},
		{"SADD", "cset", "b", "a", "aa", "c"}, {"EVAL", "return redis.call('sort', KEYS[1], 'by', '_')", "1", "cset"},
		{"FUNCTION", "LOAD", "#!lua name=lib7\nredis.register_function('f7')"},
		{"FUNCTION", "LOAD", "#!lua name=lib7\nredis.register_function('f7', 5)"},
		{"FUNCTION", "LOAD", "#!lua name=lib7\nredis.register_function{function_name='f7'}"},
		{"FUNCTION", "LOAD", "#!lua name=lib7\nredis.register_function{function_name='f7', callback=function() end, foo=1}"},
		{"FCALL", "f1", "0"}, {"FCALL", "nosuch", "0"}, {"FCALL_RO", "f1", "0"},
		{"FCALL_RO", "f3", "1", "k", "a"}, {"FCALL", "f3", "-1"},
		{"FUNCTION", "LIST"}, {"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "lib3"},
		{"FUNCTION", "LIST", "LIBRARYNAME", "my*"}, {"FUNCTION", "LIST", "BAD"},
		{"FUNCTION", "STATS"}, {"FUNCTION", "DELETE", "nosuch"}, {"FUNCTION", "KILL"},
		{"FUNCTION", "RESTORE", "bad"},
		{"FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('f1', function() return 'replaced' end)"},
		{"FCALL", "f1", "0"},
		{"FUNCTION", "DELETE", "mylib"}, {"FCALL", "f1", "0"}, {"FUNCTION", "LIST"},
		{"FUNCTION", "LOAD", "REPLACE", "#!lua name=tlib\nredis.register_function('test', function() return 'hello' end)"},
		{"FCALL", "TEST", "0"}, {"FCALL", "test", "bad_arg"}, {"FCALL", "test", "10", "key1"},
		{"FUNCTION", "LOAD", "#!lua name=tlib2\nredis.register_function('TEST', function() return 1 end)"},
		{"FUNCTION", "LOAD", "#!lua name=x"}, {"FUNCTION", "LOAD", "#!lua name=x\n"},
		{"FUNCTION", "LOAD", "#!LUA name=y\nredis.register_function('fy', function() return 1 end)"},
		{"FUNCTION", "LIST", "LIBRARYNAME", "TLIB"}, {"FUNCTION", "DELETE", "TLIB"},
		{"FUNCTION", "FLUSH", "SYNC", "extra"}, {"FUNCTION", "FLUSH", "bad"}, {"FUNCTION", "BAD"},
		{"FUNCTION", "LIST", "WITHCODE", "WITHCODE"}, {"FUNCTION", "LIST", "LIBRARYNAME"},
		{"FUNCTION", "LOAD", "REPLACE"}, {"EVAL", "#!LUA\nreturn 1", "0"},
		{"FUNCTION", "FLUSH"}, {"FUNCTION", "LIST"},
		{"FUNCTION", "LOAD", "#!lua name=one\nredis.register_function('one', function() return 1 end)"},
		{"FUNCTION", "DUMP"}, {"FUNCTION", "FLUSH"},
	},
}

func TestDifferential(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	for _, proto := range []string{"2", "3"} {
		for name, cmds := range diffCases {
			t.Run("resp"+proto+"/"+name, func(t *testing.T) {
				p := difftest.NewPair(t, srv.Addr(), ref)
				p.Do("SCRIPT", "FLUSH")
				p.Do("FUNCTION", "FLUSH")
				if ours, theirs := p.Do("HELLO", proto); ours.Kind != theirs.Kind {
					t.Fatalf("HELLO %s: %s vs %s", proto, ours, theirs)
				}
				for _, cmd := range cmds {
					if cmd[0] == "FUNCTION" && cmd[1] == "LIST" {
						p.CheckUnordered(cmd...) // dictionary order in Redis
						continue
					}
					p.Check(cmd...)
				}
			})
		}
	}
}
