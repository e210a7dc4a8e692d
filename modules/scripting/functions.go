package scripting

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/redmod/redmod/core"
)

// function is one registered function of a library.
type function struct {
	name        string
	description *string
	flags       []string
	noWrites    bool
	allowOOM    bool
	allowStale  bool
}

// library is a FUNCTION LOAD library: its code and functions.
type library struct {
	name  string
	code  string
	proto *lua.FunctionProto
	funcs []*function // in registration order
}

// libraries are a server's function libraries.
type libraries struct {
	mu    sync.RWMutex
	libs  map[string]*library
	funcs map[string]*library // function name -> library
	gen   atomic.Uint64
}

func (l *libraries) init() {
	l.libs = map[string]*library{}
	l.funcs = map[string]*library{}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

var errLibName = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// parseLibrary reads the "#!lua name=<lib>" shebang and compiles the code.
func parseLibrary(code string) (*library, error) {
	if !strings.HasPrefix(code, "#!") {
		return nil, core.NewError("ERR Missing library metadata")
	}
	i := strings.IndexByte(code, '\n')
	if i < 0 {
		return nil, core.NewError("ERR Invalid library metadata")
	}
	line, rest := code[:i], code[i:]
	// Redis splits the shebang as it splits arguments (quotes allowed),
	// checks the metadata, then looks the engine ("#!lua") up.
	parts, ok := core.SplitArgs(line)
	if !ok || len(parts) == 0 {
		return nil, core.NewError("ERR Invalid library metadata")
	}
	lib := &library{code: code}
	named := false
	for _, p := range parts[1:] {
		if len(p) < 5 || !strings.EqualFold(p[:5], "name=") {
			return nil, core.NewError("ERR Invalid metadata value given: " + p)
		}
		if named {
			return nil, core.NewError("ERR Invalid metadata value, name argument was given multiple times")
		}
		named = true
		lib.name = p[len("name="):]
	}
	if !named {
		return nil, core.NewError("ERR Library name was not given")
	}
	if engine := parts[0][2:]; !strings.EqualFold(engine, "lua") {
		return nil, core.NewError("ERR Engine '" + engine + "' not found")
	}
	if !validName(lib.name) {
		return nil, core.NewError(errLibName)
	}
	proto, err := compile(rest, "user_function")
	if err != nil {
		return nil, core.NewError("ERR Error compiling function: " + luaSyntaxError(err, "user_function", rest))
	}
	lib.proto = proto
	return lib, nil
}

const loadTimeout = 500 * time.Millisecond

var errLoadTimeout = errors.New("ERR FUNCTION LOAD timeout")

// loadGlobals are the globals library code sees while it loads besides
// the load-time redis API: none in Redis 7.0 (not even string or math).
var loadGlobals []string

// libEnv returns the environment of library code in this state: during a
// load it offers only the load-time API; afterwards (when the registered
// functions run) it reads the ordinary globals.
func (v *vm) libEnv() *lua.LTable {
	if v.fenv != nil {
		return v.fenv
	}
	L := v.L
	loadRedis := L.NewTable()
	loadRedis.RawSetString("register_function", L.NewFunction(v.registerFunction))
	for _, k := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		loadRedis.RawSetString(k, v.redis.RawGetString(k))
	}
	loadRedisRO := v.readOnly(loadRedis, true)
	p := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		k := L.CheckAny(2)
		name, _ := k.(lua.LString)
		if v.loading != nil {
			if name == "redis" {
				L.Push(loadRedisRO)
				return 1
			}
			for _, g := range loadGlobals {
				if string(name) == g {
					L.Push(v.G.RawGet(k))
					return 1
				}
			}
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", k.String())
		}
		val := v.G.RawGet(k)
		if val == lua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", k.String())
		}
		L.Push(val)
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", v.readOnlyView())
	L.SetMetatable(p, mt)
	v.proxies = append(v.proxies, p)
	v.fenv = p
	return p
}

