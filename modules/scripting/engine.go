package scripting

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/redmod/redmod/core"
)

// killCtx is the context.Context a pooled Lua state runs under: gopher-lua
// checks Done between instructions, so closing it stops a script anywhere,
// even in a loop of pcalls. It is reused across runs and renewed only after
// a kill, so a run costs no allocation.
type killCtx struct {
	done atomic.Pointer[chan struct{}]
	err  atomic.Pointer[error]
	mu   sync.Mutex
}

func (k *killCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (k *killCtx) Value(any) any               { return nil }
func (k *killCtx) Done() <-chan struct{}       { return *k.done.Load() }
func (k *killCtx) Err() error {
	if p := k.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (k *killCtx) init() {
	ch := make(chan struct{})
	k.done.Store(&ch)
}

func (k *killCtx) kill(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err.Load() == nil {
		k.err.Store(&err)
		close(*k.done.Load())
	}
}

// reset readies a killed context for the next run.
func (k *killCtx) reset() {
	if k.err.Load() == nil {
		return // not killed: nothing to renew (the common case, lock-free)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err.Load() != nil {
		k.init()
		k.err.Store(nil)
	}
}

var errKilled = errors.New("ERR Script killed by user with SCRIPT KILL...")
var errFunctionKilled = errors.New("ERR Script killed by user with FUNCTION KILL...")

// vm is one pooled Lua state with Redis's libraries and sandbox.
type vm struct {
	eng   *engine
	L     *lua.LState
	G     *lua.LTable // the real globals
	env   *lua.LTable // what scripts see as _G: read-only proxy of G
	redis *lua.LTable
	kctx  killCtx

	gen     uint64                    // script cache generation of fns
	fns     map[string]*lua.LFunction // EVAL scripts by sha
	libGen  uint64                    // function libraries generation of funcs
	funcs   map[string]*lua.LFunction
	proxies []*lua.LTable // read-only proxies checked after each run

	run   *runCtx // the script running now, nil when idle
	rc    runCtx  // reused for every run
	keysT *lua.LTable
	argvT *lua.LTable
	// argsBound says the globals KEYS and ARGV hold keysT and argvT.
	argsBound bool
	runs      uint64

	// Read by the watchdog and SCRIPT KILL while the script runs.
	busy    atomic.Bool
	isFunc  atomic.Bool
	wrote   atomic.Bool
	busyErr error
	killErr error

	fenv    *lua.LTable // environment of function libraries (libEnv)
	loading *loading    // set while library code loads
	curName atomic.Pointer[string]
	curArgs atomic.Pointer[[][]byte]

	handler *lua.LFunction // the message handler of PCall
	errSrc  string
	errLine int
	rng     *rand.Rand

	// started is when the current run began (runClock), 0 when idle; the
	// watchdog reads it.
	started atomic.Int64
	broken  bool // the sandbox was tampered with: drop the state
}

// engine owns the pool of Lua states.
type engine struct {
	mu   sync.Mutex
	free []*vm
	all  []*vm
}

func (e *engine) get() *vm {
	e.mu.Lock()
	if n := len(e.free); n > 0 {
		v := e.free[n-1]
		e.free = e.free[:n-1]
		e.mu.Unlock()
		return v
	}
	e.mu.Unlock()
	v := newVM(e)
	e.mu.Lock()
	e.all = append(e.all, v)
	e.mu.Unlock()
	return v
}

func (e *engine) put(v *vm) {
	v.kctx.reset()
	e.mu.Lock()
	defer e.mu.Unlock()
	if v.broken || len(e.free) >= 64 {
		for i, w := range e.all {
			if w == v {
				e.all = append(e.all[:i], e.all[i+1:]...)
				break
			}
		}
		v.L.Close()
		return
	}
	e.free = append(e.free, v)
}

// closeIdle closes the idle states, for a server that stopped.
func (e *engine) closeIdle() {
	e.mu.Lock()
	free := e.free
	e.free = nil
	for _, v := range free {
		for i, w := range e.all {
			if w == v {
				e.all = append(e.all[:i], e.all[i+1:]...)
				break
			}
		}
	}
	e.mu.Unlock()
	for _, v := range free {
		v.L.Close()
	}
}

// each calls fn for every state, idle or running.
func (e *engine) each(fn func(v *vm)) {
	e.mu.Lock()
	all := append([]*vm(nil), e.all...)
	e.mu.Unlock()
	for _, v := range all {
		fn(v)
	}
}

// memory estimates the Lua heap of the pool, for INFO used_memory_lua:
// about 32 KB per state, as a fresh Redis Lua state (at least one).
func (e *engine) memory() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return int64(max(len(e.all), 1)) * 31744
}

// removed are the functions of Lua's base library Redis takes out.
var removed = []string{"loadfile", "dofile", "print", "getfenv", "setfenv", "module", "require", "newproxy", "_printregs"}

func newVM(e *engine) *vm {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 256, RegistrySize: 1024 * 20, RegistryMaxSize: 1024 * 1024})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	v := &vm{eng: e, L: L, G: L.G.Global, fns: map[string]*lua.LFunction{}, funcs: map[string]*lua.LFunction{}}
	G := v.G
	for _, name := range removed {
		G.RawSetString(name, lua.LNil)
	}
	// Lua 5.1's extras that Redis's Lua has and gopher-lua lacks.
	tab := G.RawGetString("table").(*lua.LTable)
	tab.RawSetString("getn", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(L.CheckTable(1).Len())); return 1 }))
	tab.RawSetString("setn", L.NewFunction(func(L *lua.LState) int { return 0 }))
	tab.RawSetString("foreach", L.NewFunction(tableForeach))
	tab.RawSetString("foreachi", L.NewFunction(tableForeachi))
	G.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(64)); return 1 }))
	str := G.RawGetString("string").(*lua.LTable)
	str.RawSetString("gfind", str.RawGetString("gmatch"))
	guardStringLib(L, str)
	math := G.RawGetString("math").(*lua.LTable)
	v.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	math.RawSetString("random", L.NewFunction(v.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(v.mathRandomSeed))
	G.RawSetString("tostring", L.NewFunction(luaToString))
	// Redis's read-only tables refuse a new metatable with the same
	// words as any other write.
	setmt := G.RawGetString("setmetatable").(*lua.LFunction)
	G.RawSetString("setmetatable", L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok && slices.Contains(v.proxies, t) {
			L.RaiseError("Attempt to modify a readonly table")
		}
		L.Push(setmt)
		L.Push(L.Get(1))
		L.Push(L.Get(2))
		L.Call(2, 1)
		return 1
	}))
	G.RawSetString("error", L.NewFunction(luaError))
	G.RawSetString("bit", openBit(L))
	G.RawSetString("cjson", openCjson(L))
	G.RawSetString("cmsgpack", openCmsgpack(L))
	G.RawSetString("struct", openStruct(L))
	v.redis = v.openRedis()
	G.RawSetString("redis", v.redis)
	// The message handler Redis installs; scripts see it as a global.
	G.RawSetString("__redis__err__handler", L.NewFunction(func(L *lua.LState) int { L.Push(L.Get(1)); return 1 }))

	// Library tables become read-only proxies, as in Redis 7, so that one
	// script cannot change what the next one sees in this pooled state.
	for _, name := range []string{"string", "table", "math", "coroutine", "bit", "cjson", "cmsgpack", "struct", "redis"} {
		real := G.RawGetString(name).(*lua.LTable)
		G.RawSetString(name, v.readOnly(real, false))
	}
	v.env = v.readOnly(G, true)
	G.RawSetString("_G", v.env)
	L.Env = v.env
	// The string metatable's __index must see the real string table.
	v.handler = L.NewFunction(func(L *lua.LState) int {
		v.errSrc, v.errLine = callerPosition(L)
		// The failed frame is still there: Lua 5.1's text for a call of
		// a non-function is rebuilt from it (callerror.go).
		if s, ok := L.Get(1).(lua.LString); ok {
			L.Push(lua.LString(withLuaCallError(L, string(s))))
			return 1
		}
		L.Push(L.Get(1))
		return 1
	})
	v.kctx.init()
	L.SetContext(&v.kctx)
	return v
}

