package host

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/aof"
	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// setting is one configuration setting under its Redis name. The same table
// serves the command-line flags, CONFIG GET and CONFIG SET.
type setting struct {
	name    string
	usage   string
	get     func(c *Config) string
	set     func(c *Config, v string) error
	mutable bool // may change with CONFIG SET while running
	// runtime, when set, replaces set for CONFIG SET: a value given while
	// running may be checked against the running server's state.
	runtime func(c *Config, v string) error
	quoted  bool // CONFIG REWRITE writes the value as a quoted string
	// compat marks a Redis parameter accepted for compatibility only
	// (compat.go); alias marks an older name of another entry, which
	// CONFIG REWRITE does not write.
	compat, alias bool
	// protected settings change with CONFIG SET only as
	// enable-protected-configs allows.
	protected bool
	// hidden settings (Redis's debugging ones) answer CONFIG GET by their
	// own name only, not a pattern.
	hidden bool
}

// hiddenSetting keeps a setting out of CONFIG GET's patterns.
func hiddenSetting(st setting) setting {
	st.hidden = true
	return st
}

var errNotInteger = errors.New("argument couldn't be parsed into an integer")

func intSetting(name, usage string, field func(c *Config) *int, min, max int, mutable bool) setting {
	return setting{
		name: name, usage: usage, mutable: mutable,
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, v string) error {
			// Redis's string2ll: no '+', no "-0", no blanks.
			n, ok := core.ParseInt([]byte(v))
			if !ok {
				return errNotInteger
			}
			if n < int64(min) || n > int64(max) {
				return fmt.Errorf("argument must be between %d and %d inclusive", min, max)
			}
			*field(c) = int(n)
			return nil
		},
	}
}

// aliasOf marks st as an older name of another entry.
func aliasOf(st setting) setting {
	st.alias = true
	return st
}

func memSetting(name, usage string, field func(c *Config) *int64, min int64) setting {
	return setting{
		name: name, usage: usage, mutable: true,
		get: func(c *Config) string { return strconv.FormatInt(*field(c), 10) },
		set: func(c *Config, v string) error {
			n, err := ParseMemory(v)
			if err != nil {
				return errors.New("argument must be a memory value")
			}
			if n < min {
				return fmt.Errorf("argument must be between %d and %d inclusive", min, int64(math.MaxInt64))
			}
			*field(c) = n
			return nil
		},
	}
}

func stringSetting(name, usage string, field func(c *Config) *string, mutable bool) setting {
	return setting{
		name: name, usage: usage, mutable: mutable, quoted: true,
		get: func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error { *field(c) = v; return nil },
	}
}

func boolSetting(name, usage string, field func(c *Config) *bool, mutable bool) setting {
	return setting{
		name: name, usage: usage, mutable: mutable,
		get: func(c *Config) string {
			if *field(c) {
				return "yes"
			}
			return "no"
		},
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "yes":
				*field(c) = true
			case "no":
				*field(c) = false
			default:
				return errors.New("argument must be 'yes' or 'no'")
			}
			return nil
		},
	}
}

// setOutputLimits parses Redis's client-output-buffer-limit syntax: groups
// of "<class> <hard> <soft> <soft-seconds>"; classes not named keep their
// limits.
func setOutputLimits(c *Config, v string) error {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	next := map[string]OutputLimit{"normal": c.OutputLimit, "replica": c.replicaLimit, "pubsub": c.pubsubLimit}
	for i := 0; i < len(f); i += 4 {
		class := strings.ToLower(f[i])
		if class == "slave" {
			class = "replica"
		}
		if _, ok := next[class]; !ok {
			return errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, err1 := ParseMemory(f[i+1])
		soft, err2 := ParseMemory(f[i+2])
		secs, err3 := strconv.Atoi(f[i+3])
		if err1 != nil || err2 != nil || err3 != nil || secs < 0 {
			return errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		next[class] = OutputLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
	}
	c.OutputLimit, c.replicaLimit, c.pubsubLimit = next["normal"], next["replica"], next["pubsub"]
	return nil
}

// redisLogLevel names an hclog level as Redis does. Redis's four levels map
// onto hclog's one to one (debug is hclog's trace, verbose its debug, notice
// its info, warning its warn); error, which Redis lacks, keeps its name.
func redisLogLevel(l string) string {
	switch l {
	case "trace":
		return "debug"
	case "debug":
		return "verbose"
	case "info":
		return "notice"
	case "warn":
		return "warning"
	}
	return l
}

// Redis's log level names and hclog's; a name both use (debug) is Redis's.
var logLevels = map[string]string{
	"debug": "trace", "verbose": "debug", "notice": "info", "warning": "warn",
	"trace": "trace", "info": "info", "warn": "warn", "error": "error",
}

// sameValue is the CONFIG SET of a setting Redis can change while running
// but redmod cannot (the log format, client certificates): the
// value it already has is accepted, as Redis accepts it, so that a client
// writing back what CONFIG GET read succeeds; another is refused.
func sameValue(get func(c *Config) string) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		if v == get(c) {
			return nil
		}
		return errors.New("redmod cannot change it while running")
	}
}

