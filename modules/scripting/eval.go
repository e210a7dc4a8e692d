package scripting

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/redmod/redmod/core"
)

// script is a cached EVAL script.
type script struct {
	sha   string
	body  string
	proto *lua.FunctionProto
	flags scriptFlags
}

// scriptFlags are the flags of a shebang line (#!lua flags=...).
type scriptFlags struct {
	shebang    bool
	noWrites   bool
	allowOOM   bool
	allowStale bool
}

// state is the scripting state of one server (keyspace): its script cache,
// function libraries and Lua states.
type state struct {
	ks   *core.Keyspace
	eng  engine
	mu   sync.RWMutex
	sc   map[string]*script
	scSz int64
	gen  atomic.Uint64 // bumped by SCRIPT FLUSH
	libs libraries

	server    atomic.Pointer[serverRef] // set by the first command
	busyCount atomic.Int32
	threshold atomic.Int64 // busy-reply-threshold in milliseconds
}

// serverRef is the server a state belongs to, known from its first command.
type serverRef struct {
	srv  core.Server
	gate core.BusyGate
	done <-chan struct{} // closed when the server stops, if it says
}

func (r *serverRef) stopped() bool {
	if r.done == nil {
		return false
	}
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

var (
	statesMu sync.Mutex
	states   = map[*core.Keyspace]*state{}
	lastSt   atomic.Pointer[state]
)

// stateOf returns the scripting state of the server running c.
func stateOf(c *core.Ctx) *state {
	if s := lastSt.Load(); s != nil && s.ks == c.Keyspace && s.server.Load() != nil {
		return s
	}
	statesMu.Lock()
	defer statesMu.Unlock()
	s := stateForLocked(c.Keyspace)
	s.bind(c.Server)
	lastSt.Store(s)
	return s
}

// bind records the server the state belongs to, once. Stop forgets only
// the states of servers known to have stopped, so every state must be bound:
// Provision binds it before the server serves.
func (s *state) bind(srv core.Server) {
	if s.server.Load() != nil || srv == nil {
		return
	}
	ref := &serverRef{srv: srv}
	ref.gate, _ = srv.(core.BusyGate)
	if d, ok := srv.(interface{ Done() <-chan struct{} }); ok {
		ref.done = d.Done()
	}
	s.server.Store(ref)
	s.refreshThreshold()
}

// Provision implements core.Provisioner: the server's state is bound to
// the server from the start, not at its first script, so that Stop forgets
// it when the server stops even if no script ever ran (the global table of
// states would otherwise keep every stopped server's keyspace alive in a
// process that runs many servers, as tests do).
func (Module) Provision(m *core.ModuleContext) error {
	statesMu.Lock()
	defer statesMu.Unlock()
	stateForLocked(m.Keyspace).bind(m.Server)
	return nil
}

// existingState returns the state of ks if it has one, without creating
// it: for readers (INFO, a save) that must not make a state for a server
// that never needed one.
func existingState(ks *core.Keyspace) *state {
	statesMu.Lock()
	defer statesMu.Unlock()
	return states[ks]
}

// stateFor returns the scripting state of the server of ks.
func stateFor(ks *core.Keyspace) *state {
	statesMu.Lock()
	defer statesMu.Unlock()
	return stateForLocked(ks)
}

func stateForLocked(ks *core.Keyspace) *state {
	s := states[ks]
	if s == nil {
		s = &state{ks: ks, sc: map[string]*script{}}
		s.libs.init()
		s.threshold.Store(5000)
		states[ks] = s
		startWatchdog()
	}
	return s
}

func (s *state) refreshThreshold() {
	ref := s.server.Load()
	if ref == nil {
		return
	}
	for _, f := range ref.srv.ConfigGet("busy-reply-threshold") {
		if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil {
			s.threshold.Store(n)
		}
	}
}

var (
	watchdogOnce sync.Once
	// scriptsRunning counts the scripts running in every server of the
	// process: the watchdog ticks only while one runs, so that an idle
	// server is not woken 200 times a second.
	scriptsRunning atomic.Int64
	// watchdogWake wakes the watchdog when the first script starts.
	watchdogWake = make(chan struct{}, 1)
)

// scriptStarting counts a script that starts, waking the watchdog for the
// first.
func scriptStarting() {
	if scriptsRunning.Add(1) == 1 {
		select {
		case watchdogWake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// scriptEnded counts a script that ended.
func scriptEnded() { scriptsRunning.Add(-1) }

// startWatchdog starts the one goroutine that notices scripts running past
// busy-reply-threshold and makes the server answer BUSY meanwhile.
func startWatchdog() {
	watchdogOnce.Do(func() { go watchdog() })
}

// watchdog sleeps while no script runs and looks at the running scripts
// every 5 ms while some do.
func watchdog() {
	var all []*state
	for {
		if scriptsRunning.Load() == 0 {
			<-watchdogWake
			continue // a wake-up left from an earlier run finds none running
		}
		tick := time.NewTicker(5 * time.Millisecond)
		for scriptsRunning.Load() > 0 {
			<-tick.C
			all = watchdogPass(all[:0])
		}
		tick.Stop()
	}
}

// watchdogPass is one look at every server's running scripts; all is
// reused between passes.
func watchdogPass(all []*state) []*state {
	statesMu.Lock()
	for _, s := range states {
		all = append(all, s)
	}
	statesMu.Unlock()
	now := runClock()
	for _, s := range all {
		if ref := s.server.Load(); ref != nil && ref.stopped() {
			// The server is shutting down (SHUTDOWN NOSAVE
			// while a script is busy): stop every script, even
			// one that wrote.
			s.eng.each(func(v *vm) {
				if v.started.Load() != 0 {
					v.kctx.kill(v.killErr)
				}
			})
			continue
		}
		// The threshold is read again for every tick that
		// finds a script running, not once in so many ticks: a
		// script that spins keeps this goroutine from most of
		// its ticks (with one processor it runs when the script
		// is preempted), so a count of ticks could leave a
		// CONFIG SET lua-time-limit unseen for most of a second.
		var running []*vm
		s.eng.each(func(v *vm) {
			if v.started.Load() != 0 {
				running = append(running, v)
			}
		})
		if len(running) == 0 {
			continue
		}
		s.refreshThreshold()
		limit := s.threshold.Load() * int64(time.Millisecond)
		for _, v := range running {
			st := v.started.Load()
			// A threshold of 0 makes every script busy at once,
			// as in Redis.
			if st == 0 || now-st < limit {
				continue
			}
			if v.busy.CompareAndSwap(false, true) {
				if ref := s.server.Load(); s.busyCount.Add(1) == 1 && ref != nil && ref.gate != nil {
					ref.gate.SetBusy(v.busyErr)
				}
			}
		}
	}
	for i := range all {
		all[i] = nil // no server kept alive by the watchdog
	}
	return all
}

// parseShebang reads the first line of a script: "#!lua" and its options.
func parseShebang(body string) (scriptFlags, string, error) {
	var f scriptFlags
	if !strings.HasPrefix(body, "#!") {
		return f, body, nil
	}
	line := body
	rest := ""
	if i := strings.IndexByte(body, '\n'); i >= 0 {
		line, rest = body[:i], body[i:]
	}
	parts := strings.Fields(line[2:])
	if len(parts) == 0 || parts[0] != "lua" {
		return f, "", core.NewError("ERR Unexpected engine in script shebang: " + line)
	}
	f.shebang = true
	for _, p := range parts[1:] {
		if !strings.HasPrefix(p, "flags=") {
			return f, "", core.NewError("ERR Unknown lua shebang option: " + p)
		}
		for _, fl := range strings.Split(p[len("flags="):], ",") {
			switch fl {
			case "no-writes":
				f.noWrites = true
			case "allow-oom":
				f.allowOOM = true
			case "allow-stale":
				f.allowStale = true
			case "no-cluster", "allow-cross-slot-keys":
			case "":
			default:
				return f, "", core.NewError("ERR Unexpected flag in script shebang: " + fl)
			}
		}
	}
	return f, rest, nil
}

// compile compiles a chunk named like Redis's ("user_script").
func compile(body, name string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(body), name)
	if err != nil {
		return nil, err
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, err
	}
	// The chunk never reads Lua 5.0's implicit "arg" table; without this
	// gopher-lua would build one at every call.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, nil
}

// luaSyntaxError words a gopher-lua parse error the way Lua 5.1 words
// syntax errors ("user_script:1: unexpected symbol near 'x'").
func luaSyntaxError(err error, chunk, code string) string {
	var pe *parse.Error
	if errors.As(err, &pe) {
		if pe.Pos.Line == parse.EOF || pe.Token == "" {
			return chunk + ":" + strconv.Itoa(strings.Count(code, "\n")+1) + ": unexpected symbol near '<eof>'"
		}
		return chunk + ":" + strconv.Itoa(pe.Pos.Line) + ": unexpected symbol near '" + pe.Token + "'"
	}
	return strings.TrimSpace(strings.ReplaceAll(err.Error(), "\n", " "))
}

// compileError words a compile error as Redis does.
func compileError(err error, code string) error {
	return core.NewError("ERR Error compiling script (new function): " + luaSyntaxError(err, "user_script", code))
}

// loadScript returns the cached script of body, compiling it if needed.
func (s *state) loadScript(body string) (*script, error) {
	sha := sha1hex(body)
	s.mu.RLock()
	sc := s.sc[sha]
	s.mu.RUnlock()
	if sc != nil {
		return sc, nil
	}
	flags, code, err := parseShebang(body)
	if err != nil {
		return nil, err
	}
	proto, err := compile(code, "user_script")
	if err != nil {
		return nil, compileError(err, code)
	}
	sc = &script{sha: sha, body: body, proto: proto, flags: flags}
	s.mu.Lock()
	if old := s.sc[sha]; old != nil {
		sc = old
	} else {
		s.sc[sha] = sc
		s.scSz += int64(len(body))
	}
	s.mu.Unlock()
	return sc, nil
}

func (s *state) scriptBySHA(sha []byte) *script {
	if len(sha) != 40 {
		return nil
	}
	var buf [40]byte
	key := core.AppendLower(buf[:0], sha)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sc[string(key)]
}

// evalKeys finds EVAL's keys: numkeys at argument 2, then the keys.
func evalKeys(args [][]byte) []int {
	if len(args) < 3 {
		return nil
	}
	n, err := strconv.Atoi(string(args[2]))
	if err != nil || n <= 0 || n > len(args)-3 {
		return nil
	}
	if n <= len(keyPositions) {
		// The common case shares one read-only table (callers copy what
		// they keep: Spec.KeyIndexes appends to its own slice).
		return keyPositions[:n:n]
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = 3 + i
	}
	return idx
}

// keyPositions holds the positions of the first keys of EVAL and FCALL:
// 3, 4, 5, ...
var keyPositions = func() (p [32]int) {
	for i := range p {
		p[i] = 3 + i
	}
	return
}()

// numKeys parses and checks numkeys as Redis does.
func numKeys(args [][]byte) (int, error) {
	n, ok := core.ParseInt(args[2])
	if !ok {
		return 0, core.ErrNotInteger
	}
	if n < 0 {
		return 0, core.NewError("ERR Number of keys can't be negative")
	}
	if n > int64(len(args)-3) {
		return 0, core.NewError("ERR Number of keys can't be greater than number of args")
	}
	return int(n), nil
}

func evalCommand(ro, bySHA bool) func(c *core.Ctx) error {
	return func(c *core.Ctx) error {
		s := stateOf(c)
		n, err := numKeys(c.Args)
		if err != nil {
			return err
		}
		var sc *script
		if bySHA {
			if sc = s.scriptBySHA(c.Args[1]); sc == nil {
				return errNoScript
			}
		} else if sc, err = s.loadScript(string(c.Args[1])); err != nil {
			return err
		}
		if ro && sc.flags.shebang && !sc.flags.noWrites {
			return core.NewError("ERR Can not execute a script with write flag using *_ro command.")
		}
		// A script with a shebang is denyoom unless its flags say it writes
		// nothing or may run out of memory; one without runs, and only its
		// writes are refused (redislib.go), as in Redis 7.0.
		if sc.flags.shebang && !sc.flags.noWrites && !sc.flags.allowOOM && c.OutOfMemory() {
			return core.ErrOOM
		}
		if err := c.WriteRefusal(); err != nil && sc.flags.shebang && !sc.flags.noWrites {
			return err
		}
		// On a stale replica only a script declaring allow-stale runs.
		if err := c.StaleRefusal(); err != nil && !sc.flags.allowStale {
			return err
		}
		v := s.eng.get()
		defer s.eng.put(v)
		fn := v.scriptFunc(s, sc)
		r := v.newRun(c, sc.sha, false, ro || sc.flags.noWrites)
		r.allowOOM = sc.flags.allowOOM
		return v.execute(s, r, fn, c.Args[3:3+n], c.Args[3+n:], errBusyScript, errKilled)
	}
}

var (
	errNoScript       = core.NewError("NOSCRIPT No matching script. Please use EVAL.")
	errBusyScript     = core.NewError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	errBusyFunction   = core.NewError("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
	errNotBusy        = core.NewError("NOTBUSY No scripts in execution right now.")
	errUnkillable     = core.NewError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	errUnkillableFunc = core.NewError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
)

// scriptFunc returns the state's function for a cached script.
func (v *vm) scriptFunc(s *state, sc *script) *lua.LFunction {
	if g := s.gen.Load(); g != v.gen {
		clear(v.fns)
		v.gen = g
	}
	fn := v.fns[sc.sha]
	if fn == nil {
		fn = v.L.NewFunctionFromProto(sc.proto)
		fn.Env = v.env
		v.fns[sc.sha] = fn
	}
	return fn
}

// execute runs fn with KEYS and ARGV (or a function's keys and args) and
// writes its reply.
func (v *vm) execute(s *state, r *runCtx, fn *lua.LFunction, keys, argv [][]byte, busyErr error, killErr error) error {
	L := v.L
	c := r.c
	if c.Client != nil && c.Client.Subscribed() {
		// Events the script's commands push to its own caller follow the
		// replies before it and come before the script's reply, as in
		// Redis (core.Ctx.NotifyDB does this for a command's own events).
		c.StartPush()
	}
	if r.resp == 0 {
		r.resp = 2
	}
	r.db = c.DB.Index()
	// Time stands still for the script's keys while it runs, as in Redis.
	// One clock read serves that and the watchdog's start time.
	start := time.Now()
	if c.Locks != nil {
		c.Locks.FreezeClock(c.Keyspace.NowAt(start))
		defer c.Locks.ThawClock()
	}
	if u := c.Client.User(); u != r.client.User() {
		r.client.SetUser(u)
	}
	r.killErr = killErr
	v.run = r
	v.busyErr = busyErr
	v.killErr = killErr
	v.isFunc.Store(r.function)
	// r is the state's one run context: the pointer is stored once, as an
	// atomic store of a pointer costs a write barrier while the collector
	// runs.
	if v.curName.Load() != &r.name {
		v.curName.Store(&r.name)
	}
	if r.function {
		v.curArgs.Store(&c.Args)
	}
	v.wrote.Store(false)
	kt := v.argTable(&v.keysT, keys, r.function)
	at := v.argTable(&v.argvT, argv, r.function)
	var callArgs []lua.LValue
	if r.function {
		callArgs = []lua.LValue{kt, at}
	} else if !v.argsBound {
		// The tables are the state's own, reused run after run, and the
		// globals are read-only to scripts: they are set once.
		v.G.RawSetString("KEYS", kt)
		v.G.RawSetString("ARGV", at)
		v.argsBound = true
	}
	v.started.Store(int64(start.Sub(clockBase)) + 1)
	scriptStarting()
	top := L.GetTop()
	L.Push(fn)
	for _, a := range callArgs {
		L.Push(a)
	}
	v.errSrc, v.errLine = "", 0
	err := L.PCall(len(callArgs), 1, v.handler)
	src, line := v.errSrc, v.errLine
	v.started.Store(0)
	scriptEnded()
	if v.busy.CompareAndSwap(true, false) {
		if ref := s.server.Load(); s.busyCount.Add(-1) == 0 && ref != nil && ref.gate != nil {
			ref.gate.SetBusy(nil)
		}
	}
	killed := v.kctx.Err() != nil
	v.run = nil
	// Checking the sandbox costs a little: every 16th run, and after any
	// run that failed.
	if v.runs++; (v.runs%16 == 0 || err != nil) && !v.intact() {
		v.broken = true
	}
	if err != nil {
		L.SetTop(top)
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		if killed {
			obj = errTable(L, core.ErrorText(killErr))
		}
		if sObj, ok := obj.(lua.LString); ok {
			obj = lua.LString(strings.TrimSuffix(string(sObj), "\n"))
		}
		text := formatError(obj, r.name, src, line)
		if hasCode(text) {
			if countedAlready(obj) {
				return core.NewError(text).Counted()
			}
			return core.NewError(text)
		}
		c.WriteRaw([]byte("-" + text + "\r\n"))
		return nil
	}
	ret := L.Get(-1)
	L.SetTop(top)
	if t, ok := ret.(*lua.LTable); ok {
		if e, ok := t.RawGetString("err").(lua.LString); ok {
			// An error reply counts in the error statistics by its code,
			// unless a command's failure made it and was counted then.
			if countedAlready(t) {
				return core.RawError(oneLine(string(e))).Counted()
			}
			return core.RawError(oneLine(string(e)))
		}
	}
	writeReply(c.Writer, ret, r.resp, 0)
	return nil
}

// countedAlready reports whether an error table comes from a command's
// failure inside the script, already counted in the error statistics
// (Redis's ignore_error_stats_update field).
func countedAlready(obj lua.LValue) bool {
	t, ok := obj.(*lua.LTable)
	return ok && lua.LVAsBool(t.RawGetString("ignore_error_stats_update"))
}

func scriptLoad(c *core.Ctx) error {
	s := stateOf(c)
	sc, err := s.loadScript(string(c.Args[2]))
	if err != nil {
		return err
	}
	c.WriteBulkString(sc.sha)
	return nil
}

func scriptExists(c *core.Ctx) error {
	s := stateOf(c)
	c.WriteArray(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if s.scriptBySHA(a) != nil {
			c.WriteInt(1)
		} else {
			c.WriteInt(0)
		}
	}
	return nil
}

func scriptFlush(c *core.Ctx) error {
	if len(c.Args) > 3 {
		return core.NewError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
	}
	if len(c.Args) == 3 && !core.EqualFold(c.Args[2], "sync") && !core.EqualFold(c.Args[2], "async") {
		return core.NewError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
	}
	s := stateOf(c)
	s.mu.Lock()
	s.sc = map[string]*script{}
	s.scSz = 0
	s.gen.Add(1)
	s.mu.Unlock()
	c.WriteOK()
	return nil
}

// kill stops the busy script of the given kind (EVAL or function). A
// script that runs but is not busy yet is waited for, as a Redis client's
// SCRIPT KILL waits while the server runs a script: it ends (NOTBUSY) or
// passes busy-reply-threshold (and is killed).
func (s *state) kill(function bool) error {
	for {
		var found *vm
		var wrote, other, waiting bool
		s.eng.each(func(v *vm) {
			if v.started.Load() == 0 {
				return
			}
			if !v.busy.Load() {
				waiting = true
				return
			}
			if v.isFunc.Load() != function {
				other = true
				return
			}
			found = v
			wrote = v.wrote.Load()
		})
		if found == nil && !other && waiting {
			time.Sleep(time.Millisecond)
			continue
		}
		if found == nil {
			if other && function {
				return errBusyScript
			}
			if other {
				return errBusyFunction
			}
			return errNotBusy
		}
		if wrote {
			return errUnkillable
		}
		found.kctx.kill(found.killErr)
		return nil
	}
}

func scriptKill(c *core.Ctx) error {
	if err := stateOf(c).kill(false); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

// newRun readies the state's reusable run context.
func (v *vm) newRun(c *core.Ctx, name string, function, readOnly bool) *runCtx {
	r := &v.rc
	r.c, r.name, r.function, r.readOnly = c, name, function, readOnly
	r.resp, r.wrote, r.allowOOM = 0, false, false
	return r
}

// argTable fills KEYS or ARGV. EVAL reuses the state's two tables (a
// script cannot keep them: globals are read-only); a function gets new
// ones, since its library may keep them.
func (v *vm) argTable(cache **lua.LTable, items [][]byte, fresh bool) *lua.LTable {
	t := *cache
	if fresh || t == nil {
		t = v.L.CreateTable(len(items), 0)
		if !fresh {
			*cache = t
		}
	} else {
		for n := t.Len(); n > len(items); n-- {
			t.RawSetInt(n, lua.LNil)
		}
	}
	for i, k := range items {
		// A reused table keeps the value when it is the same string (the
		// same keys run after run): no new string and no boxing.
		if !fresh {
			if old, ok := t.RawGetInt(i + 1).(lua.LString); ok && string(old) == string(k) {
				continue
			}
		}
		t.RawSetInt(i+1, lua.LString(k))
	}
	return t
}

// Stop implements core.Stopper. It runs after a server's final save: the
// states of servers that stopped are forgotten and their Lua states closed
// (a process may run many servers, as tests do).
func (Module) Stop() error {
	statesMu.Lock()
	var gone []*state
	for ks, s := range states {
		if ref := s.server.Load(); ref != nil && ref.stopped() {
			running := false
			s.eng.each(func(v *vm) { running = running || v.started.Load() != 0 })
			if !running {
				delete(states, ks)
				gone = append(gone, s)
			}
		}
	}
	statesMu.Unlock()
	for _, s := range gone {
		lastSt.CompareAndSwap(s, nil)
		s.eng.closeIdle()
	}
	return nil
}
