package core

import (
	"net"
	"strings"
	"time"
)

// SlowlogEntry is one command of the slow log (SLOWLOG GET): what ran, when,
// for how long, and for whom.
type SlowlogEntry struct {
	// ID numbers entries from 0 since the server started; RESET does not
	// restart it.
	ID int64
	// Time is when the command ran, in Unix seconds.
	Time int64
	// Duration is how long it ran, in microseconds.
	Duration int64
	// Args are the command and its arguments as Redis keeps them: at most
	// 32 (the last saying how many more there were), each cut at 128 bytes,
	// redacted ones (Ctx.Redact) replaced by "(redacted)".
	Args [][]byte
	// Addr and Name are the client's address and CLIENT SETNAME name.
	Addr, Name string
}

// LatencySample is one spike of a latency event: the second it happened and
// the worst latency in that second, in milliseconds.
type LatencySample struct {
	Time    int64
	Latency int64
}

// LatencyEvent is the history of one latency event ("command",
// "fast-command", "expire-cycle", ...) that LATENCY reports: the last
// samples, oldest first, and the worst latency ever seen.
type LatencyEvent struct {
	Name    string
	Samples []LatencySample
	Max     int64
}

// LatencyBucket is one bucket of a command's latency histogram: the calls
// that took at most Usec microseconds, counted cumulatively.
type LatencyBucket struct {
	Usec  int64
	Count int64
}

// CommandLatency is the latency histogram of one command (LATENCY
// HISTOGRAM), in power-of-two buckets from 1 µs up, the empty ones left out.
type CommandLatency struct {
	Name    string
	Calls   int64
	Buckets []LatencyBucket
}

// Diagnostics is what the operator's commands (SLOWLOG, LATENCY, DEBUG)
// need from the server. The host implements it; a command finds it with a
// type assertion on Ctx.Server.
type Diagnostics interface {
	// Slowlog returns the newest count entries of the slow log, newest
	// first (count < 0: all of them).
	Slowlog(count int) []SlowlogEntry
	// SlowlogLen returns the number of entries in the slow log.
	SlowlogLen() int
	// SlowlogReset empties the slow log.
	SlowlogReset()
	// LatencyEvents returns the latency events with at least one sample,
	// sorted by name.
	LatencyEvents() []LatencyEvent
	// LatencyReset forgets the samples of the named events (all events
	// when none is named) and returns how many events it reset.
	LatencyReset(events []string) int
	// LatencyHistograms returns the latency histograms of the named
	// commands ("set", "client|id"; a container command names all its
	// subcommands), or of every command that ran when names is empty.
	// Unknown names are skipped.
	LatencyHistograms(names []string) []CommandLatency
	// SetActiveExpire turns the background deletion of expired keys on or
	// off (DEBUG SET-ACTIVE-EXPIRE); keys still expire when accessed.
	SetActiveExpire(on bool)
	// PauseCron stops or restarts the server's periodic tasks (active
	// expiry, memory and tracking-table limits, auto-save) for tests, as
	// DEBUG PAUSE-CRON does.
	PauseCron(on bool)
	// SetReplyBufferPeakReset sets how often a client's reply buffer peak
	// restarts (DEBUG REPLYBUFFER PEAK-RESET-TIME; negative: never), and
	// SetReplyBufferResizing turns the resizing of idle or busy clients'
	// reply buffers on or off (DEBUG REPLYBUFFER RESIZING). Both show in
	// rbs/rbp of CLIENT LIST and reply_buffer_* of INFO.
	SetReplyBufferPeakReset(d time.Duration)
	SetReplyBufferResizing(on bool)
	// SetScriptDenyDisabled lets scripts call commands flagged noscript
	// (DEBUG SET-DISABLE-DENY-SCRIPTS, for tests), and ScriptDenyDisabled
	// reports it.
	SetScriptDenyDisabled(on bool)
	ScriptDenyDisabled() bool
	// Reload saves the dataset to a snapshot and loads it back, as a
	// restart would (DEBUG RELOAD). With save false it loads the snapshot
	// file as it is; with flush false the loaded keys are added to those in
	// memory instead of replacing them, and a function library already
	// loaded is an error unless merge lets the snapshot's replace it.
	Reload(save, flush, merge bool) error
	// ReloadAOF empties the dataset and loads it back from the append-only
	// files (DEBUG LOADAOF), after writing out what the log buffers.
	ReloadAOF() error
	// Digest returns a digest of every database's content that changes
	// when any key, value or expiry does (DEBUG DIGEST); all zeroes for an
	// empty dataset.
	Digest() [20]byte
	// DigestValue returns the digest of one key's value in the client's
	// database, all zeroes when the key does not exist (DEBUG
	// DIGEST-VALUE).
	DigestValue(db *DB, key []byte) [20]byte
}

// Redact hides argument i of the running command from the slow log, as
// Redis's redactClientCommandArgument does: a command that receives a
// password or other secret calls it for that argument.
func (c *Ctx) Redact(i int) {
	if i > 0 && i < len(c.Args) {
		c.redacted = append(c.redacted, i)
	}
}

// Redacted returns the arguments Redact hid; the host reads it once the
// command has run.
func (c *Ctx) Redacted() []int { return c.redacted }

// ResetRedacted forgets the redactions of the previous command; the host
// calls it before each command.
func (c *Ctx) ResetRedacted() { c.redacted = c.redacted[:0] }

// ClientConfigSetter is implemented by a server whose CONFIG SET depends on
// the client asking: protected settings (dir, dbfilename) change only for
// the clients enable-protected-configs allows.
type ClientConfigSetter interface {
	ConfigSetFor(c *Client, pairs []InfoField) error
}

// AllowProtected reports whether a protected action (DEBUG, CONFIG SET of a
// protected setting) is allowed for cl when its setting has value v: "yes"
// allows everyone, "local" the clients of the loopback address or a Unix
// socket, as Redis's enable-debug-command and enable-protected-configs.
func AllowProtected(v string, cl *Client) bool {
	switch v {
	case "yes":
		return true
	case "local":
		return cl != nil && isLocalAddr(cl.Addr)
	}
	return false
}

func isLocalAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		// A Unix socket's peer has no host:port.
		return !strings.Contains(addr, ":")
	}
	return host == "127.0.0.1" || host == "::1"
}