var settings = []setting{
	// CONFIG SET of bind or port moves the listener (relisten).
	stringSetting("bind", "address to listen on", func(c *Config) *string { return &c.Bind }, true),
	intSetting("port", "TCP port to listen on (0: any free port)", func(c *Config) *int { return &c.Port }, 0, 65535, true),
	{
		name: "dir", usage: "folder of the snapshot (created at start when missing)", mutable: true, quoted: true,
		get: func(c *Config) string { return c.Dir },
		set: func(c *Config, v string) error { c.Dir = v; return nil },
		// As Redis's chdir: the folder must exist, and a relative path is
		// taken from the current one.
		runtime: func(c *Config, v string) error {
			if !filepath.IsAbs(v) {
				v = filepath.Join(c.Dir, v)
			}
			fi, err := os.Stat(v)
			switch {
			case errors.Is(err, os.ErrNotExist):
				return errors.New("No such file or directory")
			case err != nil:
				return err
			case !fi.IsDir():
				return errors.New("Not a directory")
			}
			c.Dir = filepath.Clean(v)
			return nil
		},
	},
	{
		name: "dbfilename", usage: `snapshot file name in dir ("" turns persistence off)`, mutable: true, quoted: true,
		get: func(c *Config) string { return c.DBFilename },
		set: func(c *Config, v string) error {
			if strings.ContainsRune(v, '/') {
				return errors.New("dbfilename can't be a path, just a filename")
			}
			c.DBFilename = v
			return nil
		},
	},
	boolSetting("rdbcompression", "LZF-compress long strings in snapshots", func(c *Config) *bool { return &c.RDBCompression }, true),
	boolSetting("rdbchecksum", "end snapshots with a CRC-64 (no: zero, not checked on load)", func(c *Config) *bool { return &c.RDBChecksum }, true),
	boolSetting("stop-writes-on-bgsave-error", "refuse writes while the last background save failed", func(c *Config) *bool { return &c.StopWritesOnBgsaveError }, true),
	{
		name: "save", usage: `auto-save rules: "<seconds> <changes> ..." ("" turns auto-save off)`, mutable: true,
		get: func(c *Config) string { return FormatSaveRules(c.Save) },
		set: func(c *Config, v string) error {
			r, err := ParseSaveRules(v)
			if err != nil {
				return errors.New("Invalid save parameters")
			}
			c.Save = r
			return nil
		},
	},
	intSetting("maxprocs", "Go processors (GOMAXPROCS) for commands (0: 1 on machines of up to 2 CPUs, else all; raised to all CPUs while a snapshot is written)", func(c *Config) *int { return &c.MaxProcs }, 0, 1024, true),
	intSetting("databases", "number of databases", func(c *Config) *int { return &c.Databases }, 1, math.MaxInt32, false),
	hiddenSetting(intSetting("key-load-delay", "testing: microseconds to wait after loading each key (negative: 1 µs every -N keys)",
		func(c *Config) *int { return &c.KeyLoadDelay }, math.MinInt32, math.MaxInt32, true)),
	{
		name: "loglevel", usage: "log level: debug, verbose, notice or warning (error: errors only)", mutable: true,
		// CONFIG GET answers with Redis's names where Redis has the level.
		get: func(c *Config) string { return redisLogLevel(c.LogLevel) },
		set: func(c *Config, v string) error {
			l, ok := logLevels[strings.ToLower(v)]
			if !ok {
				return errors.New("argument(s) must be one of the following: debug, verbose, notice, warning")
			}
			c.LogLevel = l
			return nil
		},
	},
	{
		name: "log-format", usage: "log format: text or json", mutable: true,
		get:     func(c *Config) string { return c.LogFormat },
		runtime: sameValue(func(c *Config) string { return c.LogFormat }),
		set: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return errors.New("argument must be text or json")
			}
			c.LogFormat = v
			return nil
		},
	},
	intSetting("maxclients", "maximum number of connected clients", func(c *Config) *int { return &c.MaxClients }, 1, min(math.MaxUint32, math.MaxInt), true),
	{
		name: "timeout", usage: "close connections idle for this many seconds (0: never)", mutable: true,
		get: func(c *Config) string { return strconv.Itoa(int(c.Timeout / time.Second)) },
		set: func(c *Config, v string) error {
			// Redis's string2ll: no '+', no "-0", no blanks.
			n, ok := core.ParseInt([]byte(v))
			if !ok {
				return errNotInteger
			}
			if n < 0 || n > math.MaxInt32 {
				return fmt.Errorf("argument must be between 0 and %d inclusive", math.MaxInt32)
			}
			c.Timeout = time.Duration(n) * time.Second
			return nil
		},
	},
	memSetting("proto-max-bulk-len", "largest argument a client may send (applies to connected clients too)", func(c *Config) *int64 { return &c.ProtoMaxBulkLen }, 1024*1024),
	memSetting("client-query-buffer-limit", "largest unread input of one client (applies to connected clients too)", func(c *Config) *int64 { return &c.ClientQueryBufferLimit }, 1024*1024),
	{
		name: "hz", usage: "background task frequency per second (1 to 500)", mutable: true,
		get: func(c *Config) string { return strconv.Itoa(c.Hz) },
		set: func(c *Config, v string) error {
			// Redis's string2ll: no '+', no "-0", no blanks.
			n, ok := core.ParseInt([]byte(v))
			if !ok {
				return errNotInteger
			}
			if n < 0 || n > math.MaxInt32 {
				return fmt.Errorf("argument must be between 0 and %d inclusive", math.MaxInt32)
			}
			// Like Redis: accepted, then kept within 1..500.
			c.Hz = int(min(max(n, 1), 500))
			return nil
		},
	},
	memSetting("maxmemory", "cap on data and client buffers, with units (0: none)", func(c *Config) *int64 { return &c.MaxMemory }, 0),
	{
		name: "maxmemory-clients", usage: "cap on the memory of all clients together, in bytes or as a percentage of maxmemory (0: none); past it the largest clients are closed", mutable: true,
		get: func(c *Config) string {
			if c.MaxMemoryClientsPercent > 0 {
				return strconv.Itoa(c.MaxMemoryClientsPercent) + "%"
			}
			return strconv.FormatInt(c.MaxMemoryClients, 10)
		},
		set: func(c *Config, v string) error {
			if pct, ok := strings.CutSuffix(v, "%"); ok {
				n, isInt := core.ParseInt([]byte(pct))
				switch {
				case !isInt || n < 0:
					return errors.New("argument must be a memory or percent value")
				case n > 100:
					return errors.New("percentage argument must be less or equal to 100")
				}
				c.MaxMemoryClients, c.MaxMemoryClientsPercent = 0, int(n)
				return nil
			}
			n, err := ParseMemory(v)
			if err != nil || n < 0 {
				return errors.New("argument must be a memory or percent value")
			}
			c.MaxMemoryClients, c.MaxMemoryClientsPercent = n, 0
			return nil
		},
	},
	{
		name: "maxmemory-policy", usage: "what goes at maxmemory: noeviction, allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl", mutable: true,
		get: func(c *Config) string { return c.MaxMemoryPolicy.String() },
		set: func(c *Config, v string) error {
			p, ok := core.ParseEvictionPolicy(v)
			if !ok {
				return errors.New("argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
			}
			c.MaxMemoryPolicy = p
			return nil
		},
	},
	intSetting("maxmemory-samples", "keys sampled per eviction round", func(c *Config) *int { return &c.MaxMemorySamples }, 1, math.MaxInt32, true),
	intSetting("maxmemory-eviction-tenacity", "how long a command may evict before eviction goes on in the background (0 to 100)", func(c *Config) *int { return &c.MaxMemoryEvictionTenacity }, 0, 100, true),
	intSetting("lfu-log-factor", "how slowly the LFU counter grows", func(c *Config) *int { return &c.LFULogFactor }, 0, math.MaxInt32, true),
	intSetting("lfu-decay-time", "minutes for the LFU counter to decay by one (0: never)", func(c *Config) *int { return &c.LFUDecayTime }, 0, math.MaxInt32, true),
	intSetting("busy-reply-threshold", "milliseconds a script may run before other clients get BUSY and SCRIPT KILL works", func(c *Config) *int { return &c.BusyReplyThreshold }, 0, math.MaxInt32, true),
	intSetting("lua-time-limit", "old name of busy-reply-threshold", func(c *Config) *int { return &c.BusyReplyThreshold }, 0, math.MaxInt32, true),
	intSetting("min-replicas-to-write", "refuse writes with NOREPLICAS unless this many replicas are connected (0: never refuse)", func(c *Config) *int { return &c.MinReplicasToWrite }, 0, math.MaxInt32, true),
	aliasOf(intSetting("min-slaves-to-write", "old name of min-replicas-to-write", func(c *Config) *int { return &c.MinReplicasToWrite }, 0, math.MaxInt32, true)),
	intSetting("min-replicas-max-lag", "seconds a replica may lag and still count for min-replicas-to-write (0: the check is off)", func(c *Config) *int { return &c.MinReplicasMaxLag }, 0, math.MaxInt32, true),
	aliasOf(intSetting("min-slaves-max-lag", "old name of min-replicas-max-lag", func(c *Config) *int { return &c.MinReplicasMaxLag }, 0, math.MaxInt32, true)),
	intSetting("repl-ping-replica-period", "seconds between the PINGs a master sends its replicas", func(c *Config) *int { return &c.ReplPingPeriod }, 1, math.MaxInt32, true),
	aliasOf(intSetting("repl-ping-slave-period", "old name of repl-ping-replica-period", func(c *Config) *int { return &c.ReplPingPeriod }, 1, math.MaxInt32, true)),
	intSetting("repl-timeout", "seconds without data from its master after which a replica drops the link and reconnects", func(c *Config) *int { return &c.ReplTimeout }, 1, math.MaxInt32, true),
	replBacklogSetting(),
	replicaOfSetting("replicaof"),
	aliasOf(replicaOfSetting("slaveof")),
	stringSetting("masterauth", "password a replica gives its master (AUTH)", func(c *Config) *string { return &c.MasterAuth }, true),
	stringSetting("masteruser", "user a replica authenticates as with its master (AUTH user masterauth)", func(c *Config) *string { return &c.MasterUser }, true),
	boolSetting("replica-read-only", "a replica refuses writes from its clients with READONLY", func(c *Config) *bool { return &c.ReplicaReadOnly }, true),
	aliasOf(boolSetting("slave-read-only", "old name of replica-read-only", func(c *Config) *bool { return &c.ReplicaReadOnly }, true)),
	boolSetting("replica-serve-stale-data", "a replica whose link is down still serves its data (no: MASTERDOWN)", func(c *Config) *bool { return &c.ReplicaServeStale }, true),
	aliasOf(boolSetting("slave-serve-stale-data", "old name of replica-serve-stale-data", func(c *Config) *bool { return &c.ReplicaServeStale }, true)),
	intSetting("replica-priority", "the replica's priority for promotion by Sentinel (INFO slave_priority)", func(c *Config) *int { return &c.ReplicaPriority }, 0, math.MaxInt32, true),
	aliasOf(intSetting("slave-priority", "old name of replica-priority", func(c *Config) *int { return &c.ReplicaPriority }, 0, math.MaxInt32, true)),
	{
		name: "requirepass", usage: "password of the default user (empty: none)", mutable: true,
		get: func(c *Config) string { return c.RequirePass },
		set: func(c *Config, v string) error { c.RequirePass = v; return nil },
	},
	boolSetting("protected-mode", "refuse non-loopback clients while the default user has no password", func(c *Config) *bool { return &c.ProtectedMode }, true),
	stringSetting("aclfile", "file of ACL users (loaded at start, ACL LOAD, ACL SAVE)", func(c *Config) *string { return &c.ACLFile }, false),
	{
		name: "client-output-buffer-limit", usage: `limits of unsent replies: "normal <hard> <soft> <seconds>" (0: none)`, mutable: true,
		get: func(c *Config) string {
			f := func(class string, l OutputLimit) string {
				return fmt.Sprintf("%s %d %d %d", class, l.Hard, l.Soft, l.SoftSeconds)
			}
			return f("normal", c.OutputLimit) + " " + f("slave", c.replicaLimit) + " " + f("pubsub", c.pubsubLimit)
		},
		set: setOutputLimits,
	},
	{
		name: "acl-pubsub-default", usage: "channels of new ACL users: resetchannels (none) or allchannels", mutable: true,
		get: func(c *Config) string {
			if c.ACLPubsubDefaultAll {
				return "allchannels"
			}
			return "resetchannels"
		},
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "allchannels":
				c.ACLPubsubDefaultAll = true
			case "resetchannels":
				c.ACLPubsubDefaultAll = false
			default:
				return errors.New("argument(s) must be one of the following: allchannels, resetchannels")
			}
			return nil
		},
	},
	intSetting("tracking-table-max-keys", "keys remembered for client-side caching (0: no limit)", func(c *Config) *int { return &c.TrackingTableMaxKeys }, 0, math.MaxInt32, true),
	{
		name: "notify-keyspace-events", usage: `keyspace events to publish, Redis's letters ("KEA"; "": none)`, mutable: true, quoted: true,
		get: func(c *Config) string { return c.NotifyKeyspaceEvents.String() },
		set: func(c *Config, v string) error {
			n, ok := core.ParseNotifyClasses(v)
			if !ok {
				return errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
			}
			c.NotifyKeyspaceEvents = n
			return nil
		},
	},
	intSetting("tls-port", "TLS port (0: no TLS)", func(c *Config) *int { return &c.TLS.Port }, 0, 65535, false),
	stringSetting("tls-cert-file", "server certificate for TLS (PEM)", func(c *Config) *string { return &c.TLS.CertFile }, false),
	stringSetting("tls-key-file", "private key of tls-cert-file (PEM)", func(c *Config) *string { return &c.TLS.KeyFile }, false),
	stringSetting("tls-ca-cert-file", "CA certificates that client certificates must chain to (PEM)", func(c *Config) *string { return &c.TLS.CACertFile }, false),
	{
		name: "tls-auth-clients", usage: "require client certificates: yes, no or optional", mutable: true,
		get:     func(c *Config) string { return c.TLS.AuthClients },
		runtime: sameValue(func(c *Config) string { return c.TLS.AuthClients }),
		set: func(c *Config, v string) error {
			switch v = strings.ToLower(v); v {
			case "yes", "no", "optional":
				c.TLS.AuthClients = v
				return nil
			}
			return errors.New("argument(s) must be one of the following: no, yes, optional")
		},
	},
	boolSetting("appendonly", "keep the append-only file (loaded at start instead of the snapshot)", func(c *Config) *bool { return &c.AppendOnly }, true),
	{
		name: "appenddirname", usage: "append-only folder inside dir", quoted: true,
		get: func(c *Config) string { return c.AppendDirName },
		set: func(c *Config, v string) error {
			if v == "" || strings.ContainsRune(v, '/') {
				return errors.New("appenddirname can't be a path, just a dirname")
			}
			c.AppendDirName = v
			return nil
		},
	},
	{
		name: "appendfilename", usage: "base name of the append-only files", quoted: true,
		get: func(c *Config) string { return c.AppendFilename },
		set: func(c *Config, v string) error {
			if v == "" || strings.ContainsRune(v, '/') {
				return errors.New("appendfilename can't be a path, just a filename")
			}
			c.AppendFilename = v
			return nil
		},
	},
	{
		name: "appendfsync", usage: "when the append-only file is synced: always, everysec or no", mutable: true,
		get: func(c *Config) string { return c.AppendFsync },
		set: func(c *Config, v string) error {
			v = strings.ToLower(v)
			if _, ok := aof.ParseFsync(v); !ok {
				return errors.New("argument(s) must be one of the following: everysec, always, no")
			}
			c.AppendFsync = v
			return nil
		},
	},
	boolSetting("aof-use-rdb-preamble", "write the append-only base as an RDB file", func(c *Config) *bool { return &c.AOFUseRDBPreamble }, true),
	boolSetting("aof-load-truncated", "at start, cut back an append-only file that ends mid-command", func(c *Config) *bool { return &c.AOFLoadTruncated }, true),
	intSetting("auto-aof-rewrite-percentage", "rewrite the append-only file when it grew by this percentage (0: never)", func(c *Config) *int { return &c.AutoAOFRewritePercentage }, 0, math.MaxInt32, true),
	memSetting("auto-aof-rewrite-min-size", "smallest append-only file the automatic rewrite considers", func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize }, 0),
}

