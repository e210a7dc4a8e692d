package host

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

// Redis 7.0 has about 190 configuration parameters. Many tune machinery
// redmod does not have (jemalloc, active defrag, io-threads, cluster and
// replication links not built yet, syslog). Redis users keep them in their
// configuration files and tools set them with CONFIG SET (Redis's own tests
// set and restore dozens), so refusing them breaks working setups for no
// gain. The parameters below are accepted, validated as Redis validates
// them (type, range, choices, immutability), reported by CONFIG GET and
// written by CONFIG REWRITE, and documented in the README as having no
// effect here. A parameter that gains an effect moves to the settings table.

// compatKind is the type of a compatibility parameter's value.
type compatKind uint8

const (
	compatBool compatKind = iota
	compatInt
	compatMemory
	compatEnum
	compatString
)

// compatParam is one parameter accepted for compatibility.
type compatParam struct {
	name     string
	def      string
	kind     compatKind
	min, max int64    // compatInt
	choices  []string // compatEnum
	multi    bool     // compatEnum: several choices separated by spaces
	fixed    bool     // immutable: CONFIG SET refuses it, as Redis does
	aliases  []string // Redis's older names (slave-* for replica-*)
	// check, when set, validates the value further, and show turns the
	// accepted value into what CONFIG GET shows.
	check func(v string) error
	show  func(v string) string
	// usage, when set, says what the parameter does here: it acts, and
	// --help lists it with the settings that act.
	usage string
}

const maxInt32 = 1<<31 - 1