// readOnly returns an empty table that reads through to real and refuses
// writes. With globals set, reading a missing name is an error, as Redis's
// globals protection makes it.
func (v *vm) readOnly(real *lua.LTable, globals bool) *lua.LTable {
	L := v.L
	p := L.NewTable()
	mt := L.NewTable()
	if globals {
		miss := L.NewTable()
		miss.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
			return 0
		}))
		L.SetMetatable(real, miss)
	}
	mt.RawSetString("__index", real)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	if globals {
		mt.RawSetString("__metatable", v.readOnlyView())
	} else {
		mt.RawSetString("__metatable", lua.LFalse)
	}
	L.SetMetatable(p, mt)
	v.proxies = append(v.proxies, p)
	return p
}

// readOnlyView is what getmetatable returns for a read-only table: as in
// Redis, a table that can be read but not written (here an empty one, so
// that nothing reaches the real tables through it).
func (v *vm) readOnlyView() *lua.LTable {
	L := v.L
	view := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(view, mt)
	v.proxies = append(v.proxies, view)
	return view
}

// intact reports whether the read-only proxies are still empty (rawset can
// bypass __newindex); a state that was tampered with is dropped.
func (v *vm) intact() bool {
	for _, p := range v.proxies {
		if k, _ := p.Next(lua.LNil); k != lua.LNil {
			return false
		}
	}
	return true
}

