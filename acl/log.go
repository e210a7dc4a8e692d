package acl

import (
	"sync"
	"time"
)

// Provider is implemented by a server that has ACL users; the acl module
// finds the store through it.
type Provider interface {
	// ACL returns the users.
	ACL() *Store
	// ACLFile returns the file of ACL LOAD and ACL SAVE ("" when none).
	ACLFile() string
}

// LogEntry is one entry of ACL LOG: a denied command or key, or a failed
// authentication.
type LogEntry struct {
	Count      int
	Reason     string // "command", "key" or "auth"
	Context    string // "toplevel"
	Object     string
	Username   string
	Created    time.Time
	Updated    time.Time
	ClientInfo string
}

// logMax is Redis's default acllog-max-len.
const logMax = 128

// logState is the ACL log, newest first. Like Redis, a denial equal to a
// recent one (same reason, context, object and user, within a minute)
// increments that entry's count instead of adding another.
type logState struct {
	mu      sync.Mutex
	entries []*LogEntry
}

// Log records a denial.
func (s *Store) Log(e LogEntry) {
	now := time.Now()
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	for _, old := range s.log.entries {
		if old.Reason == e.Reason && old.Context == e.Context && old.Object == e.Object &&
			old.Username == e.Username && now.Sub(old.Updated) < time.Minute {
			old.Count++
			old.Updated = now
			old.ClientInfo = e.ClientInfo
			return
		}
	}
	e.Count, e.Created, e.Updated = 1, now, now
	s.log.entries = append([]*LogEntry{&e}, s.log.entries...)
	if len(s.log.entries) > logMax {
		s.log.entries = s.log.entries[:logMax]
	}
}

// LogEntries returns up to n entries, newest first (n < 0: all).
func (s *Store) LogEntries(n int) []LogEntry {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	if n < 0 || n > len(s.log.entries) {
		n = len(s.log.entries)
	}
	out := make([]LogEntry, n)
	for i := range out {
		out[i] = *s.log.entries[i]
	}
	return out
}

// ResetLog empties the ACL log.
func (s *Store) ResetLog() {
	s.log.mu.Lock()
	s.log.entries = nil
	s.log.mu.Unlock()
}