// loading collects what redis.register_function registers during a load.
type loading struct {
	lib   *library
	funcs map[string]*lua.LFunction
}

func (v *vm) registerFunction(L *lua.LState) int {
	ld := v.loading
	if ld == nil {
		raise(L, "ERR redis.register_function can only be called on FUNCTION LOAD command")
	}
	var name string
	var cb *lua.LFunction
	f := &function{}
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			raise(L, "ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		var bad string
		forEach(t, func(k, val lua.LValue) {
			switch k.String() {
			case "function_name":
				if s, ok := val.(lua.LString); ok {
					name = string(s)
				} else {
					bad = "ERR function_name argument given to redis.register_function must be a string"
				}
			case "callback":
				if fn, ok := val.(*lua.LFunction); ok {
					cb = fn
				} else {
					bad = "ERR callback argument given to redis.register_function must be a function"
				}
			case "description":
				if s, ok := val.(lua.LString); ok {
					d := string(s)
					f.description = &d
				} else {
					bad = "ERR description argument given to redis.register_function must be a string"
				}
			case "flags":
				ft, ok := val.(*lua.LTable)
				if !ok {
					bad = "ERR flags argument to redis.register_function must be a table representing function flags"
					return
				}
				forEach(ft, func(_, fl lua.LValue) {
					s := fl.String()
					switch s {
					case "no-writes":
						f.noWrites = true
					case "allow-oom":
						f.allowOOM = true
					case "allow-stale":
						f.allowStale = true
					case "no-cluster", "allow-cross-slot-keys":
					default:
						bad = "ERR unknown flag given"
						return
					}
					f.flags = append(f.flags, s)
				})
			default:
				bad = "ERR unknown argument given to redis.register_function"
			}
		})
		if bad != "" {
			raise(L, bad)
		}
		if name == "" {
			raise(L, "ERR redis.register_function must get a function name argument")
		}
		if cb == nil {
			raise(L, "ERR redis.register_function must get a callback argument")
		}
	case 2:
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			raise(L, "ERR first argument to redis.register_function must be a string")
		}
		fn, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			raise(L, "ERR second argument to redis.register_function must be a function")
		}
		name, cb = string(s), fn
	default:
		raise(L, "ERR wrong number of arguments to redis.register_function")
	}
	if !validName(name) {
		// Redis 7.0 words this error with "Library names".
		raise(L, errLibName)
	}
	if _, dup := ld.funcs[strings.ToLower(name)]; dup {
		raise(L, "ERR Function already exists in the library")
	}
	f.name = name
	ld.funcs[strings.ToLower(name)] = cb
	ld.lib.funcs = append(ld.lib.funcs, f)
	return 0
}

// loadLibrary runs a library's code in this state and returns its
// functions.
func (v *vm) loadLibrary(lib *library, collect bool) (map[string]*lua.LFunction, error) {
	L := v.L
	ld := &loading{lib: lib, funcs: map[string]*lua.LFunction{}}
	if !collect {
		ld.lib = &library{}
	}
	v.loading = ld
	defer func() { v.loading = nil }()
	fn := L.NewFunctionFromProto(lib.proto)
	fn.Env = v.libEnv()
	top := L.GetTop()
	L.Push(fn)
	// Loading may run at most half a second, as in Redis.
	timer := time.AfterFunc(loadTimeout, func() { v.kctx.kill(errLoadTimeout) })
	err := L.PCall(0, 0, nil)
	timer.Stop()
	L.SetTop(top)
	if v.kctx.Err() != nil {
		v.kctx.reset()
		return nil, core.NewError("ERR Error registering functions: " + errLoadTimeout.Error())
	}
	if err != nil {
		msg := err.Error()
		if ae, ok := err.(*lua.ApiError); ok {
			switch o := ae.Object.(type) {
			case *lua.LTable:
				if e, ok := o.RawGetString("err").(lua.LString); ok {
					msg = string(e)
				}
			case lua.LString:
				msg = "ERR " + string(o)
			}
		}
		return nil, core.NewError("ERR Error registering functions: " + strings.TrimSuffix(msg, "\n"))
	}
	if len(ld.funcs) == 0 {
		return nil, core.NewError("ERR No functions registered")
	}
	return ld.funcs, nil
}