func tableForeach(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	k, val := t.Next(lua.LNil)
	for k != lua.LNil {
		L.Push(f)
		L.Push(k)
		L.Push(val)
		L.Call(2, 1)
		r := L.Get(-1)
		L.Pop(1)
		if r != lua.LNil {
			L.Push(r)
			return 1
		}
		k, val = t.Next(k)
	}
	return 0
}

func tableForeachi(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(f)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		r := L.Get(-1)
		L.Pop(1)
		if r != lua.LNil {
			L.Push(r)
			return 1
		}
	}
	return 0
}

// scriptError is an error raised while running a script, already in the
// form Redis replies it ("ERR ... script: <sha>, on @user_script:1.").
type scriptError struct{ text string }

func (e *scriptError) Error() string { return e.text }

// errTable builds the table form of an error reply ({err=msg}).
func errTable(L *lua.LState, msg string) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("err", lua.LString(msg))
	return t
}

// raise raises msg as an error table, as Redis's luaError does for errors
// of the redis library; source and line are those of the script's caller.
func raise(L *lua.LState, msg string) { raiseTable(L, errTable(L, msg)) }

// raiseTable raises an error table, adding the caller's position.
func raiseTable(L *lua.LState, t *lua.LTable) {
	src, line := callerPosition(L)
	if src != "" {
		t.RawSetString("source", lua.LString(src))
		t.RawSetString("line", lua.LNumber(line))
	}
	L.Error(t, 0)
}

// callerPosition finds the innermost Lua (not Go) frame.
func callerPosition(L *lua.LState) (string, int) {
	for level := 0; level < 64; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.What == "G" || dbg.CurrentLine <= 0 {
			continue
		}
		return dbg.Source, dbg.CurrentLine
	}
	return "", 0
}

// formatError turns what a failed pcall produced into the error reply:
// Redis's "<message> script: <name>, on @<source>:<line>.".
func formatError(obj lua.LValue, name string, src string, line int) string {
	var msg string
	switch o := obj.(type) {
	case *lua.LTable:
		if e, ok := o.RawGetString("err").(lua.LString); ok {
			msg = string(e)
		} else {
			msg = "ERR unknown error"
		}
		if s, ok := o.RawGetString("source").(lua.LString); ok {
			src = string(s)
		}
		if l, ok := o.RawGetString("line").(lua.LNumber); ok {
			line = int(l)
		}
	case lua.LString:
		msg = "ERR " + string(o)
		if line == 0 {
			line = positionIn(string(o))
		}
	default:
		msg = "ERR " + obj.String()
	}
	msg = strings.TrimPrefix(msg, "-")
	msg = strings.NewReplacer("\r", " ", "\n", " ").Replace(msg)
	if src == "" {
		src = "user_script"
	}
	if !strings.HasPrefix(src, "@") {
		src = "@" + src
	}
	return msg + " script: " + name + ", on " + src + ":" + itoa(line) + "."
}

func itoa(n int) string { return string(core.FormatInt(int64(n))) }

// luaToString is tostring with Lua 5.1's number format (%.14g).
func luaToString(L *lua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(lua.LNumber); ok {
		L.Push(lua.LString(formatLuaNumber(float64(n))))
		return 1
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

func (v *vm) runName() string {
	if p := v.curName.Load(); p != nil {
		return *p
	}
	return ""
}

// runCommand returns the command that started the running script (FUNCTION
// STATS shows it).
func (v *vm) runCommand() [][]byte {
	if p := v.curArgs.Load(); p != nil {
		return *p
	}
	return nil
}

func (v *vm) durationMs() int64 {
	st := v.started.Load()
	if st == 0 {
		return 0
	}
	return (runClock() - st) / int64(time.Millisecond)
}

// clockBase anchors runClock.
var clockBase = time.Now()

// runClock returns monotonic nanoseconds since clockBase, never 0, to time
// script runs (vm.started).
func runClock() int64 { return int64(time.Since(clockBase)) + 1 }

// luaError is Lua 5.1's error: a string or number message gets the
// position of the given level.
func luaError(L *lua.LState) int {
	obj := L.CheckAny(1)
	level := L.OptInt(2, 1)
	if n, ok := obj.(lua.LNumber); ok {
		obj = lua.LString(formatLuaNumber(float64(n)))
	}
	L.Error(obj, level)
	return 0
}

// positionIn reads the line of a "user_script:12: message" error text.
func positionIn(s string) int {
	for _, p := range []string{"user_script:", "user_function:"} {
		if strings.HasPrefix(s, p) {
			n := 0
			for _, c := range s[len(p):] {
				if c < '0' || c > '9' {
					break
				}
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	return 0
}
