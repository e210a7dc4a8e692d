package host

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redmod/redmod/core"
)

// defaultSections are those INFO prints without arguments, in Redis's order.
var defaultSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

// allSections adds those only "all" and "everything" include.
var allSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"}

// Info implements core.Server: INFO [section ...].
func (s *Server) Info(sections []string) string {
	want := map[string]bool{}
	order := defaultSections
	for _, sec := range sections {
		sec = strings.ToLower(sec)
		switch sec {
		case "all", "everything":
			order = allSections
			for _, a := range allSections {
				want[a] = true
			}
		case "default":
			for _, a := range defaultSections {
				want[a] = true
			}
		default:
			want[sec] = true
		}
	}
	if len(sections) == 0 {
		for _, a := range defaultSections {
			want[a] = true
		}
	}
	// Sections of modules come after the standard ones.
	var extra []string
	for _, m := range s.modules {
		if ip, ok := m.(core.InfoProvider); ok {
			for _, sec := range ip.InfoSections() {
				if want[sec] || want["all"] || len(sections) == 0 || want["everything"] {
					extra = append(extra, sec)
					want[sec] = true
				}
			}
		}
	}
	if (want["commandstats"] || want["latencystats"]) && !contains(order, "commandstats") {
		order = allSections
	}
	var b strings.Builder
	for _, sec := range append(append([]string(nil), order...), extra...) {
		if !want[sec] {
			continue
		}
		fields := s.infoSection(sec)
		var more []core.InfoField
		for _, m := range s.modules {
			if ip, ok := m.(core.KeyspaceInfoProvider); ok {
				more = append(more, ip.InfoFor(s.ks, sec)...)
			} else if ip, ok := m.(core.InfoProvider); ok {
				more = append(more, ip.Info(sec)...)
			}
		}
		fields = insertFields(fields, more, sec)
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# ")
		b.WriteString(sectionTitle(sec))
		b.WriteString("\r\n")
		for _, f := range fields {
			b.WriteString(f.Name)
			b.WriteByte(':')
			b.WriteString(f.Value)
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

// sectionTitle is the heading Redis prints for a section: capitalised, with
// CPU in capitals.
func sectionTitle(sec string) string {
	if sec == "cpu" {
		return "CPU"
	}
	return strings.ToUpper(sec[:1]) + sec[1:]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func field(name string, v any) core.InfoField {
	return core.InfoField{Name: name, Value: fmt.Sprint(v)}
}

func (s *Server) infoSection(sec string) []core.InfoField {
	cfg := s.Config()
	now := time.Now()
	switch sec {
	case "server":
		uptime := int64(now.Sub(s.started).Seconds())
		port := cfg.Port
		if a := s.Addr(); a != nil {
			if _, p, err := splitHostPort(a.String()); err == nil {
				port = p
			}
		}
		exe, _ := os.Executable()
		return []core.InfoField{
			field("redis_version", RedisVersion),
			field("redis_git_sha1", "00000000"),
			field("redis_git_dirty", 0),
			field("redmod_version", Version),
			field("redis_mode", "standalone"),
			field("os", osName()),
			field("arch_bits", strconv.Itoa(strconv.IntSize)),
			field("multiplexing_api", multiplexingAPI()),
			field("go_version", runtime.Version()),
			field("process_id", os.Getpid()),
			field("process_supervised", "no"),
			field("run_id", s.metrics.runID),
			field("tcp_port", port),
			field("server_time_usec", now.UnixMicro()),
			field("uptime_in_seconds", uptime),
			field("uptime_in_days", uptime/86400),
			field("hz", cfg.Hz),
			field("configured_hz", cfg.Hz),
			field("lru_clock", now.Unix()&(1<<24-1)),
			field("executable", exe),
			field("config_file", cfg.ConfigFile),
			field("io_threads_active", 0),
		}
	case "clients":
		return []core.InfoField{
			field("connected_clients", len(s.connList())),
			field("cluster_connections", 0),
			field("maxclients", cfg.MaxClients),
			field("blocked_clients", s.stats.blockedClients.Load()),
			field("tracking_clients", s.trackingClients()),
		}
	case "memory":
		return s.memoryInfo(cfg)
	case "persistence":
		bgTime := int64(-1)
		if s.persist.bgInProgress.Load() {
			bgTime = now.Unix() - s.persist.bgStarted.Load()
		}
		status := func(ok bool) string {
			if ok {
				return "ok"
			}
			return "err"
		}
		return append([]core.InfoField{
			field("loading", 0),
			field("rdb_changes_since_last_save", s.ks.Dirty()),
			field("rdb_bgsave_in_progress", boolInt(s.persist.bgInProgress.Load())),
			field("rdb_last_save_time", s.persist.lastSave.Load()),
			field("rdb_last_bgsave_status", status(s.persist.lastBgStatusOK.Load())),
			field("rdb_last_bgsave_time_sec", s.persist.lastBgDuration.Load()),
			field("rdb_current_bgsave_time_sec", bgTime),
			field("rdb_saves", s.persist.saves.Load()),
			field("rdb_last_save_status", status(s.persist.lastStatusOK.Load())),
		}, s.aofInfo()...)
	case "stats":
		nch, npat, nshard := s.ps.Counts()
		tkeys, titems, tprefixes := s.trackingCounts()
		ops, inKbps, outKbps := s.instantaneous()
		kbps := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
		return []core.InfoField{
			field("total_connections_received", s.stats.connections.Load()),
			field("total_commands_processed", s.commandsProcessed()),
			field("instantaneous_ops_per_sec", ops),
			field("total_net_input_bytes", s.stats.netInput.Load()),
			field("total_net_output_bytes", s.stats.netOutput.Load()),
			field("total_net_repl_input_bytes", 0),
			field("total_net_repl_output_bytes", 0),
			field("instantaneous_input_kbps", kbps(inKbps)),
			field("instantaneous_output_kbps", kbps(outKbps)),
			field("instantaneous_input_repl_kbps", "0.00"),
			field("instantaneous_output_repl_kbps", "0.00"),
			field("rejected_connections", s.stats.rejectedConns.Load()),
			field("sync_full", s.repl.syncFull.Load()),
			field("sync_partial_ok", s.repl.syncPartialOK.Load()),
			field("sync_partial_err", s.repl.syncPartialErr.Load()),
			field("expired_keys", s.ks.ExpiredKeys.Load()),
			field("evicted_keys", s.ks.EvictedKeys()),
			field("evicted_clients", s.stats.evictedClients.Load()),
			field("keyspace_hits", s.ks.KeyspaceHits.Load()),
			field("keyspace_misses", s.ks.KeyspaceMisses.Load()),
			field("pubsub_channels", nch),
			field("pubsub_patterns", npat),
			field("pubsubshard_channels", nshard),
			field("tracking_total_keys", tkeys),
			field("tracking_total_items", titems),
			field("tracking_total_prefixes", tprefixes),
			field("total_error_replies", s.stats.totalErrorReplies.Load()),
			field("reply_buffer_shrinks", s.replyBuf.shrinks.Load()),
			field("reply_buffer_expands", s.replyBuf.expands.Load()),
		}
	case "replication":
		return s.replicationInfo()
	case "cpu":
		self, children := cpuTimes()
		tv := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }
		return []core.InfoField{
			field("used_cpu_sys", tv(self.sys)),
			field("used_cpu_user", tv(self.user)),
			field("used_cpu_sys_children", tv(children.sys)),
			field("used_cpu_user_children", tv(children.user)),
			field("goroutines", runtime.NumGoroutine()),
		}
	case "modules":
		var out []core.InfoField
		for _, m := range s.modules {
			out = append(out, field("module", "name="+m.Name()+",commands="+strconv.Itoa(len(m.Commands()))))
		}
		return out
	case "commandstats":
		return s.commandStatsInfo()
	case "latencystats":
		return s.latencyStatsInfo()
	case "cluster":
		return []core.InfoField{field("cluster_enabled", 0)}
	case "errorstats":
		s.errMu.Lock()
		codes := make([]string, 0, len(s.errors))
		for c := range s.errors {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		var out []core.InfoField
		for _, c := range codes {
			out = append(out, core.InfoField{Name: "errorstat_" + c, Value: "count=" + strconv.FormatInt(s.errors[c], 10)})
		}
		s.errMu.Unlock()
		return out
	case "keyspace":
		var out []core.InfoField
		for i := 0; i < s.ks.NumDBs(); i++ {
			db := s.ks.DB(i)
			if n := db.Len(); n > 0 {
				out = append(out, core.InfoField{Name: "db" + strconv.Itoa(i),
					Value: fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", n, db.VolatileLen(), db.AvgTTL())})
			}
		}
		return out
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("no port in %q", addr)
	}
	p, err := strconv.Atoi(addr[i+1:])
	return addr[:i], p, err
}

// memoryFigures reads the Go runtime's memory use without stopping the world.
// used is what the runtime holds less the heap pages it returned to the
// operating system or keeps free for reuse, as Redis's used_memory counts
// what is allocated rather than what the allocator holds.
func memoryFigures() (used, heap int64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(samples)
	total := samples[0].Value.Uint64() - samples[2].Value.Uint64() - samples[3].Value.Uint64()
	return int64(total), int64(samples[1].Value.Uint64())
}

// rssBytes reads the resident set size from /proc where there is one.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func humanBytes(n int64) string {
	const unit = 1024
	switch {
	case n >= unit*unit*unit:
		return strconv.FormatFloat(float64(n)/(unit*unit*unit), 'f', 2, 64) + "G"
	case n >= unit*unit:
		return strconv.FormatFloat(float64(n)/(unit*unit), 'f', 2, 64) + "M"
	case n >= unit:
		return strconv.FormatFloat(float64(n)/unit, 'f', 2, 64) + "K"
	}
	return strconv.FormatInt(n, 10) + "B"
}