// functionsOf returns the state's registered functions, loading the
// libraries again after they changed.
func (v *vm) functionsOf(s *state) map[string]*lua.LFunction {
	g := s.libs.gen.Load()
	if g == v.libGen && v.funcs != nil {
		return v.funcs
	}
	s.libs.mu.RLock()
	libs := make([]*library, 0, len(s.libs.libs))
	for _, l := range s.libs.libs {
		libs = append(libs, l)
	}
	s.libs.mu.RUnlock()
	v.funcs = map[string]*lua.LFunction{}
	for _, l := range libs {
		fns, err := v.loadLibrary(l, false)
		if err != nil {
			continue
		}
		for name, fn := range fns {
			v.funcs[name] = fn // lower-case names
		}
	}
	v.libGen = g
	return v.funcs
}

func fcallCommand(ro bool) func(c *core.Ctx) error {
	return func(c *core.Ctx) error {
		s := stateOf(c)
		n, err := numKeys(c.Args)
		if err == core.ErrNotInteger {
			return core.NewError("ERR Bad number of keys provided")
		}
		if err != nil {
			return err
		}
		// Function names are case-insensitive, as in Redis.
		name := strings.ToLower(string(c.Args[1]))
		s.libs.mu.RLock()
		lib := s.libs.funcs[name]
		var f *function
		if lib != nil {
			for _, x := range lib.funcs {
				if strings.EqualFold(x.name, name) {
					f = x
				}
			}
		}
		s.libs.mu.RUnlock()
		if f == nil {
			return core.NewError("ERR Function not found")
		}
		if ro && !f.noWrites {
			return core.NewError("ERR Can not execute a script with write flag using *_ro command.")
		}
		// A function is denyoom unless its flags say otherwise.
		if err := c.WriteRefusal(); err != nil && !f.noWrites {
			return err
		}
		if !f.noWrites && !f.allowOOM && c.OutOfMemory() {
			return core.ErrOOM
		}
		if err := c.StaleRefusal(); err != nil && !f.allowStale {
			return err
		}
		v := s.eng.get()
		defer s.eng.put(v)
		fn := v.functionsOf(s)[name]
		if fn == nil {
			return core.NewError("ERR Function not found")
		}
		r := v.newRun(c, f.name, true, ro || f.noWrites)
		r.allowOOM = f.allowOOM
		return v.execute(s, r, fn, c.Args[3:3+n], c.Args[3+n:], errBusyFunction, errFunctionKilled)
	}
}

// install adds a library (replacing one of the same name when replace).
func (s *state) install(lib *library, replace bool) error {
	l := &s.libs
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.libs[lib.name]
	if old != nil && !replace {
		return core.NewError("ERR Library '" + lib.name + "' already exists")
	}
	for _, f := range lib.funcs {
		if owner := l.funcs[strings.ToLower(f.name)]; owner != nil && owner != old {
			return core.NewError("ERR Function " + f.name + " already exists")
		}
	}
	if old != nil {
		for _, f := range old.funcs {
			delete(l.funcs, strings.ToLower(f.name))
		}
	}
	l.libs[lib.name] = lib
	for _, f := range lib.funcs {
		l.funcs[strings.ToLower(f.name)] = lib
	}
	l.gen.Add(1)
	return nil
}

