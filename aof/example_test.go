package aof_test

import (
	"bytes"
	"fmt"

	"github.com/redmod/redmod/aof"
)

// A manifest as Redis 7.0 writes it: one base, then incremental files.
func ExampleParseManifest() {
	m, err := aof.ParseManifest([]byte("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Base.Name, len(m.Incrs), m.Incrs[0].Name)
	// Output: appendonly.aof.2.base.rdb 1 appendonly.aof.2.incr.aof
}

// Reading the commands of an incremental file whose last command was cut
// short by a crash: the whole ones are returned, and the offset to cut
// the file back to.
func ExampleReadCommands() {
	var b []byte
	b = aof.AppendCommand(b, []byte("SET"), []byte("k"), []byte("v"))
	whole := len(b)
	b = aof.AppendCommand(b, []byte("INCR"), []byte("n"))
	_, err := aof.ReadCommands(bytes.NewReader(b[:len(b)-3]), func(args [][]byte) error {
		fmt.Printf("%s\n", bytes.Join(args, []byte(" ")))
		return nil
	})
	if tr, ok := err.(*aof.ErrTruncated); ok {
		fmt.Println("cut back to", tr.Offset, tr.Offset == int64(whole))
	}
	// Output:
	// SET k v
	// cut back to 27 true
}
