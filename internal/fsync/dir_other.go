//go:build !windows

package fsync

const canSyncDir = true
