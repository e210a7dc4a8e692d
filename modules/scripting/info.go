package scripting

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// InfoSections implements core.InfoProvider: the module adds fields to the
// standard memory section only.
func (Module) InfoSections() []string { return nil }

// Info implements core.InfoProvider; InfoFor is used instead.
func (Module) Info(section string) []core.InfoField { return nil }

// InfoFor implements core.KeyspaceInfoProvider: Redis 7.0's scripting
// fields of INFO memory. The Lua heap is estimated per pooled state.
func (Module) InfoFor(ks *core.Keyspace, section string) []core.InfoField {
	if section != "memory" {
		return nil
	}
	s := existingState(ks)
	if s == nil {
		// A server whose state Stop already forgot: an empty one, not kept.
		s = &state{ks: ks, sc: map[string]*script{}}
		s.libs.init()
	}
	s.mu.RLock()
	nScripts, scriptsMem := len(s.sc), s.scSz
	s.mu.RUnlock()
	scriptsMem += int64(nScripts) * 120
	libs := s.libs.sorted()
	nFuncs, funcsMem := 0, int64(0)
	for _, l := range libs {
		nFuncs += len(l.funcs)
		funcsMem += int64(len(l.code)) + 100
	}
	vmEval := s.eng.memory()
	vmFuncs := int64(32768) // the functions' share of the pooled states
	f := func(name string, v int64) core.InfoField {
		return core.InfoField{Name: name, Value: strconv.FormatInt(v, 10)}
	}
	h := func(name string, v int64) core.InfoField {
		return core.InfoField{Name: name, Value: humanBytes(v)}
	}
	return []core.InfoField{
		f("used_memory_lua", vmEval),
		f("used_memory_vm_eval", vmEval),
		h("used_memory_lua_human", vmEval),
		f("used_memory_scripts_eval", scriptsMem),
		f("number_of_cached_scripts", int64(nScripts)),
		f("number_of_functions", int64(nFuncs)),
		f("number_of_libraries", int64(len(libs))),
		f("used_memory_vm_functions", vmFuncs),
		f("used_memory_vm_total", vmEval+vmFuncs),
		h("used_memory_vm_total_human", vmEval+vmFuncs),
		f("used_memory_functions", funcsMem),
		f("used_memory_scripts", scriptsMem+funcsMem),
		h("used_memory_scripts_human", scriptsMem+funcsMem),
	}
}

// humanBytes formats a size as Redis's INFO does (1.50K, 2.00M).
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case f < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case f < 1024*1024:
		return strconv.FormatFloat(f/1024, 'f', 2, 64) + "K"
	case f < 1024*1024*1024:
		return strconv.FormatFloat(f/1024/1024, 'f', 2, 64) + "M"
	}
	return strconv.FormatFloat(f/1024/1024/1024, 'f', 2, 64) + "G"
}
