package core

import (
	"errors"
	"fmt"
	"sync"
)

// FreeEffort is implemented by values made of many allocations: it returns
// about how many (the nodes of a list or stream, the elements of a hash
// table or skip list), as Redis's lazyfreeGetFreeEffort counts them. A
// value without it counts as one.
type FreeEffort interface {
	FreeEffort() int
}

// LazyFreeThreshold is the free effort above which Redis frees a value
// deleted lazily in its background thread (its LAZYFREE_THRESHOLD).
const LazyFreeThreshold = 64

// HasFreeEffortAbove reports whether v's free effort passes n.
func HasFreeEffortAbove(v Value, n int) bool { return freeEffort(v) > n }

func freeEffort(v Value) int {
	if f, ok := v.(FreeEffort); ok {
		return f.FreeEffort()
	}
	return 1
}

// Value is what a key holds. Each data type's module provides its own
// implementation; the keyspace, persistence, COPY, TYPE, OBJECT ENCODING and
// MEMORY USAGE use only this interface, so a new type plugs in without
// changes elsewhere.
type Value interface {
	// Type returns the descriptor shared by all values of the type.
	Type() *Type
	// Encoding returns the name OBJECT ENCODING reports ("listpack", ...).
	Encoding() string
	// MemoryUsage estimates the bytes the value occupies, for MEMORY USAGE
	// and INFO.
	MemoryUsage() int
	// Clone returns a deep copy, for COPY.
	Clone() Value
	// AppendSnapshot appends the value's snapshot encoding to dst; the
	// type's Decode reverses it. Snapshot helpers (AppendUvarint,
	// AppendBytes, SnapshotReader) keep encodings compact and safe to read.
	AppendSnapshot(dst []byte) []byte
}

// Type describes a data type: the name TYPE replies with and the decoder of
// its snapshot encoding. A module provides its types through TypeProvider.
type Type struct {
	// Name is the reply of TYPE ("string", "list") and the type's tag in
	// snapshots; it must be unique.
	Name string
	// Decode rebuilds a value from the bytes AppendSnapshot wrote. It must
	// reject malformed input with an error, never panic or allocate beyond
	// what the input can justify.
	Decode func(payload []byte) (Value, error)
	// Native, when set, declares the type to be the server's
	// implementation of one of Redis's standard types (list, set, zset,
	// hash, stream): its values are written to RDB files and DUMP payloads
	// in Redis's own encodings of that type, and values of that type in
	// Redis's files are built with Native.Build. Its values must implement
	// NativeValue. At most one registered type may claim each kind.
	Native *Native
	// ModuleTypeName is the 9-character name (letters, digits, '-', '_')
	// under which values of a type that is not native are written to RDB
	// files, as a Redis module's type is. Empty: Name, with characters
	// outside that set replaced by '_', cut or padded with '_' to 9.
	ModuleTypeName string
	// EncodingVersion (0-1023) is written with each value of a non-native
	// type; Decode may read it from the value's own bytes instead, as the
	// version is not passed back.
	EncodingVersion int
}

// RDBModuleName returns the 9-character module type name of a non-native
// type (see ModuleTypeName).
func (t *Type) RDBModuleName() string {
	if t.ModuleTypeName != "" {
		return t.ModuleTypeName
	}
	b := []byte(t.Name)
	if len(b) > 9 {
		b = b[:9]
	}
	for i, c := range b {
		if !validModuleNameChar(c) {
			b[i] = '_'
		}
	}
	for len(b) < 9 {
		b = append(b, '_')
	}
	return string(b)
}

func validModuleNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// String is the string type: a binary-safe byte string. It lives in core
// because every data set has strings and several modules read them (SORT BY,
// bit operations), while the strings module provides the commands.
type String struct {
	// B holds the value. Commands may change it in place while they hold the
	// key's lock.
	B []byte
	// modified records that the value was changed in place (APPEND,
	// SETRANGE), which Redis reports as the "raw" encoding from then on.
	modified bool
	// text records that Redis built the value as text without trying the
	// integer encoding (INCRBYFLOAT's result), so it is never "int".
	text bool
	// copied records that the value is a COPY, which Redis makes as a
	// private object even for a small integer it would otherwise share.
	copied bool
}

// StringType is the descriptor of String values.
var StringType = &Type{
	Name: "string",
	Decode: func(p []byte) (Value, error) {
		return &String{B: append([]byte(nil), p...)}, nil
	},
}

// NewString returns a String holding b, which it keeps (it does not copy).
func NewString(b []byte) *String { return &String{B: b} }

// Type implements Value.
func (s *String) Type() *Type { return StringType }

// MarkModified records an in-place change, which OBJECT ENCODING reports as
// "raw" as Redis does.
func (s *String) MarkModified() { s.modified = true }

// MarkText records that the value was built as text, as INCRBYFLOAT builds
// its result: OBJECT ENCODING then reports "embstr" or "raw" even when the
// text reads as an integer, as Redis does.
func (s *String) MarkText() { s.text = true }