var compatParams = []compatParam{
	{name: "acllog-max-len", def: "128", kind: compatInt, max: 1<<63 - 1},
	{name: "active-defrag-cycle-max", def: "25", kind: compatInt, min: 1, max: 99},
	{name: "active-defrag-cycle-min", def: "1", kind: compatInt, min: 1, max: 99},
	{name: "active-defrag-ignore-bytes", def: "104857600", kind: compatMemory, min: 1},
	{name: "active-defrag-max-scan-fields", def: "1000", kind: compatInt, min: 1, max: 1<<63 - 1},
	{name: "active-defrag-threshold-lower", def: "10", kind: compatInt, max: 1000},
	{name: "active-defrag-threshold-upper", def: "100", kind: compatInt, max: 1000},
	{name: "active-expire-effort", def: "1", kind: compatInt, min: 1, max: 10},
	{name: "activedefrag", def: "no", kind: compatBool, check: func(v string) error {
		if strings.EqualFold(v, "yes") {
			// Redis says the same when built without its jemalloc.
			return errors.New("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")
		}
		return nil
	}},
	{name: "activerehashing", def: "yes", kind: compatBool},
	// A rewrite here never delays the log's syncs, writes its base in one
	// stream synced at the end, and writes no timestamp annotations.
	{name: "aof-rewrite-incremental-fsync", def: "yes", kind: compatBool},
	{name: "aof-timestamp-enabled", def: "no", kind: compatBool},
	{name: "always-show-logo", def: "no", kind: compatBool, fixed: true},
	{name: "bgsave_cpulist", def: "", kind: compatString, fixed: true},
	{name: "bio_cpulist", def: "", kind: compatString, fixed: true},
	{name: "bind-source-addr", def: "", kind: compatString},
	{name: "cluster-allow-pubsubshard-when-down", def: "yes", kind: compatBool},
	{name: "cluster-allow-reads-when-down", def: "no", kind: compatBool},
	{name: "cluster-allow-replica-migration", def: "yes", kind: compatBool},
	{name: "cluster-announce-bus-port", def: "0", kind: compatInt, max: 65535},
	{name: "cluster-announce-hostname", def: "", kind: compatString, check: checkHostname},
	{name: "cluster-announce-ip", def: "", kind: compatString},
	{name: "cluster-announce-port", def: "0", kind: compatInt, max: 65535},
	{name: "cluster-announce-tls-port", def: "0", kind: compatInt, max: 65535},
	{name: "cluster-config-file", def: "nodes.conf", kind: compatString, fixed: true},
	{name: "cluster-enabled", def: "no", kind: compatBool, fixed: true},
	{name: "cluster-link-sendbuf-limit", def: "0", kind: compatMemory},
	{name: "cluster-migration-barrier", def: "1", kind: compatInt, max: maxInt32},
	{name: "cluster-node-timeout", def: "15000", kind: compatInt, max: 1<<63 - 1},
	{name: "cluster-port", def: "0", kind: compatInt, max: 65535, fixed: true},
	{name: "cluster-preferred-endpoint-type", def: "ip", kind: compatEnum, choices: []string{"ip", "hostname", "unknown-endpoint"}},
	{name: "cluster-replica-no-failover", def: "no", kind: compatBool, aliases: []string{"cluster-slave-no-failover"}},
	{name: "cluster-replica-validity-factor", def: "10", kind: compatInt, max: maxInt32, aliases: []string{"cluster-slave-validity-factor"}},
	{name: "cluster-require-full-coverage", def: "yes", kind: compatBool},
	{name: "crash-log-enabled", def: "yes", kind: compatBool},
	{name: "crash-memcheck-enabled", def: "yes", kind: compatBool},
	{name: "daemonize", def: "no", kind: compatBool, fixed: true},
	{name: "disable-thp", def: "yes", kind: compatBool, fixed: true},
	{name: "dynamic-hz", def: "yes", kind: compatBool},
	{name: "ignore-warnings", def: "", kind: compatString},
	{name: "io-threads", def: "1", kind: compatInt, min: 1, max: 128, fixed: true},
	{name: "io-threads-do-reads", def: "no", kind: compatBool, fixed: true},
	{name: "jemalloc-bg-thread", def: "yes", kind: compatBool},
	{name: "lazyfree-lazy-eviction", def: "no", kind: compatBool, usage: "evicted keys are freed lazily and propagated as UNLINK"},
	{name: "lazyfree-lazy-expire", def: "no", kind: compatBool, usage: "expired keys are freed lazily and propagated as UNLINK"},
	{name: "lazyfree-lazy-server-del", def: "no", kind: compatBool, usage: "values replaced by a write are freed lazily (lazyfreed_objects)"},
	{name: "lazyfree-lazy-user-del", def: "no", kind: compatBool, usage: "DEL frees lazily, as UNLINK"},
	{name: "lazyfree-lazy-user-flush", def: "no", kind: compatBool, usage: "FLUSHALL/FLUSHDB without a flag are ASYNC"},
	{name: "logfile", def: "", kind: compatString, fixed: true},
	{name: "no-appendfsync-on-rewrite", def: "no", kind: compatBool},
	{name: "oom-score-adj", def: "no", kind: compatEnum, choices: []string{"no", "yes", "relative", "absolute"}},
	{name: "oom-score-adj-values", def: "0 200 800", kind: compatString, check: checkOOMValues},
	{name: "pidfile", def: "", kind: compatString, fixed: true},
	{name: "proc-title-template", def: "{title} {listen-addr} {server-mode}", kind: compatString, check: checkProcTitle},
	{name: "propagation-error-behavior", def: "ignore", kind: compatEnum, choices: []string{"ignore", "panic", "panic-on-replicas"}},
	{name: "rdb-del-sync-files", def: "no", kind: compatBool},
	{name: "rdb-save-incremental-fsync", def: "yes", kind: compatBool, usage: "a snapshot's file is synced every 4 MB written, not only at its end"},
	{name: "repl-backlog-ttl", def: "3600", kind: compatInt, max: 1<<63 - 1},
	{name: "repl-disable-tcp-nodelay", def: "no", kind: compatBool},
	{name: "repl-diskless-load", def: "disabled", kind: compatEnum, choices: []string{"disabled", "on-empty-db", "swapdb"}},
	{name: "repl-diskless-sync", def: "yes", kind: compatBool},
	{name: "repl-diskless-sync-delay", def: "5", kind: compatInt, max: maxInt32},
	{name: "repl-diskless-sync-max-replicas", def: "0", kind: compatInt, max: maxInt32},
	{name: "replica-announce-ip", def: "", kind: compatString, aliases: []string{"slave-announce-ip"}, usage: "the address a replica announces to its master (REPLCONF ip-address)"},
	{name: "replica-announce-port", def: "0", kind: compatInt, max: 65535, aliases: []string{"slave-announce-port"}, usage: "the port a replica announces to its master (REPLCONF listening-port); 0: the one it listens on"},
	{name: "replica-announced", def: "yes", kind: compatBool},
	{name: "replica-ignore-disk-write-errors", def: "no", kind: compatBool},
	{name: "replica-ignore-maxmemory", def: "yes", kind: compatBool, aliases: []string{"slave-ignore-maxmemory"}},
	{name: "replica-lazy-flush", def: "no", kind: compatBool, aliases: []string{"slave-lazy-flush"}, usage: "a replica drops its data lazily before loading its master's image"},
	{name: "sanitize-dump-payload", def: "no", kind: compatEnum, choices: []string{"no", "yes", "clients"}},
	{name: "server_cpulist", def: "", kind: compatString, fixed: true},
	{name: "set-proc-title", def: "yes", kind: compatBool, fixed: true},
	{name: "shutdown-on-sigint", def: "default", kind: compatEnum, multi: true, choices: []string{"default", "save", "nosave", "now", "force"}},
	{name: "shutdown-on-sigterm", def: "default", kind: compatEnum, multi: true, choices: []string{"default", "save", "nosave", "now", "force"}},
	{name: "shutdown-timeout", def: "10", kind: compatInt, max: maxInt32},
	{name: "socket-mark-id", def: "0", kind: compatInt, max: 1<<32 - 1, fixed: true},
	{name: "supervised", def: "no", kind: compatEnum, choices: []string{"upstart", "systemd", "auto", "no"}, fixed: true},
	{name: "syslog-enabled", def: "no", kind: compatBool, fixed: true},
	{name: "syslog-facility", def: "local0", kind: compatEnum, fixed: true, choices: []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}},
	{name: "syslog-ident", def: "redis", kind: compatString, fixed: true},
	{name: "tcp-backlog", def: "511", kind: compatInt, max: maxInt32, fixed: true},
	{name: "tcp-keepalive", def: "300", kind: compatInt, max: maxInt32},
	{name: "unixsocket", def: "", kind: compatString, fixed: true},
	{name: "unixsocketperm", def: "0", kind: compatInt, max: 0777, fixed: true},
}

