package scripting

import (
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/redmod/redmod/core"
)

// runCtx is the state of one script run.
type runCtx struct {
	c        *core.Ctx // the caller's command
	name     string    // sha or function name, for error messages
	resp     int       // protocol chosen with redis.setresp
	readOnly bool      // EVAL_RO, FCALL_RO or a no-writes script
	allowOOM bool
	function bool // FCALL: flags come from the function
	wrote    bool // a write command ran (SCRIPT KILL refuses then)
	db       int
	killErr  error

	client core.Client
	sub    core.Ctx
	w      core.Writer
	call   core.CallRequest
	args   [][]byte
}

// Redis's log levels, as redis.LOG_*.
const (
	logDebug = iota
	logVerbose
	logNotice
	logWarning
)

func (v *vm) openRedis() *lua.LTable {
	L := v.L
	t := L.NewTable()
	set := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	set("call", func(L *lua.LState) int { return v.redisCall(L, false) })
	set("pcall", func(L *lua.LState) int { return v.redisCall(L, true) })
	set("error_reply", func(L *lua.LState) int {
		if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
			raise(L, "ERR wrong number or type of arguments")
		}
		s := L.ToString(1)
		if len(s) > 0 && s[0] == '-' {
			s = s[1:]
		}
		// As in Redis, the first word is the error code when a space
		// follows it; otherwise the code is ERR.
		if !strings.Contains(s, " ") {
			s = "ERR " + s
		}
		L.Push(errTable(L, s))
		return 1
	})
	set("status_reply", func(L *lua.LState) int {
		if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
			raise(L, "ERR wrong number or type of arguments")
		}
		tb := L.NewTable()
		tb.RawSetString("ok", L.Get(1))
		L.Push(tb)
		return 1
	})
	set("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			raise(L, "ERR wrong number of arguments")
		}
		L.Push(lua.LString(sha1hex(L.ToString(1))))
		return 1
	})
	set("log", func(L *lua.LState) int {
		if L.GetTop() < 2 {
			raise(L, "ERR redis.log() requires two arguments or more.")
		}
		if L.Get(1).Type() != lua.LTNumber {
			raise(L, "ERR First argument must be a number (log level).")
		}
		level := int(L.ToNumber(1))
		if level < logDebug || level > logWarning {
			raise(L, "ERR Invalid debug level.")
		}
		msg := ""
		for i := 2; i <= L.GetTop(); i++ {
			if i > 2 {
				msg += " "
			}
			msg += L.ToString(i)
		}
		if r := v.run; r != nil && r.c.Log != nil {
			switch level {
			case logWarning:
				r.c.Log.Warn(msg)
			case logNotice:
				r.c.Log.Info(msg)
			default:
				r.c.Log.Debug(msg)
			}
		}
		return 0
	})
	set("setresp", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			raise(L, "ERR redis.setresp() requires one argument.")
		}
		n := int(L.CheckNumber(1))
		if n != 2 && n != 3 {
			raise(L, "ERR RESP version must be 2 or 3.")
		}
		if v.run != nil {
			v.run.resp = n
		}
		return 0
	})
	set("set_repl", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			raise(L, "ERR redis.set_repl() requires one argument.")
		}
		n := int(L.CheckNumber(1))
		if n < 0 || n > 3 {
			raise(L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
		}
		return 0
	})
	set("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	set("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
	set("debug", func(L *lua.LState) int { return 0 })
	set("acl_check_cmd", func(L *lua.LState) int { return v.aclCheck(L) })
	t.RawSetString("REDIS_VERSION", lua.LString("7.0.15"))
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(0x07000f))
	t.RawSetString("LOG_DEBUG", lua.LNumber(logDebug))
	t.RawSetString("LOG_VERBOSE", lua.LNumber(logVerbose))
	t.RawSetString("LOG_NOTICE", lua.LNumber(logNotice))
	t.RawSetString("LOG_WARNING", lua.LNumber(logWarning))
	t.RawSetString("REPL_NONE", lua.LNumber(0))
	t.RawSetString("REPL_AOF", lua.LNumber(1))
	t.RawSetString("REPL_SLAVE", lua.LNumber(2))
	t.RawSetString("REPL_REPLICA", lua.LNumber(2))
	t.RawSetString("REPL_ALL", lua.LNumber(3))
	return t
}