// Encoding implements Value with Redis's rules: "int" for a canonical 64-bit
// integer, "embstr" for up to 44 bytes, "raw" otherwise or once modified.
func (s *String) Encoding() string {
	if s.modified {
		return "raw"
	}
	if len(s.B) <= 20 && !s.text {
		if _, ok := ParseInt(s.B); ok {
			return "int"
		}
	}
	if len(s.B) > 44 {
		return "raw"
	}
	return "embstr"
}

// MemoryUsage implements Value.
func (s *String) MemoryUsage() int { return 16 + cap(s.B) }

// Clone implements Value. The copy keeps the encoding, as Redis's COPY does.
func (s *String) Clone() Value {
	return &String{B: append([]byte(nil), s.B...), modified: s.modified, text: s.text, copied: true}
}

// plain reports that the value carries no history that OBJECT ENCODING
// shows, so that the bytes alone say what it is.
func (s *String) plain() bool { return !s.modified && !s.text && !s.copied }

// Shared reports whether Redis would hold the value as one of its shared
// objects, the integers 0-9999, which OBJECT REFCOUNT reports as 2147483647.
// A COPY is never shared.
func (s *String) Shared() bool {
	if s.copied || s.Encoding() != "int" {
		return false
	}
	n, _ := s.Int()
	return n >= 0 && n < 10000
}

// AppendSnapshot implements Value: the bytes themselves.
func (s *String) AppendSnapshot(dst []byte) []byte { return append(dst, s.B...) }

// Int returns the value as an integer, or ErrNotInteger.
func (s *String) Int() (int64, error) {
	n, ok := ParseInt(s.B)
	if !ok {
		return 0, ErrNotInteger
	}
	return n, nil
}

// Sortable is implemented by the collection values SORT and SORT_RO accept
// (lists, sets, sorted sets). SORT lives in the lists module; through this
// interface it sorts the types of other modules without importing them.
type Sortable interface {
	Value
	// SortElements returns the elements, which the caller must not change.
	// ordered reports that their order means something (a list's, a sorted
	// set's by score), which SORT ... BY nosort keeps; a set's order does
	// not, and SORT ... BY nosort STORE sorts it, as Redis does.
	SortElements() (elems [][]byte, ordered bool)
}

var typesMu sync.RWMutex
var typesByName = map[string]*Type{StringType.Name: StringType}
var typesByNative = map[NativeKind]*Type{}
var typesByModuleName = map[string]*Type{}

// RegisterType makes a type known to snapshot loading, and panics where
// AddType returns an error. Modules do not call it: the registry adds the
// types a module provides and reports a conflict at start.
func RegisterType(t *Type) {
	if err := AddType(t); err != nil {
		panic(err)
	}
}

// AddType makes a type known to snapshot loading. The registry calls it for
// the types a module provides. Adding the same *Type again does nothing; a
// second type with a name, Redis type or module type name already taken,
// or an invalid module type name or encoding version, is an error and
// changes nothing.
func AddType(t *Type) error {
	if t == nil || t.Name == "" {
		return errors.New("redmod: a type without a name")
	}
	typesMu.Lock()
	defer typesMu.Unlock()
	if old, ok := typesByName[t.Name]; ok && old != t {
		return fmt.Errorf("redmod: type %q registered twice", t.Name)
	}
	if t.Native != nil {
		if old, ok := typesByNative[t.Native.Kind]; ok && old != t {
			return fmt.Errorf("redmod: types %q and %q both claim Redis type %s", old.Name, t.Name, t.Native.Kind)
		}
	} else {
		mn := t.RDBModuleName()
		ok := len(mn) == 9
		for i := 0; ok && i < 9; i++ {
			ok = validModuleNameChar(mn[i])
		}
		if !ok || t.EncodingVersion < 0 || t.EncodingVersion > 1023 {
			return fmt.Errorf("redmod: type %q has an invalid module type name or encoding version", t.Name)
		}
		if old, ok := typesByModuleName[mn]; ok && old != t {
			return fmt.Errorf("redmod: types %q and %q share module type name %q", old.Name, t.Name, mn)
		}
		typesByModuleName[mn] = t
	}
	typesByName[t.Name] = t
	if t.Native != nil {
		typesByNative[t.Native.Kind] = t
	}
	return nil
}

// LookupModuleType returns the registered non-native type whose module type
// name (see Type.ModuleTypeName) is name.
func LookupModuleType(name string) (*Type, bool) {
	typesMu.RLock()
	defer typesMu.RUnlock()
	t, ok := typesByModuleName[name]
	return t, ok
}

// LookupType returns the registered type with the given name.
func LookupType(name string) (*Type, bool) {
	typesMu.RLock()
	defer typesMu.RUnlock()
	t, ok := typesByName[name]
	return t, ok
}
