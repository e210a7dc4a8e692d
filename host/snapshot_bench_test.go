package host_test

import (
	"io"
	"strconv"
	"testing"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/redmodtest"
)

// BenchmarkWriteSnapshot measures writing the image of 100,000 string keys
// (the time and allocations of a background save, without the disk).
func BenchmarkWriteSnapshot(b *testing.B) {
	srv := redmodtest.Run(b, redmodtest.InMemory())
	srv.Update(func(ks *core.Keyspace) error {
		for i := 0; i < 100000; i++ {
			ks.DB(0).Set([]byte("key:"+strconv.Itoa(i)), core.NewString([]byte("value-0123456789")))
		}
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv.Server.WriteSnapshot(io.Discard, host.SnapshotOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