func findSetting(name string) *setting {
	idx := settingIndex.Load()
	if idx == nil || idx.n != len(settings) {
		// Built on first use and again if an init function appended
		// settings since (compat.go, diagsettings.go): modules read their
		// settings on hot paths (streams on every XADD), where walking
		// the two hundred names cost a quarter of the command.
		m := make(map[string]int, len(settings))
		for i := range settings {
			if _, dup := m[settings[i].name]; !dup {
				m[settings[i].name] = i
			}
		}
		idx = &settingIdx{n: len(settings), byName: m}
		settingIndex.Store(idx)
	}
	if i, ok := idx.byName[name]; ok {
		return &settings[i]
	}
	return nil
}

// settingIdx maps a setting's name to its position in settings, the first
// one of that name as the walk it replaces found.
type settingIdx struct {
	n      int
	byName map[string]int
}

var settingIndex atomic.Pointer[settingIdx]

// SettingNames returns the names of every setting, sorted.
func SettingNames() []string {
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.name
	}
	sort.Strings(names)
	return names
}

// SettingUsage returns the one-line description of a setting.
func SettingUsage(name string) string {
	if s := findSetting(name); s != nil {
		return s.usage
	}
	return ""
}

// Apply sets one setting by its Redis name, as a command-line flag or a
// configuration file line does. Module settings have a dotted name
// ("bloom.error-rate"), or are global settings a module of this binary
// declares ("set-max-intset-entries"), and are passed to the module as they
// are.
func (c *Config) Apply(name, value string) error {
	name = strings.ToLower(canonicalSetting(registry.Default, name))
	if strings.Contains(name, ".") || findSetting(name) == nil && isGlobalSetting(registry.Default, name) {
		if c.Modules == nil {
			c.Modules = map[string]string{}
		}
		c.Modules[name] = value
		return nil
	}
	s := findSetting(name)
	if s == nil {
		return fmt.Errorf("unknown setting %q", name)
	}
	if err := s.set(c, value); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Get returns a setting's value by its Redis name.
func (c *Config) Get(name string) (string, bool) {
	// Modules read their settings by their exact lower-case names on hot
	// paths (streams on every XADD): such a name is looked up as it is.
	lower := name
	if hasUpperASCII(name) {
		lower = strings.ToLower(name)
	}
	if s := findSetting(lower); s != nil {
		return s.get(c), true
	}
	if v, ok := c.Modules[lower]; ok {
		return v, true
	}
	v, ok := c.Modules[strings.ToLower(canonicalSetting(registry.Default, lower))]
	return v, ok
}

// hasUpperASCII reports whether s has a byte other than what lower-case
// names are made of, so that strings.ToLower needs to look at it.
func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= 'A' && b <= 'Z' || b >= 0x80 {
			return true
		}
	}
	return false
}

