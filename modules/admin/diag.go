package admin

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/rdb"
)

// The operator's tools: SLOWLOG, LATENCY and DEBUG. The figures live in the
// host (core.Diagnostics); these commands only present them.

func init() {
	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "server"
		return core.NewCommand(spec, run)
	}
	admin := core.FlagAdmin | core.FlagLoading | core.FlagStale
	latFlags := admin | core.FlagNoScript
	latTips := []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}
	add(core.Spec{
		Name: "slowlog", Arity: -2, Group: "server",
		Summary: "A container for slow log commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "get", Arity: -2, Flags: admin, Summary: "Get the slow log's entries",
				Tips:   []string{"request_policy:all_nodes", "nondeterministic_output"},
				Syntax: "[count]"}, slowlogGet),
			sub(core.Spec{Name: "len", Arity: 2, Flags: admin, Summary: "Get the slow log's length",
				Tips: []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
				func(c *core.Ctx) error {
					d, err := diag(c)
					if err != nil {
						return err
					}
					c.WriteInt(int64(d.SlowlogLen()))
					return nil
				}),
			sub(core.Spec{Name: "reset", Arity: 2, Flags: admin, Summary: "Clear all entries from the slow log",
				Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
				func(c *core.Ctx) error {
					d, err := diag(c)
					if err != nil {
						return err
					}
					d.SlowlogReset()
					c.WriteOK()
					return nil
				}),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Summary: "Show helpful text about the different subcommands"},
				func(c *core.Ctx) error {
					writeHelp(c, "SLOWLOG", []string{
						"GET [<count>]",
						"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
						"    Entries are made of:",
						"    id, timestamp, time in microseconds, arguments array, client IP and port,",
						"    client name",
						"LEN",
						"    Return the length of the slowlog.",
						"RESET",
						"    Reset the slowlog.",
					})
					return nil
				}),
		},
	}, nil)
	add(core.Spec{
		Name: "latency", Arity: -2, Group: "server",
		Summary: "A container for latency diagnostics commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "latest", Arity: 2, Flags: latFlags, Summary: "Return the latest latency samples for all events.", Tips: latTips}, latencyLatest),
			sub(core.Spec{Name: "history", Arity: 3, Flags: latFlags, Summary: "Return timestamp-latency samples for the event.", Tips: latTips,
				Syntax: "event"}, latencyHistory),
			sub(core.Spec{Name: "reset", Arity: -2, Flags: latFlags, Summary: "Reset latency data for one or more events.",
				Tips:   []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Syntax: "[event [event ...]]"}, latencyReset),
			sub(core.Spec{Name: "doctor", Arity: 2, Flags: latFlags, Summary: "Return a human readable latency analysis report.", Tips: latTips}, latencyDoctor),
			sub(core.Spec{Name: "graph", Arity: 3, Flags: latFlags, Summary: "Return a latency graph for the event.", Tips: latTips,
				Syntax: "event"}, latencyGraph),
			sub(core.Spec{Name: "histogram", Arity: -2, Flags: latFlags, Summary: "Return the cumulative distribution of latencies of a subset of commands or all.",
				Tips:   latTips,
				Syntax: "[command [command ...]]"}, latencyHistogram),
			sub(core.Spec{Name: "help", Arity: 2, Flags: core.FlagLoading | core.FlagStale, Summary: "Show helpful text about the different subcommands."},
				func(c *core.Ctx) error {
					writeHelp(c, "LATENCY", []string{
						"DOCTOR",
						"    Return a human readable latency analysis report.",
						"GRAPH <event>",
						"    Return an ASCII latency graph for the <event> class.",
						"HISTORY <event>",
						"    Return time-latency samples for the <event> class.",
						"LATEST",
						"    Return the latest latency samples for all events.",
						"RESET [<event> ...]",
						"    Reset latency data of one or more <event> classes.",
						"    (default: reset all data for all event classes)",
						"HISTOGRAM [COMMAND ...]",
						"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
						"    If no commands are specified then all histograms are replied.",
					})
					return nil
				}),
		},
	}, nil)
	add(core.Spec{
		// PROTOCOL attrib and push write an out-of-band reply before the
		// reply proper.
		Name: "debug", Arity: -2, Group: "server", Flags: latFlags | core.FlagMultiReply,
		Summary: "A container for debugging commands",
	}, debugCommand)
}

