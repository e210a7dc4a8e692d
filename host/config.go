package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/core"
)

// SaveRule is one Redis-style "save <seconds> <changes>" rule: snapshot when
// at least Changes changes happened and Seconds have passed since the last
// save.
type SaveRule struct {
	Seconds int64
	Changes int64
}

// Config is the server's configuration. Field names follow Redis's setting
// names, which CONFIG GET/SET and the command-line flags use.
type Config struct {
	// Bind is the address to listen on (bind); default loopback.
	Bind string
	// Port is the TCP port (port); 0 picks a free one.
	Port int
	// Dir is the folder of the snapshot (dir).
	Dir string
	// DBFilename is the snapshot's file name (dbfilename); empty turns
	// persistence off.
	DBFilename string
	// Save are the auto-save rules (save); empty: no auto-save.
	Save []SaveRule
	// Databases is the number of databases (databases).
	Databases int
	// KeyLoadDelay slows loading down, for tests of what happens while a
	// snapshot loads: microseconds to wait after each key, or when
	// negative one microsecond every -KeyLoadDelay keys (key-load-delay,
	// hidden from CONFIG GET *, as in Redis).
	KeyLoadDelay int
	// LogLevel is trace, debug, info, warn or error (loglevel).
	LogLevel string
	// LogFormat is "text" or "json".
	LogFormat string
	// MaxClients limits connections (maxclients).
	MaxClients int
	// Timeout closes connections idle that long; 0: never (timeout).
	Timeout time.Duration
	// ProtoMaxBulkLen limits one argument (proto-max-bulk-len).
	ProtoMaxBulkLen int64
	// ClientQueryBufferLimit limits a client's unread input
	// (client-query-buffer-limit).
	ClientQueryBufferLimit int64
	// RequirePass is the default user's password (requirepass); empty: the
	// default user needs none.
	RequirePass string
	// ProtectedMode refuses clients from other hosts while the default user
	// has no password (protected-mode).
	ProtectedMode bool
	// ACLFile is the file of ACL users loaded at start and by ACL LOAD, and
	// written by ACL SAVE (aclfile); empty: none.
	ACLFile string
	// OutputLimit limits the replies waiting for a normal client
	// (client-output-buffer-limit normal <hard> <soft> <seconds>).
	OutputLimit OutputLimit
	// replicaLimit is kept for CONFIG GET only: redmod has no replicas.
	// pubsubLimit applies to subscribed clients (client-output-buffer-limit
	// pubsub <hard> <soft> <seconds>).
	replicaLimit, pubsubLimit OutputLimit
	// ACLPubsubDefaultAll gives new ACL users every channel
	// (acl-pubsub-default allchannels); Redis 7.0's default is
	// resetchannels.
	ACLPubsubDefaultAll bool
	// TrackingTableMaxKeys bounds the keys remembered for client-side
	// caching (tracking-table-max-keys); 0: no bound.
	TrackingTableMaxKeys int
	// NotifyKeyspaceEvents selects the keyspace events published
	// (notify-keyspace-events); 0: none.
	NotifyKeyspaceEvents core.NotifyClass
	// TLS configures the TLS port (tls-port, tls-cert-file, ...).
	TLS TLSConfig
	// Hz is how often background tasks (active expiry) run per second (hz).
	Hz int
	// MaxProcs is the Go processors (GOMAXPROCS) that run commands
	// (maxprocs); 0 picks them by the CPUs available: one on machines of
	// up to two CPUs, every CPU above. While a snapshot is written they are
	// raised to the CPUs available (procs.go).
	MaxProcs int
	// KeepProcs leaves GOMAXPROCS as the embedding program has it when the
	// server starts with maxprocs 0 (auto), instead of picking by the CPUs
	// (a later CONFIG SET maxprocs 0 picks by the CPUs): for a server
	// embedded in a program whose own goroutines share the processors
	// (redmodtest). It is not a setting: CONFIG GET and REWRITE do not show
	// it.
	KeepProcs bool
	// BusyReplyThreshold is how long, in milliseconds, a script runs before
	// other clients get BUSY (busy-reply-threshold, alias lua-time-limit).
	BusyReplyThreshold int
	// MinReplicasToWrite refuses write commands with NOREPLICAS while
	// fewer replicas than this are connected and in sync
	// (min-replicas-to-write); 0 turns the check off, as does
	// MinReplicasMaxLag 0 (min-replicas-max-lag).
	MinReplicasToWrite int

	// MasterAuth and MasterUser are what a replica authenticates with at
	// its master (masterauth, masteruser).
	MasterAuth, MasterUser string
	// ReplicaOf is "host port" of the master to follow from the start
	// (replicaof), empty for a master; REPLICAOF keeps it current.
	ReplicaOf string
	// ReplPingPeriod is the seconds between a master's PINGs to its
	// replicas (repl-ping-replica-period); ReplTimeout the seconds of
	// silence after which a replica drops its link (repl-timeout).
	ReplPingPeriod, ReplTimeout int
	// ReplBacklogSize is the bytes of the replication stream kept for
	// replicas that reconnect (repl-backlog-size).
	ReplBacklogSize int64
	// ReplicaReadOnly makes a replica refuse its clients' writes
	// (replica-read-only); ReplicaServeStale lets it serve reads while its
	// link is down (replica-serve-stale-data); ReplicaPriority is reported
	// for Sentinel (replica-priority).
	ReplicaReadOnly, ReplicaServeStale bool
	ReplicaPriority                    int
	MinReplicasMaxLag                  int
	// ShutdownSave saves on SIGINT/SIGTERM and SHUTDOWN when save rules are set.
	ShutdownSave bool
	// StopWritesOnBgsaveError refuses write commands with -MISCONF while
	// the last background save failed and save rules are set
	// (stop-writes-on-bgsave-error).
	StopWritesOnBgsaveError bool
	// RDBCompression LZF-compresses long strings in snapshots and DUMP
	// snapshots (rdbcompression); DUMP payloads always are.
	RDBCompression bool
	// RDBChecksum ends snapshots with their CRC-64; off writes zero, which
	// readers take as "not checked" (rdbchecksum).
	RDBChecksum bool
	// MaxMemory caps the data and client buffers in bytes (maxmemory); 0:
	// no cap.
	MaxMemory int64
	// MaxMemoryClients caps the memory all clients hold together
	// (maxmemory-clients): in bytes, or when MaxMemoryClientsPercent is
	// set, that percentage of MaxMemory; 0: no cap. Past it the clients
	// holding the most are closed (client eviction).
	MaxMemoryClients        int64
	MaxMemoryClientsPercent int
	// MaxMemoryPolicy chooses what goes when the cap is reached
	// (maxmemory-policy).
	MaxMemoryPolicy core.EvictionPolicy
	// MaxMemorySamples is the keys sampled per eviction round
	// (maxmemory-samples).
	MaxMemorySamples int
	// MaxMemoryEvictionTenacity (0-100) sets how long one command may spend
	// evicting before it runs and eviction goes on in the background
	// (maxmemory-eviction-tenacity).
	MaxMemoryEvictionTenacity int
	// LFULogFactor and LFUDecayTime tune the LFU counter (lfu-log-factor,
	// lfu-decay-time in minutes).
	LFULogFactor, LFUDecayTime int
	// AppendOnly keeps the append-only file (appendonly); at start it is
	// loaded instead of the snapshot, as in Redis. An empty DBFilename
	// (--dump "") turns all persistence off, this included.
	AppendOnly bool
	// AppendDirName is the append-only folder inside Dir (appenddirname);
	// AppendFilename the base of its file names (appendfilename).
	AppendDirName, AppendFilename string
	// AppendFsync is always, everysec or no (appendfsync).
	AppendFsync string
	// AOFUseRDBPreamble writes the append-only base as an RDB file
	// (aof-use-rdb-preamble); no writes it as commands.
	AOFUseRDBPreamble bool
	// AOFLoadTruncated cuts back a last file that ends mid-command at
	// start, with a warning, instead of refusing to start
	// (aof-load-truncated).
	AOFLoadTruncated bool
	// AutoAOFRewritePercentage and AutoAOFRewriteMinSize rewrite the log
	// when it grew by that percentage over its size after the last rewrite
	// and is at least that large (auto-aof-rewrite-percentage, -min-size);
	// 0 percent: never.
	AutoAOFRewritePercentage int
	AutoAOFRewriteMinSize    int64
	// SlowlogLogSlowerThan is the duration in microseconds from which a
	// command enters the slow log; negative: none does
	// (slowlog-log-slower-than).
	SlowlogLogSlowerThan int64
	// SlowlogMaxLen is how many entries the slow log keeps (slowlog-max-len).
	SlowlogMaxLen int64
	// LatencyMonitorThreshold is the latency in milliseconds from which the
	// latency monitor records an event; 0: off (latency-monitor-threshold).
	LatencyMonitorThreshold int64
	// LatencyTracking keeps a latency histogram of each command
	// (latency-tracking), reported at the percentiles of
	// LatencyTrackingInfoPercentiles (latency-tracking-info-percentiles).
	LatencyTracking                bool
	LatencyTrackingInfoPercentiles []float64
	// EnableDebugCommand, EnableProtectedConfigs and EnableModuleCommand
	// allow DEBUG, CONFIG SET of protected settings (dir, dbfilename) and
	// MODULE: "no", "yes" or "local" (loopback clients only), as Redis's
	// enable-debug-command, enable-protected-configs and
	// enable-module-command.
	EnableDebugCommand, EnableProtectedConfigs, EnableModuleCommand string
	// ConfigFile is the configuration file the settings were read from
	// (LoadConfigFile), which CONFIG REWRITE updates; empty: none.
	ConfigFile string
	// Modules holds settings for modules, by their full name
	// ("ratelimit.window"); host.New adds the defaults modules declare
	// (core.Configurable) and rejects names no module of the server owns.
	Modules map[string]string
	// compat holds the values of the parameters accepted for
	// compatibility only (compat.go), by name; absent means the default.
	compat map[string]string
	// Logger, when set, receives the server's log instead of a new logger
	// on stderr: a program that embeds redmod passes its own. Modules get
	// loggers named after them from it.
	Logger hclog.Logger
	// CheckKeys turns on the checking mode of the keyspace: every access
	// to a key that the running command did not declare (Spec key
	// positions, Keys, or LockSet.Ensure) is reported as a bug of the
	// command, by name; and the arguments of a command that declares
	// core.Spec.BorrowsArgs are overwritten once it returns, so that one
	// that kept an argument anyway shows wrong bytes. It costs a little on
	// every key access, so it is off in production and on in redmodtest.
	CheckKeys bool
	// OnBug, when set, receives every bug of a module the host detects
	// and repairs (a command that wrote no reply, two replies, a reply and
	// an error, or touched an undeclared key), besides the error log:
	// redmodtest fails the test with it.
	OnBug func(msg string)
}