// Setting implements core.SettingReader.
func (s *Server) Setting(name string) (string, bool) {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.cfg.Get(name)
}

// hasGlobChars reports whether a CONFIG GET argument is a pattern rather
// than a name (strings.ContainsAny builds a set on every call).
func hasGlobChars(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}

// ConfigGet implements core.Server: the settings matching a glob pattern.
func (s *Server) ConfigGet(pattern string) []core.InfoField {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	var out []core.InfoField
	// Like Redis, a name without glob characters is looked up as such and
	// answered under the name as the client wrote it.
	if !hasGlobChars(pattern) {
		if v, ok := s.cfg.Get(pattern); ok {
			return []core.InfoField{{Name: pattern, Value: v}}
		}
		return nil
	}
	p := core.CompilePattern([]byte(strings.ToLower(pattern)))
	for _, st := range settings {
		if !st.hidden && p.Match(st.name) {
			out = append(out, core.InfoField{Name: st.name, Value: st.get(&s.cfg)})
		}
	}
	for name, v := range s.cfg.Modules {
		if p.Match(name) {
			out = append(out, core.InfoField{Name: name, Value: v})
		}
	}
	for alias, name := range settingAliases(s.reg) {
		if p.Match(alias) {
			out = append(out, core.InfoField{Name: alias, Value: s.cfg.Modules[name]})
		}
	}
	return out
}