var errNoDiagnostics = core.NewError("ERR this server does not keep diagnostics")

func diag(c *core.Ctx) (core.Diagnostics, error) {
	d, ok := c.Server.(core.Diagnostics)
	if !ok {
		return nil, errNoDiagnostics
	}
	return d, nil
}

func slowlogGet(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	if len(c.Args) > 3 {
		return errSubcommandSyntax(c, "SLOWLOG")
	}
	count := int64(10)
	if len(c.Args) == 3 {
		n, ok := core.ParseInt(c.Args[2])
		if !ok || n < -1 {
			return core.NewError("ERR count should be greater than or equal to -1")
		}
		count = n
	}
	if count > 1<<31 {
		count = -1
	}
	entries := d.Slowlog(int(count))
	c.WriteArray(len(entries))
	for _, e := range entries {
		c.WriteArray(6)
		c.WriteInt(e.ID)
		c.WriteInt(e.Time)
		c.WriteInt(e.Duration)
		c.WriteArray(len(e.Args))
		for _, a := range e.Args {
			c.WriteBulk(a)
		}
		c.WriteBulkString(e.Addr)
		c.WriteBulkString(e.Name)
	}
	return nil
}

func latencyLatest(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	events := d.LatencyEvents()
	c.WriteArray(len(events))
	for _, ev := range events {
		last := ev.Samples[len(ev.Samples)-1]
		c.WriteArray(4)
		c.WriteBulkString(ev.Name)
		c.WriteInt(last.Time)
		c.WriteInt(last.Latency)
		c.WriteInt(ev.Max)
	}
	return nil
}

func findEvent(d core.Diagnostics, name string) (core.LatencyEvent, bool) {
	for _, ev := range d.LatencyEvents() {
		if ev.Name == name {
			return ev, true
		}
	}
	return core.LatencyEvent{}, false
}

func latencyHistory(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	ev, _ := findEvent(d, string(c.Args[2]))
	c.WriteArray(len(ev.Samples))
	for _, s := range ev.Samples {
		c.WriteArray(2)
		c.WriteInt(s.Time)
		c.WriteInt(s.Latency)
	}
	return nil
}

func latencyReset(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	var names []string
	for _, a := range c.Args[2:] {
		names = append(names, string(a))
	}
	c.WriteInt(int64(d.LatencyReset(names)))
	return nil
}

func latencyHistogram(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	var names []string
	for _, a := range c.Args[2:] {
		names = append(names, string(a))
	}
	hs := d.LatencyHistograms(names)
	c.WriteMap(len(hs))
	for _, h := range hs {
		c.WriteBulkString(h.Name)
		c.WriteMap(2)
		c.WriteBulkString("calls")
		c.WriteInt(h.Calls)
		c.WriteBulkString("histogram_usec")
		c.WriteMap(len(h.Buckets))
		for _, b := range h.Buckets {
			c.WriteInt(b.Usec)
			c.WriteInt(b.Count)
		}
	}
	return nil
}

