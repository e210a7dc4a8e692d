package core_test

import (
	"fmt"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
)

// words is a list type of its own: it stores a list's elements as Go
// strings. Declaring Native and implementing NativeValue is all it takes
// for RDB files and DUMP payloads to hold it as a Redis list, which Redis
// (and the lists module here) reads back.
type words []string

var wordsType = &core.Type{Name: "words", Native: &core.Native{Kind: core.NativeList,
	Build: func(c core.NativeContent) (core.Value, error) {
		var w words
		for e := range c.Elements {
			w = append(w, string(e))
		}
		return w, nil
	}}}

func (w words) Type() *core.Type                 { return wordsType }
func (w words) Encoding() string                 { return "quicklist" }
func (w words) MemoryUsage() int                 { return 24 * len(w) }
func (w words) Clone() core.Value                { return append(words(nil), w...) }
func (w words) AppendSnapshot(dst []byte) []byte { return dst } // not used: native types persist through their view

// NativeContent gives the elements, head to tail, without copying.
func (w words) NativeContent() core.NativeContent {
	return core.ListContent(len(w), func(yield func([]byte) bool) {
		for _, s := range w {
			if !yield([]byte(s)) {
				return
			}
		}
	})
}

// A type declares the standard Redis type it implements; its values are
// then serialized in Redis's encoding of that type. Restoring the payload
// builds a value of the type this binary registered for lists (the lists
// module), as it would a payload DUMPed by Redis.
func ExampleNative() {
	payload, err := rdb.Dump(words{"a", "b", "c"})
	if err != nil {
		panic(err)
	}
	v, err := rdb.Restore(payload)
	if err != nil {
		panic(err)
	}
	var elems []string
	for e := range v.(core.NativeValue).NativeContent().Elements {
		elems = append(elems, string(e))
	}
	fmt.Println(v.Type().Name, elems)
	// Output: list [a b c]
}