// DefaultDBFilename is the default snapshot file name, Redis's.
const DefaultDBFilename = "dump.rdb"

// DefaultConfig returns the configuration `redmod` starts with: loopback port
// 6380, a snapshot in ./data saved every 60 s when something changed, 16
// databases.
func DefaultConfig() Config {
	return Config{
		Bind:                      "127.0.0.1",
		Port:                      6380,
		Dir:                       "data",
		DBFilename:                DefaultDBFilename,
		Save:                      []SaveRule{{Seconds: 60, Changes: 1}},
		Databases:                 16,
		LogLevel:                  "info",
		LogFormat:                 "text",
		MaxClients:                10000,
		ProtoMaxBulkLen:           512 << 20,
		ClientQueryBufferLimit:    1 << 30,
		Hz:                        10,
		BusyReplyThreshold:        5000,
		MinReplicasMaxLag:         10,
		ReplicaReadOnly:           true,
		ReplicaServeStale:         true,
		ReplicaPriority:           100,
		ReplPingPeriod:            10,
		ReplTimeout:               60,
		ReplBacklogSize:           1 << 20,
		ProtectedMode:             true,
		replicaLimit:              OutputLimit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		pubsubLimit:               OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
		TLS:                       TLSConfig{AuthClients: "yes"},
		ShutdownSave:              true,
		TrackingTableMaxKeys:      1000000,
		StopWritesOnBgsaveError:   true,
		RDBCompression:            true,
		RDBChecksum:               true,
		MaxMemorySamples:          5,
		MaxMemoryEvictionTenacity: 10,
		LFULogFactor:              10,
		LFUDecayTime:              1,
		AppendDirName:             "appendonlydir",
		AppendFilename:            "appendonly.aof",
		AppendFsync:               "everysec",
		AOFUseRDBPreamble:         true,
		AOFLoadTruncated:          true,
		AutoAOFRewritePercentage:  100,
		AutoAOFRewriteMinSize:     64 << 20,

		SlowlogLogSlowerThan:           10000,
		SlowlogMaxLen:                  128,
		LatencyTracking:                true,
		LatencyTrackingInfoPercentiles: []float64{50, 99, 99.9},
		EnableDebugCommand:             "no",
		EnableProtectedConfigs:         "no",
		EnableModuleCommand:            "no",
	}
}