// ConfigSet implements core.Server: all the settings change, or none.
// Protected settings change only when enable-protected-configs is yes.
func (s *Server) ConfigSet(pairs []core.InfoField) error { return s.ConfigSetFor(nil, pairs) }

// ConfigSetFor implements core.ClientConfigSetter: ConfigSet for CONFIG SET
// of client cl, who may change protected settings when
// enable-protected-configs is yes, or local and cl is a local client.
func (s *Server) ConfigSetFor(cl *core.Client, pairs []core.InfoField) error {
	old := s.Config()
	if err := s.configSet(cl, pairs); err != nil {
		return err
	}
	return s.applyAOFConfig(old, s.Config())
}

func (s *Server) configSet(cl *core.Client, pairs []core.InfoField) error {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	next := s.cfg
	next.Modules = map[string]string{}
	for k, v := range s.cfg.Modules {
		next.Modules[k] = v
	}
	for _, p := range pairs {
		name := strings.ToLower(p.Name)
		st := findSetting(name)
		if st == nil {
			if handled, err := s.setModuleSetting(next.Modules, name, p.Value); handled {
				if err != nil {
					return err
				}
				continue
			}
			return core.NewError("ERR Unknown option or number of arguments for CONFIG SET - '" + p.Name + "'")
		}
		if !st.mutable {
			return core.NewError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config")
		}
		if st.protected && !core.AllowProtected(s.cfg.EnableProtectedConfigs, cl) {
			return core.NewError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set protected config")
		}
		set := st.set
		if st.runtime != nil {
			set = st.runtime
		}
		if err := set(&next, p.Value); err != nil {
			return core.NewError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + err.Error())
		}
	}
	if next.Port != s.cfg.Port || next.Bind != s.cfg.Bind {
		// Applied last of the checks: a refused setting leaves the
		// listener where it was, and a failed listen changes nothing.
		port, err := s.relisten(next.Bind, next.Port)
		if err != nil {
			if next.Port != s.cfg.Port {
				return core.NewError("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port")
			}
			return core.NewError("ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.")
		}
		next.Port = port
	}
	if next.LogLevel != s.cfg.LogLevel {
		s.log.SetLevel(hclog.LevelFromString(next.LogLevel))
	}
	if next.RequirePass != s.cfg.RequirePass {
		s.acl.SetRequirePass(next.RequirePass)
	}
	prev := s.cfg
	prevModules := s.cfg.Modules
	s.cfg = next
	announceSettings(s.reg, prevModules, next.Modules)
	s.limits.set(&next)
	s.observeInterest()
	s.applyMemory(&next)
	s.applyDiagSettings(&next)
	if next.MaxProcs != prev.MaxProcs {
		setProcSetting(next.MaxProcs)
	}
	s.acl.PubsubDefaultAll.Store(next.ACLPubsubDefaultAll)
	return nil
}
