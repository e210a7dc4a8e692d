package scripting_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

func client(t *testing.T, srv *redmodtest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestGoRedisScripts(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	ctx := context.Background()

	if v, err := rdb.Eval(ctx, "return {KEYS[1], ARGV[1]}", []string{"k"}, "a").StringSlice(); err != nil || v[0] != "k" || v[1] != "a" {
		t.Fatalf("Eval: %v %v", v, err)
	}
	sha, err := rdb.ScriptLoad(ctx, "return redis.call('incr', KEYS[1])").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ex, _ := rdb.ScriptExists(ctx, sha, strings.Repeat("0", 40)).Result(); !ex[0] || ex[1] {
		t.Fatalf("ScriptExists: %v", ex)
	}
	for i := 1; i <= 3; i++ {
		if n, err := rdb.EvalSha(ctx, sha, []string{"counter"}).Int(); err != nil || n != i {
			t.Fatalf("EvalSha: %d %v", n, err)
		}
	}
	if _, err := rdb.EvalRO(ctx, "return redis.call('set', KEYS[1], 'x')", []string{"k"}).Result(); err == nil ||
		!strings.Contains(err.Error(), "Write commands are not allowed from read-only scripts") {
		t.Fatalf("EvalRO write: %v", err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rdb.EvalSha(ctx, sha, []string{"counter"}).Result(); err == nil || !strings.HasPrefix(err.Error(), "NOSCRIPT") {
		t.Fatalf("after flush: %v", err)
	}
	// go-redis's Script helper: EVALSHA, then EVAL on NOSCRIPT.
	s := redis.NewScript("return redis.call('get', KEYS[1])")
	if v, err := s.Run(ctx, rdb, []string{"counter"}).Text(); err != nil || v != "3" {
		t.Fatalf("Script.Run: %q %v", v, err)
	}
	if keys, err := rdb.CommandGetKeys(ctx, "eval", "return 1", 2, "a", "b", "c").Result(); err != nil || len(keys) != 2 || keys[1] != "b" {
		t.Fatalf("COMMAND GETKEYS EVAL: %v %v", keys, err)
	}
}

func TestGoRedisFunctions(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	ctx := context.Background()
	lib := "#!lua name=mylib\nredis.register_function{function_name='myget', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}\nredis.register_function('myset', function(keys, args) return redis.call('set', keys[1], args[1]) end)"
	if name, err := rdb.FunctionLoad(ctx, lib).Result(); err != nil || name != "mylib" {
		t.Fatalf("FunctionLoad: %q %v", name, err)
	}
	if err := rdb.FCall(ctx, "myset", []string{"k"}, "v").Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.FCallRO(ctx, "myget", []string{"k"}).Text(); err != nil || v != "v" {
		t.Fatalf("FCallRO: %q %v", v, err)
	}
	if err := rdb.FCallRO(ctx, "myset", []string{"k"}, "w").Err(); err == nil {
		t.Fatal("FCALL_RO of a writing function succeeded")
	}
	libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
	if err != nil || len(libs) != 1 || len(libs[0].Functions) != 2 || libs[0].Code != lib {
		t.Fatalf("FunctionList: %+v %v", libs, err)
	}
	dump, err := rdb.FunctionDump(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.FunctionFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.FCall(ctx, "myget", []string{"k"}).Err(); err == nil {
		t.Fatal("function survived FUNCTION FLUSH")
	}
	if err := rdb.FunctionRestore(ctx, dump).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.FCall(ctx, "myget", []string{"k"}).Text(); err != nil || v != "v" {
		t.Fatalf("after restore: %q %v", v, err)
	}
	if err := rdb.FunctionDelete(ctx, "mylib").Err(); err != nil {
		t.Fatal(err)
	}
	st, err := rdb.FunctionStats(ctx).Result()
	if err != nil || st.Running() {
		t.Fatalf("FunctionStats: %+v %v", st, err)
	}
}

func TestBusyAndKill(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	other := client(t, srv)
	ctx := context.Background()
	if err := rdb.ConfigSet(ctx, "lua-time-limit", "10").Err(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- rdb.Eval(ctx, "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", nil).Err()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := other.Ping(ctx).Err()
		if err != nil && strings.HasPrefix(err.Error(), "BUSY ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no BUSY: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := other.FunctionKill(ctx).Err(); err == nil {
		t.Fatal("FUNCTION KILL killed a script")
	}
	if err := other.ScriptKill(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "killed by user") {
		t.Fatalf("killed script: %v", err)
	}
	if err := other.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := other.ScriptKill(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOTBUSY") {
		t.Fatalf("SCRIPT KILL when idle: %v", err)
	}

	// A script that wrote cannot be killed; it ends by itself here.
	go func() {
		done <- rdb.Eval(ctx, "redis.call('set', KEYS[1], 'y'); local t = redis.call('time')[1] + 0; while redis.call('time')[1] + 0 < t + 1 do end", []string{"x"}).Err()
	}()
	for {
		err := other.ScriptKill(ctx).Err()
		if err != nil && strings.HasPrefix(err.Error(), "UNKILLABLE") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no UNKILLABLE: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-done; err != nil && err != redis.Nil {
		t.Fatal(err)
	}
}

// TestACLInScripts checks that redis.call obeys the caller's permissions.
func TestACLInScripts(t *testing.T) {
	srv := redmodtest.Run(t)
	admin := client(t, srv)
	ctx := context.Background()
	if err := admin.Do(ctx, "ACL", "SETUSER", "u", "on", "nopass", "+eval", "+get", "~a*").Err(); err != nil {
		t.Fatal(err)
	}
	u := redis.NewClient(&redis.Options{Addr: srv.Addr(), Username: "u", Password: "x", Protocol: 2})
	defer u.Close()
	for script, want := range map[string]string{
		"return redis.call('set','a','b')":  "ERR The user executing the script can't run this command or subcommand script:",
		"return redis.call('get','b')":      "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script:",
		"return redis.pcall('get','b').err": "",
	} {
		err := u.Eval(ctx, script, nil).Err()
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", script, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v", script, err)
		}
	}
}

// TestScriptAtomicity runs scripts that read, then write, the same counter
// from many clients: no increment is lost.
func TestScriptAtomicity(t *testing.T) {
	srv := redmodtest.Run(t)
	ctx := context.Background()
	const clients, rounds = 8, 50
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
			defer rdb.Close()
			for j := 0; j < rounds; j++ {
				// The second key is not declared: the script locks it
				// while it runs.
				if err := rdb.Eval(ctx, "local v = tonumber(redis.call('get', KEYS[1]) or '0'); redis.call('set', KEYS[1], v + 1); local w = tonumber(redis.call('get', 'undeclared') or '0'); redis.call('set', 'undeclared', w + 1)", []string{"c"}).Err(); err != nil && err != redis.Nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rdb := client(t, srv)
	for _, k := range []string{"c", "undeclared"} {
		if n, _ := rdb.Get(ctx, k).Int(); n != clients*rounds {
			t.Fatalf("%s = %d, want %d", k, n, clients*rounds)
		}
	}
}

// TestFunctionsPersist checks that libraries survive a restart (they are
// FUNCTION2 records of the RDB snapshot, as in Redis).
func TestFunctionsPersist(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	srv := redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb := client(t, srv)
	if err := rdb.FunctionLoad(ctx, "#!lua name=keep\nredis.register_function('kept', function() return 'still here' end)").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Close()
	srv.Close()
	srv = redmodtest.Run(t, redmodtest.WithPersistence(dir))
	rdb = client(t, srv)
	if v, err := rdb.FCall(ctx, "kept", nil).Text(); err != nil || v != "still here" {
		t.Fatalf("after restart: %q %v", v, err)
	}
}

func TestInfoScripting(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		rdb.ScriptLoad(ctx, "return "+string(rune('1'+i)))
	}
	rdb.FunctionLoad(ctx, "#!lua name=l\nredis.register_function('f', function() return 1 end)")
	rdb.Eval(ctx, "return redis.call('strlen', 'x')", nil)
	info := rdb.Info(ctx, "memory").Val()
	for _, want := range []string{"number_of_cached_scripts:4\r\n", "number_of_functions:1\r\n", "number_of_libraries:1\r\n", "used_memory_lua:", "used_memory_scripts_eval:", "used_memory_vm_functions:"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO memory lacks %q", want)
		}
	}
	if stats := rdb.Info(ctx, "commandstats").Val(); !strings.Contains(stats, "cmdstat_strlen:calls=") {
		t.Errorf("a call from a script is not in commandstats:\n%s", stats)
	}
}

func TestFunctionLoadTimeout(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	err := rdb.FunctionLoad(context.Background(), "#!lua name=slow\nlocal i = 0 while true do i = i + 1 end").Err()
	if err == nil || err.Error() != "ERR Error registering functions: ERR FUNCTION LOAD timeout" {
		t.Fatalf("FUNCTION LOAD of an endless library: %v", err)
	}
}

// TestShutdownStopsBusyScript checks that SHUTDOWN NOSAVE ends a server
// whose script runs forever, even one that wrote.
func TestShutdownStopsBusyScript(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	other := client(t, srv)
	ctx := context.Background()
	rdb.ConfigSet(ctx, "busy-reply-threshold", "10")
	go rdb.Eval(ctx, "redis.call('set', KEYS[1], 'y') while true do end", []string{"x"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := other.Ping(ctx).Err()
		if err != nil && strings.HasPrefix(err.Error(), "BUSY ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no BUSY: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	other.Do(ctx, "SHUTDOWN", "NOSAVE")
	select {
	case <-srv.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
}

// TestFunctionStatsAndKill follows go-redis's test: FUNCTION STATS shows a
// running function, and FUNCTION KILL (which waits, as a Redis client
// does, until the function is busy) stops it.
func TestFunctionStatsAndKill(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	ctx := context.Background()
	rdb.ConfigSet(ctx, "busy-reply-threshold", "50")
	if err := rdb.FunctionLoad(ctx, "#!lua name=spin\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}").Err(); err != nil {
		t.Fatal(err)
	}
	runner := client(t, srv)
	done := make(chan error, 1)
	go func() { done <- runner.FCall(ctx, "spin", nil).Err() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := rdb.FunctionStats(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if rs, ok := st.RunningScript(); ok {
			if rs.Name != "spin" || len(rs.Command) != 3 || rs.Command[0] != "fcall" {
				t.Fatalf("running script %+v", rs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("FUNCTION STATS never showed the function")
		}
		time.Sleep(time.Millisecond)
	}
	if err := rdb.FunctionKill(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "killed by user with FUNCTION KILL") {
		t.Fatalf("killed function: %v", err)
	}
}

// TestEvalInMulti runs scripts inside MULTI/EXEC, on declared and
// undeclared keys, next to plain commands on the same keys.
func TestEvalInMulti(t *testing.T) {
	srv := redmodtest.Run(t)
	rdb := client(t, srv)
	ctx := context.Background()
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Eval(ctx, "redis.call('incr', KEYS[1]); redis.call('set', 'undeclared', 'x'); return redis.call('get', KEYS[1])", []string{"a"})
		p.Eval(ctx, "return redis.call('keys', '*')", nil)
		p.Incr(ctx, "a")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := cmds[1].(*redis.Cmd).Val(); v != "2" {
		t.Fatalf("EVAL in EXEC: %v", v)
	}
	if keys := cmds[2].(*redis.Cmd).Val().([]any); len(keys) != 2 {
		t.Fatalf("KEYS from a script in EXEC: %v", keys)
	}
	if n := cmds[3].(*redis.IntCmd).Val(); n != 3 {
		t.Fatalf("INCR after the script: %d", n)
	}
}
