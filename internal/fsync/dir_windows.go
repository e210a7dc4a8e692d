package fsync

// Windows refuses FlushFileBuffers on a folder handle.
const canSyncDir = false