// latencyDoctor writes a short report of the latency events and what
// usually causes them.
func latencyDoctor(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	events := d.LatencyEvents()
	var b strings.Builder
	if len(events) == 0 {
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n")
		c.WriteVerbatim("txt", b.String())
		return nil
	}
	b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
	for i, ev := range events {
		var sum, low int64 = 0, ev.Samples[0].Latency
		for _, s := range ev.Samples {
			sum += s.Latency
			low = min(low, s.Latency)
		}
		avg := sum / int64(len(ev.Samples))
		first := ev.Samples[0].Time
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %d sec). Worst all time event %dms.\n",
			i+1, ev.Name, len(ev.Samples), avg, avg-low, time.Now().Unix()-first, ev.Max)
	}
	b.WriteString("\nI have a few advices for you:\n\n")
	for _, ev := range events {
		switch ev.Name {
		case "command":
			b.WriteString("- Check your slow log (SLOWLOG GET) for commands that run long: O(N) commands on big values (SORT, SUNION, ZUNIONSTORE, KEYS ...) block the clients they share keys with.\n")
		case "fast-command":
			b.WriteString("- O(1) and O(log(N)) commands were slow: the machine may be overloaded or the process may be swapping; check the system load and free memory.\n")
		case "expire-cycle":
			b.WriteString("- Deleting big expired keys takes time: avoid many big keys expiring at the same moment.\n")
		default:
			fmt.Fprintf(&b, "- The %s event was slow: check the system load and the disk.\n", ev.Name)
		}
	}
	c.WriteVerbatim("txt", b.String())
	return nil
}