// compatAliases maps each older name to the parameter it stands for.
var compatAliases = map[string]string{}

func init() {
	for _, p := range compatParams {
		settings = append(settings, p.setting())
		for _, a := range p.aliases {
			compatAliases[a] = p.name
			alias := p.setting()
			alias.name, alias.alias = a, true
			settings = append(settings, alias)
		}
	}
}

// IsCompatSetting reports whether name (or the parameter it is an older
// name of) is a Redis parameter redmod accepts for compatibility only (it
// changes nothing here); --help lists those apart from the settings that
// act.
func IsCompatSetting(name string) bool {
	name = strings.ToLower(name)
	if n, ok := compatAliases[name]; ok {
		name = n
	}
	for _, p := range compatParams {
		if p.name == name {
			return p.usage == ""
		}
	}
	return false
}

// setting turns a parameter into a settings-table entry whose value lives in
// Config.compat under the parameter's own name (aliases share it).
func (p compatParam) setting() setting {
	name := p.name
	usage := p.usage
	if usage == "" {
		usage = "Redis setting accepted for compatibility; no effect in redmod"
	}
	return setting{
		name: name, usage: usage,
		mutable: !p.fixed, quoted: p.kind == compatString, compat: true,
		get: func(c *Config) string {
			if v, ok := c.compat[name]; ok {
				return v
			}
			return p.def
		},
		set: func(c *Config, v string) error {
			norm, err := p.validate(v)
			if err != nil {
				return err
			}
			if p.check != nil {
				if err := p.check(norm); err != nil {
					return err
				}
			}
			if p.show != nil {
				norm = p.show(norm)
			}
			// Configs are copied by value (CONFIG SET builds the next one),
			// so the map is replaced, never changed in place.
			m := maps.Clone(c.compat)
			if m == nil {
				m = map[string]string{}
			}
			m[name] = norm
			c.compat = m
			return nil
		},
	}
}

// validate checks v as Redis checks the parameter's type and returns the
// form CONFIG GET shows.
func (p compatParam) validate(v string) (string, error) {
	switch p.kind {
	case compatBool:
		switch strings.ToLower(v) {
		case "yes":
			return "yes", nil
		case "no":
			return "no", nil
		}
		return "", errors.New("argument must be 'yes' or 'no'")
	case compatInt:
		n, ok := core.ParseInt([]byte(v))
		if !ok {
			return "", errNotInteger
		}
		if n < p.min || n > p.max {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), nil
	case compatMemory:
		n, err := core.ParseMemory(v)
		if err != nil {
			return "", err
		}
		if n < p.min {
			return "", fmt.Errorf("argument must be between %d and 9223372036854775807 inclusive", p.min)
		}
		return strconv.FormatInt(n, 10), nil
	case compatEnum:
		words := []string{v}
		if p.multi {
			words = strings.Fields(v)
		}
		if len(words) == 0 {
			return "", errors.New("argument(s) must be one of the following: " + strings.Join(p.choices, ", "))
		}
		for i, w := range words {
			found := false
			for _, c := range p.choices {
				if strings.EqualFold(w, c) {
					words[i], found = c, true
					break
				}
			}
			if !found {
				return "", errors.New("argument(s) must be one of the following: " + strings.Join(p.choices, ", "))
			}
		}
		return strings.Join(words, " "), nil
	}
	return v, nil
}

// checkHostname accepts what Redis accepts as an announced hostname.
func checkHostname(v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return errors.New("Hostnames may only contain alphanumeric characters, hyphens or dots")
		}
	}
	return nil
}

// checkOOMValues accepts three scores, one per role, as Redis does.
func checkOOMValues(v string) error {
	f := strings.Fields(v)
	if len(f) != 3 {
		return errors.New("wrong number of arguments")
	}
	for _, w := range f {
		n, ok := core.ParseInt([]byte(w))
		if !ok || n < -2000 || n > 2000 {
			return errors.New("Invalid oom-score-adj-values: each value must be between -2000 and 2000")
		}
	}
	return nil
}

// checkProcTitle accepts a non-empty process title template naming only
// the variables Redis knows.
func checkProcTitle(v string) error {
	bad := errors.New("template format is invalid or contains unknown variables")
	if strings.TrimSpace(v) == "" {
		return bad
	}
	rest := v
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return bad
		}
		switch rest[i+1 : i+j] {
		case "title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file":
		default:
			return bad
		}
		rest = rest[i+j+1:]
	}
}

// compatBool returns the value of a boolean compatibility parameter.
func (c *Config) compatBool(name string) bool {
	if v, ok := c.compat[name]; ok {
		return v == "yes"
	}
	for _, p := range compatParams {
		if p.name == name {
			return p.def == "yes"
		}
	}
	return false
}