// compileLibrary parses, loads (to learn its functions) and returns a
// library.
func (s *state) compileLibrary(code string) (*library, error) {
	lib, err := parseLibrary(code)
	if err != nil {
		return nil, err
	}
	v := s.eng.get()
	defer s.eng.put(v)
	if _, err := v.loadLibrary(lib, true); err != nil {
		return nil, err
	}
	return lib, nil
}

func functionLoad(c *core.Ctx) error {
	replace := false
	args := c.Args[2:]
	for len(args) > 1 {
		if core.EqualFold(args[0], "replace") {
			replace = true
			args = args[1:]
			continue
		}
		return core.NewError("ERR Unknown option given: " + string(args[0]))
	}
	if len(args) != 1 {
		return core.NewError("ERR Function code is missing")
	}
	s := stateOf(c)
	lib, err := s.compileLibrary(string(args[0]))
	if err != nil {
		return err
	}
	if err := s.install(lib, replace); err != nil {
		return err
	}
	c.AfterUnlock(func() {})
	c.WriteBulkString(lib.name)
	return nil
}

func functionDelete(c *core.Ctx) error {
	s := stateOf(c)
	l := &s.libs
	l.mu.Lock()
	defer l.mu.Unlock()
	lib := l.libs[string(c.Args[2])]
	if lib == nil {
		return core.NewError("ERR Library not found")
	}
	delete(l.libs, lib.name)
	for _, f := range lib.funcs {
		delete(l.funcs, strings.ToLower(f.name))
	}
	l.gen.Add(1)
	c.WriteOK()
	return nil
}

func functionFlush(c *core.Ctx) error {
	if len(c.Args) > 3 {
		return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try FUNCTION HELP.")
	}
	if len(c.Args) == 3 && !core.EqualFold(c.Args[2], "sync") && !core.EqualFold(c.Args[2], "async") {
		return core.NewError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
	}
	s := stateOf(c)
	s.libs.mu.Lock()
	s.libs.init()
	s.libs.gen.Add(1)
	s.libs.mu.Unlock()
	c.WriteOK()
	return nil
}