func hasCode(s string) bool {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	return i > 0 && (i == len(s) || s[i] == ' ')
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// collectArgs reads redis.call's arguments: strings, or numbers formatted
// as Redis does.
func (v *vm) collectArgs(L *lua.LState, r *runCtx) bool {
	n := L.GetTop()
	r.args = r.args[:0]
	// One buffer holds every argument (numbers take at most 24 bytes in
	// formatArg's form): one allocation per call rather than one per
	// argument. Each argument is capped at its end, so that a command
	// appending to one cannot run into the next.
	size := 0
	for i := 1; i <= n; i++ {
		switch a := L.Get(i).(type) {
		case lua.LString:
			size += len(a)
		case lua.LNumber:
			size += 24
		default:
			return false
		}
	}
	buf := make([]byte, 0, size)
	for i := 1; i <= n; i++ {
		at := len(buf)
		switch a := L.Get(i).(type) {
		case lua.LString:
			buf = append(buf, a...)
		case lua.LNumber:
			buf = append(buf, formatArg(float64(a))...)
		}
		r.args = append(r.args, buf[at:len(buf):len(buf)])
	}
	return true
}

// redisCall is redis.call and redis.pcall: the command goes through the
// host's registry with the caller's ACL permissions and the locks of its
// keys.
func (v *vm) redisCall(L *lua.LState, protected bool) int {
	r := v.run
	fail := func(msg string) int {
		if protected {
			L.Push(errTable(L, msg))
			return 1
		}
		raise(L, msg)
		return 0
	}
	if r == nil {
		return fail("ERR redis.call() can only be used while a script runs")
	}
	if L.GetTop() == 0 {
		// Redis raises this one even from pcall.
		raise(L, "ERR Please specify at least one argument for this redis lib call")
	}
	if !v.collectArgs(L, r) {
		raise(L, "ERR Lua redis lib command arguments must be strings or integers")
	}
	runner, ok := r.c.Server.(core.CommandRunner)
	if !ok {
		return fail("ERR this server cannot run commands from scripts")
	}
	// From here an error is counted where it arises, as Redis counts a
	// command it rejects or that fails: the error table carries Redis's
	// ignore_error_stats_update, so that the script's reply made of it
	// is not counted again (replyError).
	counted := func(msg string) int {
		t := errTable(L, msg)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		if protected {
			L.Push(t)
			return 1
		}
		raiseTable(L, t)
		return 0
	}
	reject := func(call *core.CallRequest, msg string) int {
		runner.RejectCall(call, core.RawError(msg))
		return counted(msg)
	}
	call := &r.call
	*call = core.CallRequest{Args: r.args}
	if err := runner.PrepareCall(call); err != nil {
		ce, _ := err.(*core.RunError)
		if ce != nil && ce.Stage == core.RunArity {
			return reject(call, "ERR Wrong number of args calling Redis command from script")
		}
		return reject(nil, "ERR Unknown Redis command called from script")
	}
	spec := call.Spec
	if spec.Flags.Has(core.FlagNoScript) && !denyDisabled(r.c) {
		return reject(call, "ERR This Redis command is not allowed from script")
	}
	if err := runner.CheckCallACL(r.c, call, "lua"); err != nil {
		ce, _ := err.(*core.RunError)
		if ce != nil && ce.Stage == core.RunNoPermKey {
			return reject(nil, "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments")
		}
		return reject(nil, "ERR The user executing the script can't run this command or subcommand")
	}
	write := spec.Flags.Has(core.FlagWrite)
	// May-replicate commands (PUBLISH, PFCOUNT) are writes to a read-only
	// script: CLIENT PAUSE WRITE lets read-only scripts through.
	if (write || spec.Flags.Has(core.FlagMayReplicate)) && r.readOnly {
		return reject(call, "ERR Write commands are not allowed from read-only scripts.")
	}
	if err := r.c.WriteRefusal(); err != nil && write {
		return reject(call, core.ErrorText(err))
	}
	// Out of memory when the script began: its denyoom commands are
	// refused until it wrote something (a script is not stopped halfway).
	if spec.Flags.Has(core.FlagDenyOOM) && !r.allowOOM && !r.wrote && r.c.OutOfMemory() {
		return reject(call, core.ErrorText(core.ErrOOM))
	}
	if r.c.StaleRefusal() != nil && !spec.Flags.Has(core.FlagStale) {
		return fail("ERR Can not execute the command on a stale replica")
	}
	// The keys of the call must be locked: the declared ones already are;
	// others are taken now (see core.LockSet.Ensure).
	if locks := r.c.Locks; locks != nil {
		var err error
		switch {
		case spec.Flags.Has(core.FlagKeyspace), spec.Flags.Has(core.FlagMovableKeys) && spec.Keys == nil:
			err = locks.Ensure(nil, true)
		default:
			var idx [16]int
			keys := spec.KeyIndexes(r.args, idx[:0])
			if len(keys) > 0 {
				var kb [16][]byte
				kk := kb[:0]
				for _, i := range keys {
					kk = append(kk, r.args[i])
				}
				err = locks.Ensure(kk, false)
			}
		}
		if err != nil {
			return reject(nil, core.ErrorText(err))
		}
	}
	// Each argument is a new slice (collectArgs), so the command may keep
	// it.
	r.w.Reset()
	r.w.SetProtocol(r.resp)
	r.client.SetProtocol(r.resp)
	r.client.SetDBIndex(r.db)
	// The call's Ctx is the run's, reused from call to call rather than
	// rebuilt, so that the buffers it grows (the keys it touched, its
	// effects) are kept: the host empties them after every command
	// (RunCall), and Changes forgets a count a command set without
	// writing.
	sub := &r.sub
	sub.Writer, sub.DB, sub.Keyspace, sub.Client = &r.w, r.c.Keyspace.DB(r.db), r.c.Keyspace, &r.client
	sub.Server, sub.Log, sub.Locks, sub.PubSub = r.c.Server, r.c.Log, r.c.Locks, r.c.PubSub
	sub.Changes(false)
	sub.SetFromScript(true)
	err := runner.RunCall(r.c, sub, call)
	if write {
		r.wrote = true
		v.wrote.Store(true)
	}
	if d := r.client.DBIndex(); d != r.db && d >= 0 && d < r.c.Keyspace.NumDBs() {
		r.db = d
	}
	if err != nil {
		return counted(core.ErrorText(err)) // RunCall counted it
	}
	p := respParser{b: r.w.Bytes(), L: L}
	val := p.value()
	if t, ok := val.(*lua.LTable); ok {
		if e, ok := t.RawGetString("err").(lua.LString); ok {
			// An error reply of the command: counted by RunCall.
			t.RawSetString("ignore_error_stats_update", lua.LTrue)
			if !protected {
				return counted(string(e))
			}
		}
	}
	L.Push(val)
	return 1
}

// denyDisabled reports whether DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts
// call commands flagged noscript.
func denyDisabled(c *core.Ctx) bool {
	d, ok := c.Server.(core.Diagnostics)
	return ok && d.ScriptDenyDisabled()
}

// aclCheck is redis.acl_check_cmd: whether the caller may run the command.
func (v *vm) aclCheck(L *lua.LState) int {
	r := v.run
	if L.GetTop() == 0 {
		raise(L, "ERR Please specify at least one argument for this redis lib call")
	}
	if !v.collectArgs(L, r) {
		raise(L, "ERR Lua redis lib command arguments must be strings or integers")
	}
	runner, ok := r.c.Server.(core.CommandRunner)
	if !ok {
		raise(L, "ERR Invalid command passed to redis.acl_check_cmd()")
	}
	call := &core.CallRequest{Args: append([][]byte(nil), r.args...)}
	if err := runner.PrepareCall(call); err != nil {
		raise(L, "ERR Invalid command passed to redis.acl_check_cmd()")
	}
	L.Push(lua.LBool(runner.CheckCallACL(r.c, call, "lua") == nil))
	return 1
}

// math.random and math.randomseed: each state has its own generator,
// seeded randomly (scripts are replicated by their effects, so their random
// numbers need not repeat); randomseed makes the sequence reproducible.
func (v *vm) mathRandom(L *lua.LState) int {
	f := v.rng.Float64()
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(f))
	case 1:
		m := int(L.CheckNumber(1))
		if m < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(int(f*float64(m)) + 1))
	default:
		lo, hi := int(L.CheckNumber(1)), int(L.CheckNumber(2))
		if lo > hi {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(int(f*float64(hi-lo+1)) + lo))
	}
	return 1
}

func (v *vm) mathRandomSeed(L *lua.LState) int {
	seed := uint64(int64(L.CheckNumber(1)))
	v.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return 0
}