// ParseSaveRules parses Redis's "save" syntax: pairs of seconds and changes
// ("3600 1 300 100"); an empty string means no rules.
func ParseSaveRules(s string) ([]SaveRule, error) {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("invalid save rules %q: want pairs of <seconds> <changes>", s)
	}
	rules := []SaveRule{}
	for i := 0; i < len(f); i += 2 {
		sec, err1 := strconv.ParseInt(f[i], 10, 64)
		ch, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || sec < 0 || ch < 0 {
			return nil, fmt.Errorf("invalid save rule %q %q", f[i], f[i+1])
		}
		rules = append(rules, SaveRule{Seconds: sec, Changes: ch})
	}
	return rules, nil
}

// FormatSaveRules renders rules as CONFIG GET save shows them.
func FormatSaveRules(rules []SaveRule) string {
	parts := make([]string, 0, 2*len(rules))
	for _, r := range rules {
		parts = append(parts, strconv.FormatInt(r.Seconds, 10), strconv.FormatInt(r.Changes, 10))
	}
	return strings.Join(parts, " ")
}

// ParseMemory parses a size as Redis's config does: a number with an
// optional k, kb, m, mb, g or gb suffix (k = 1000, kb = 1024).
func ParseMemory(s string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(l, u.suffix) {
			l, mul = strings.TrimSuffix(l, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid memory size %q", s)
	}
	return n * mul, nil
}

// OutputLimit is Redis's client-output-buffer-limit for the normal class:
// a client whose unsent replies exceed Hard bytes, or stay above Soft bytes
// for SoftSeconds, is disconnected. Zero turns a limit off.
type OutputLimit struct {
	Hard, Soft  int64
	SoftSeconds int
}

// TLSConfig holds the tls-* settings.
type TLSConfig struct {
	// Port is the TLS port (tls-port); 0: no TLS.
	Port int
	// CertFile and KeyFile are the server's certificate and key
	// (tls-cert-file, tls-key-file).
	CertFile, KeyFile string
	// CACertFile holds the CAs that client certificates must chain to
	// (tls-ca-cert-file).
	CACertFile string
	// AuthClients is "yes" (client certificates required), "optional"
	// (checked when sent) or "no" (tls-auth-clients).
	AuthClients string
}
