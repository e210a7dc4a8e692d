//go:build !unix

package host

import "os"

// processAlive reports whether a process with this id exists. Without
// signal 0, finding the process is the test: on Windows FindProcess opens
// it and fails for an id that is not running.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
