//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // the profiling handlers, only in builds tagged pprof
	"os"
)

// A build tagged pprof (go build -tags pprof ./cmd/redmod) serves Go's
// profiling endpoints on the address in REDMOD_PPROF (e.g. 127.0.0.1:6060),
// for finding where a benchmark's time goes. Ordinary builds have no
// listener besides the Redis port.
func init() {
	if addr := os.Getenv("REDMOD_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