// latencyGraph draws the samples of an event as columns of characters,
// newest on the right, with how long ago each happened below.
func latencyGraph(c *core.Ctx) error {
	d, err := diag(c)
	if err != nil {
		return err
	}
	name := string(c.Args[2])
	ev, ok := findEvent(d, name)
	if !ok {
		return core.NewError("ERR No samples available for event '" + name + "'")
	}
	lo, hi := ev.Samples[0].Latency, ev.Samples[0].Latency
	for _, s := range ev.Samples {
		lo, hi = min(lo, s.Latency), max(hi, s.Latency)
	}
	samples := ev.Samples
	if len(samples) > 80 {
		samples = samples[len(samples)-80:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", name, hi, lo, ev.Max)
	b.WriteString(strings.Repeat("-", 80) + "\n")
	const rows = 4
	for r := rows; r >= 1; r-- {
		for _, s := range samples {
			level := int64(rows)
			if hi > lo {
				level = 1 + (s.Latency-lo)*(rows-1)/(hi-lo)
			}
			switch {
			case level >= int64(r) && level == int64(r):
				b.WriteByte('#')
			case level > int64(r):
				b.WriteByte('|')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	now := time.Now().Unix()
	labels := make([]string, len(samples))
	width := 0
	for i, s := range samples {
		ago := now - s.Time
		switch {
		case ago < 60:
			labels[i] = strconv.FormatInt(ago, 10) + "s"
		case ago < 3600:
			labels[i] = strconv.FormatInt(ago/60, 10) + "m"
		case ago < 86400:
			labels[i] = strconv.FormatInt(ago/3600, 10) + "h"
		default:
			labels[i] = strconv.FormatInt(ago/86400, 10) + "d"
		}
		width = max(width, len(labels[i]))
	}
	for row := 0; row < width; row++ {
		for _, l := range labels {
			if row < len(l) {
				b.WriteByte(l[row])
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	c.WriteVerbatim("txt", b.String())
	return nil
}

// debugCommand runs DEBUG's subcommands that make sense here: the ones
// Redis's own tests and operators use. DEBUG is refused unless
// enable-debug-command allows it, as in Redis.
func debugCommand(c *core.Ctx) error {
	allowed := "no"
	for _, f := range c.Server.ConfigGet("enable-debug-command") {
		allowed = f.Value
	}
	if !core.AllowProtected(allowed, c.Client) {
		return core.NewError(`ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`)
	}
	d, err := diag(c)
	if err != nil {
		return err
	}
	sub := strings.ToLower(string(c.Args[1]))
	n := len(c.Args)
	switch {
	case sub == "help" && n == 2:
		writeHelp(c, "DEBUG", []string{
			"CHANGE-REPL-ID",
			"    Change the replication IDs of the instance (redmod has no replication: no effect).",
			"DIGEST",
			"    Output a hex signature representing the current DB content.",
			"DIGEST-VALUE <key> [<key> ...]",
			"    Output a hex signature of the values of all the specified keys.",
			"ERROR <string>",
			"    Return a Redis protocol error with <string> as message. Useful for clients",
			"    unit tests to simulate Redis errors.",
			"LOADAOF",
			"    Flush the AOF buffers on disk and reload the AOF in memory.",
			"LOG <message>",
			"    Write <message> to the server log.",
			"OBJECT <key>",
			"    Show low level info about `key` and associated value.",
			"POPULATE <count> [<prefix>] [<size>]",
			"    Create <count> string keys named key:<num>. If <prefix> is specified then",
			"    it is used instead of the 'key' prefix. These are not propagated to",
			"    replicas. Cluster slots are not respected so keys not belonging to the",
			"    current node can be created in cluster mode.",
			"PROTOCOL <type>",
			"    Reply with a test value of the specified type. <type> can be: string,",
			"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
			"    true, false.",
			"RELOAD [option ...]",
			"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
			"    * MERGE: conflicting keys will be loaded from RDB.",
			"    * NOFLUSH: the existing database will not be removed before load.",
			"    * NOSAVE: the database will be loaded from an existing RDB file.",
			"QUICKLIST-PACKED-THRESHOLD <size>",
			"    Sets the threshold for elements to be inserted as plain vs packed nodes",
			"    (accepted; redmod's lists hold every element alike).",
			"SET-DISABLE-DENY-SCRIPTS <0|1>",
			"    For testing: lets scripts call commands flagged noscript when 1.",
			"SET-ACTIVE-EXPIRE <0|1>",
			"    Setting it to 0 disables expiring keys in background when they are not",
			"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
			"    default.",
			"SLEEP <seconds>",
			"    Stop the server for <seconds>. Decimals allowed.",
			"PAUSE-CRON <0|1>",
			"    Stop periodic cron job processing.",
			"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
			"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
			"    In case NEVER is provided the last observed peak will never be reset",
			"    In case RESET is provided the peak reset time will be restored to the default value",
			"REPLYBUFFER RESIZING <0|1>",
			"    Enable or disable the reply buffer resize cron job",
		})
	case sub == "sleep" && n == 3:
		secs, _ := strconv.ParseFloat(string(c.Args[2]), 64)
		if secs > 0 {
			time.Sleep(time.Duration(secs * float64(time.Second)))
		}
		c.WriteOK()
	case sub == "log" && n == 3:
		c.Log.Warn("DEBUG LOG: " + string(c.Args[2]))
		c.WriteOK()
	case sub == "error" && n == 3:
		return core.NewError(string(c.Args[2]))
	case sub == "change-repl-id" && n == 2:
		c.WriteOK()
	case sub == "quicklist-packed-threshold" && n == 3:
		// Redis stores list elements above this size in nodes of their
		// own; redmod's lists hold every element the same way, so there is
		// nothing to change, but the size is checked as Redis checks it
		// (its own tests set it around the list commands).
		sz, err := core.ParseMemory(string(c.Args[2]))
		if err != nil || sz > 1<<32-1<<20 {
			return core.NewError("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		}
		c.WriteOK()
	case sub == "pause-cron" && n == 3:
		on, ok := core.ParseInt(c.Args[2])
		if !ok {
			return core.ErrNotInteger
		}
		d.PauseCron(on != 0)
		c.WriteOK()
	case sub == "set-active-expire" && n == 3:
		on, ok := core.ParseInt(c.Args[2])
		if !ok {
			return core.ErrNotInteger
		}
		d.SetActiveExpire(on != 0)
		c.WriteOK()
	case sub == "set-disable-deny-scripts" && n == 3:
		// Redis reads the flag with atoi: anything not a number is 0.
		on, _ := core.ParseInt(c.Args[2])
		d.SetScriptDenyDisabled(on != 0)
		c.WriteOK()
	case sub == "replybuffer" && n == 4:
		return debugReplyBuffer(c, d)
	case sub == "reload":
		save, flush, merge := true, true, false
		for _, o := range c.Args[2:] {
			switch strings.ToLower(string(o)) {
			case "merge":
				merge = true
			case "noflush":
				flush = false
			case "nosave":
				save = false
			default:
				return core.NewError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			}
		}
		if err := d.Reload(save, flush, merge); err != nil {
			return err
		}
		c.WriteOK()
	case sub == "loadaof" && n == 2:
		if err := d.ReloadAOF(); err != nil {
			return err
		}
		c.WriteOK()
	case sub == "populate" && n >= 3 && n <= 5:
		return debugPopulate(c)
	case sub == "digest" && n == 2:
		sum := d.Digest()
		c.WriteSimple(hex.EncodeToString(sum[:]))
	case sub == "digest-value" && n >= 2:
		c.WriteArray(n - 2)
		for _, k := range c.Args[2:] {
			sum := d.DigestValue(c.DB, k)
			c.WriteSimple(hex.EncodeToString(sum[:]))
		}
	case sub == "object" && n == 3:
		return debugObject(c)
	case sub == "protocol" && n == 3:
		return debugProtocol(c, strings.ToLower(string(c.Args[2])))
	default:
		return errSubcommandSyntax(c, "DEBUG")
	}
	return nil
}

// debugReplyBuffer is DEBUG REPLYBUFFER PEAK-RESET-TIME <never|reset|ms>
// and DEBUG REPLYBUFFER RESIZING <0|1>.
func debugReplyBuffer(c *core.Ctx, d core.Diagnostics) error {
	arg := strings.ToLower(string(c.Args[3]))
	switch strings.ToLower(string(c.Args[2])) {
	case "peak-reset-time":
		switch arg {
		case "never":
			d.SetReplyBufferPeakReset(-1)
		case "reset":
			d.SetReplyBufferPeakReset(5 * time.Second)
		default:
			ms, ok := core.ParseInt(c.Args[3])
			if !ok {
				return core.ErrNotInteger
			}
			if ms < 0 {
				d.SetReplyBufferPeakReset(-1)
			} else {
				d.SetReplyBufferPeakReset(time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond)
			}
		}
	case "resizing":
		// Redis reads the flag with atoi: anything not a number is 0.
		on, _ := core.ParseInt(c.Args[3])
		d.SetReplyBufferResizing(on != 0)
	default:
		return errSubcommandSyntax(c, "DEBUG")
	}
	c.WriteOK()
	return nil
}

// errSubcommandSyntax is Redis's reply to a subcommand it does not know or
// that has the wrong number of arguments.
func errSubcommandSyntax(c *core.Ctx, container string) error {
	sub := c.Args[1]
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try " + container + " HELP.")
}

// debugObject describes a key's value in Redis's format; the address is the
// value's identity, not a memory address.
func debugObject(c *core.Ctx) error {
	key := c.Args[2]
	// DEBUG declares no keys (as in Redis): it locks the one it reads.
	if c.Locks != nil {
		if err := c.Locks.Ensure([][]byte{key}, false); err != nil {
			return err
		}
	}
	// A key past its expiry that nothing deleted yet is still described,
	// and not deleted, as in Redis.
	v := c.DB.PeekStored(key)
	if v == nil {
		return core.NewError("ERR no such key")
	}
	var idle int64
	if c.DB.Peek(key) != nil {
		idle, _ = c.DB.IdleTime(key)
	}
	// serializedlength is the value's size in an RDB file, as Redis
	// reports it: its DUMP payload without the type byte and the footer.
	size := 0
	if d, err := rdb.Dump(v); err == nil {
		size = len(d) - 1 - 10
	}
	c.WriteSimple(fmt.Sprintf("Value at:%#x refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		c.DB.ValueAddress(key), v.Encoding(), size, (time.Now().Unix()-idle)&(1<<24-1), idle))
	return nil
}

// debugPopulate creates count string keys <prefix>:<n> (prefix "key")
// holding value:<n>, or that value cut or padded with zero bytes to size,
// skipping names that exist, as Redis's DEBUG POPULATE does: the keys are
// neither propagated nor counted as changes, and a name is cut to 127
// bytes as Redis's buffer cuts it.
func debugPopulate(c *core.Ctx) error {
	positive := func(b []byte) (int64, error) {
		// Redis answers this one message for a negative number and for
		// no number alike.
		v, ok := core.ParseInt(b)
		if !ok || v < 0 {
			return 0, core.NewError("ERR value is out of range, must be positive")
		}
		return v, nil
	}
	count, err := positive(c.Args[2])
	if err != nil {
		return err
	}
	var size int64
	if len(c.Args) == 5 {
		if size, err = positive(c.Args[4]); err != nil {
			return err
		}
	}
	prefix := []byte("key")
	if len(c.Args) >= 4 {
		prefix = c.Args[3]
	}
	// DEBUG declares no keys: every slot is taken for the run.
	if c.Locks != nil {
		if err := c.Locks.Ensure(nil, true); err != nil {
			return err
		}
	}
	checks := c.Keyspace.KeyChecks() && c.Locks != nil
	var num []byte
	for j := int64(0); j < count; j++ {
		num = strconv.AppendInt(num[:0], j, 10)
		key := make([]byte, 0, len(prefix)+1+len(num))
		key = append(append(append(key, prefix...), ':'), num...)
		if len(key) > 127 {
			key = key[:127]
		}
		if checks {
			c.Locks.Declare(key)
		}
		if c.DB.GetForWrite(key) != nil {
			continue
		}
		val := append([]byte("value:"), num...)
		if size > 0 {
			padded := make([]byte, size)
			copy(padded, val)
			val = padded
		}
		c.DB.Set(key, core.NewString(val))
	}
	c.WriteOK()
	return nil
}

// debugProtocol replies with a sample of one RESP type, for client tests.
func debugProtocol(c *core.Ctx, name string) error {
	resp3 := c.Protocol() >= 3
	switch name {
	case "string":
		c.WriteBulkString("Hello World")
	case "integer":
		c.WriteInt(12345)
	case "double":
		c.WriteDouble(3.141)
	case "bignum":
		if resp3 {
			c.WriteRaw([]byte("(1234567999999999999999999999999999999\r\n"))
		} else {
			c.WriteBulkString("1234567999999999999999999999999999999")
		}
	case "null":
		c.WriteNull()
	case "array":
		c.WriteArray(3)
		for j := int64(0); j < 3; j++ {
			c.WriteInt(j)
		}
	case "set":
		c.WriteSet(3)
		for j := int64(0); j < 3; j++ {
			c.WriteInt(j)
		}
	case "map":
		c.WriteMap(3)
		for j := int64(0); j < 3; j++ {
			c.WriteInt(j)
			c.WriteBool(j == 1)
		}
	case "attrib":
		if resp3 {
			c.WriteRaw([]byte("|1\r\n"))
			c.WriteBulkString("key-popularity")
			c.WriteArray(2)
			c.WriteBulkString("key:123")
			c.WriteInt(90)
		}
		c.WriteBulkString("Some real reply following the attribute")
	case "push":
		if !resp3 {
			return core.NewError("ERR RESP2 is not supported by this command")
		}
		c.WritePush(2)
		c.WriteBulkString("server-cpu-usage")
		c.WriteInt(42)
		c.WriteBulkString("Some real reply following the push reply")
	case "true":
		c.WriteBool(true)
	case "false":
		c.WriteBool(false)
	case "verbatim":
		c.WriteVerbatim("txt", "This is a verbatim\nstring")
	default:
		return core.NewError("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
	return nil
}
