package core_test

import (
	"fmt"

	"github.com/redmod/redmod/core"
)

// Members with their scores, as ZRANGE … WITHSCORES replies: one flat array
// in RESP2, an array of pairs in RESP3, from the same handler code.
func ExampleWriter_WritePairs() {
	for _, proto := range []int{2, 3} {
		w := core.NewWriter(proto)
		scores := []struct {
			member string
			score  float64
		}{{"a", 1}, {"b", 2.5}}
		w.WritePairs(len(scores))
		for _, s := range scores {
			w.WritePair()
			w.WriteBulkString(s.member)
			w.WriteDouble(s.score)
		}
		fmt.Printf("RESP%d: %q\n", proto, w.Bytes())
	}
	// Output:
	// RESP2: "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
	// RESP3: "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
}
