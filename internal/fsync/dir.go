// Package fsync holds the durability helpers that differ between systems.
package fsync

import "os"

// Dir makes the entries of folder dir (a file created, renamed or removed
// in it) durable, as fsync on the folder does on Unix systems. Where a
// folder cannot be synced (Windows, whose file systems journal their
// metadata), it only checks that the folder exists.
func Dir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if !canSyncDir {
		return nil
	}
	return d.Sync()
}