func (l *libraries) sorted() []*library {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]*library, 0, len(l.libs))
	for _, lib := range l.libs {
		out = append(out, lib)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func functionList(c *core.Ctx) error {
	withCode := false
	var pattern *core.Pattern
	args := c.Args[2:]
	for len(args) > 0 {
		switch {
		case core.EqualFold(args[0], "withcode"):
			if withCode {
				return core.NewError("ERR Unknown argument " + string(args[0]))
			}
			withCode = true
			args = args[1:]
		case core.EqualFold(args[0], "libraryname"):
			if len(args) < 2 {
				return core.NewError("ERR library name argument was not given")
			}
			if pattern != nil {
				return core.NewError("ERR Unknown argument " + string(args[0]))
			}
			pattern = core.CompilePattern(bytes.ToLower(args[1]))
			args = args[2:]
		default:
			return core.NewError("ERR Unknown argument " + string(args[0]))
		}
	}
	var libs []*library
	for _, lib := range stateOf(c).libs.sorted() {
		// LIBRARYNAME matches without regard to case, as in Redis.
		if pattern == nil || pattern.Match(strings.ToLower(lib.name)) {
			libs = append(libs, lib)
		}
	}
	c.WriteArray(len(libs))
	for _, lib := range libs {
		n := 3
		if withCode {
			n = 4
		}
		c.WriteMap(n)
		c.WriteBulkString("library_name")
		c.WriteBulkString(lib.name)
		c.WriteBulkString("engine")
		c.WriteBulkString("LUA")
		c.WriteBulkString("functions")
		c.WriteArray(len(lib.funcs))
		for _, f := range lib.funcs {
			c.WriteMap(3)
			c.WriteBulkString("name")
			c.WriteBulkString(f.name)
			c.WriteBulkString("description")
			if f.description != nil {
				c.WriteBulkString(*f.description)
			} else {
				c.WriteNull()
			}
			c.WriteBulkString("flags")
			c.WriteSet(len(f.flags))
			for _, fl := range f.flags {
				c.WriteSimple(fl)
			}
		}
		if withCode {
			c.WriteBulkString("library_code")
			c.WriteBulkString(lib.code)
		}
	}
	return nil
}

func functionStats(c *core.Ctx) error {
	s := stateOf(c)
	c.WriteMap(2)
	c.WriteBulkString("running_script")
	var running *vm
	s.eng.each(func(v *vm) {
		if v.started.Load() != 0 && v.isFunc.Load() && running == nil {
			running = v
		}
	})
	if running == nil {
		c.WriteNull()
	} else {
		c.WriteMap(3)
		c.WriteBulkString("name")
		c.WriteBulkString(running.runName())
		c.WriteBulkString("command")
		cmd := running.runCommand()
		c.WriteArray(len(cmd))
		for _, a := range cmd {
			c.WriteBulk(a)
		}
		c.WriteBulkString("duration_ms")
		c.WriteInt(running.durationMs())
	}
	libs := s.libs.sorted()
	nf := 0
	for _, l := range libs {
		nf += len(l.funcs)
	}
	c.WriteBulkString("engines")
	c.WriteMap(1)
	c.WriteBulkString("LUA")
	c.WriteMap(2)
	c.WriteBulkString("libraries_count")
	c.WriteInt(int64(len(libs)))
	c.WriteBulkString("functions_count")
	c.WriteInt(int64(nf))
	return nil
}

func functionKill(c *core.Ctx) error {
	if err := stateOf(c).kill(true); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

func functionHelp(c *core.Ctx) error {
	c.WriteStrings([]string{
		"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
		"HELP",
		"    Print this help.",
	})
	return nil
}

func functionCommand() core.Command {
	return core.NewCommand(core.Spec{Name: "function", Arity: -2, Group: "scripting", Summary: "A container for function commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "load", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagNoScript | core.FlagNoKeys, Summary: "Create a function with the given arguments (name, code, description)",
				Syntax: "[REPLACE] function-code"}, functionLoad),
			sub(core.Spec{Name: "delete", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Arity: 3, Flags: core.FlagWrite | core.FlagNoScript | core.FlagNoKeys, Summary: "Delete a function by name",
				Syntax: "library-name"}, functionDelete),
			sub(core.Spec{Name: "flush", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Arity: -2, Flags: core.FlagWrite | core.FlagNoScript | core.FlagNoKeys, Summary: "Deleting all functions",
				Syntax: "[ASYNC|SYNC]"}, functionFlush),
			sub(core.Spec{Name: "list", Arity: -2, Flags: core.FlagNoScript, Summary: "List information about all the functions", Tips: []string{"nondeterministic_output_order"},
				Syntax: "[LIBRARYNAME library-name-pattern] [WITHCODE]"}, functionList),
			sub(core.Spec{Name: "stats", Arity: 2, Flags: core.FlagNoScript | core.FlagAllowBusy, Summary: "Return information about the function currently running (name, description, duration)", Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}}, functionStats),
			sub(core.Spec{Name: "kill", Arity: 2, Flags: core.FlagNoScript | core.FlagAllowBusy, Summary: "Kill the function currently in execution.", Tips: []string{"request_policy:all_shards", "response_policy:one_succeeded"}}, functionKill),
			sub(core.Spec{Name: "dump", Arity: 2, Flags: core.FlagNoScript, Summary: "Dump all functions into a serialized binary payload"}, functionDump),
			sub(core.Spec{Name: "restore", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Arity: -3, Flags: core.FlagWrite | core.FlagDenyOOM | core.FlagNoScript | core.FlagNoKeys, Summary: "Restore all the functions on the given payload",
				Syntax: "serialized-value [FLUSH|APPEND|REPLACE]"}, functionRestore),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Summary: "Show helpful text about the different subcommands"}, functionHelp),
		}}, nil)
}
