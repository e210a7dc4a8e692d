package host

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Monitor implements core.Monitorer for MONITOR: the client receives every
// command the server runs from now on, as Redis formats it.
func (s *Server) Monitor(cl *core.Client) {
	s.monMu.Lock()
	defer s.monMu.Unlock()
	next := append([]*core.Client(nil), s.monitorList()...)
	next = append(next, cl)
	s.monitors.Store(&next)
	cl.SetMonitor(true)
}

// unmonitor removes a client that disconnected or ran RESET.
func (s *Server) unmonitor(cl *core.Client) {
	if len(s.monitorList()) == 0 {
		return
	}
	cl.SetMonitor(false)
	s.monMu.Lock()
	defer s.monMu.Unlock()
	var next []*core.Client
	for _, m := range s.monitorList() {
		if m != cl {
			next = append(next, m)
		}
	}
	s.monitors.Store(&next)
}

func (s *Server) monitorList() []*core.Client {
	if p := s.monitors.Load(); p != nil {
		return *p
	}
	return nil
}

// feedMonitors sends one command to the monitors: `+<time> [<db> <addr>]
// "arg" ...`, skipping admin commands and hiding passwords, as Redis does.
// As in Redis 7.0, a command is shown once it has run, so that EXEC follows
// the commands it ran; a command flagged skip_monitor (a script: EVAL,
// FCALL) is instead shown before it runs (feedBefore), ahead of the
// commands it calls, which show "lua" as their address.
// redacted are the arguments the command hid (core.Ctx.Redact: MIGRATE's
// AUTH, CONFIG SET's masterauth), shown as "(redacted)".
func (s *Server) feedMonitors(from *core.Client, db int, addr string, cmd *registry.Cmd, args [][]byte, redacted []int) {
	mons := s.monitorList()
	if len(mons) == 0 {
		return
	}
	f := cmd.Spec.Flags
	if cmd.Parent != nil {
		f |= cmd.Parent.Spec.Flags
	}
	if f.Has(core.FlagAdmin) {
		return
	}
	now := time.Now()
	var b strings.Builder
	b.WriteByte('+')
	b.WriteString(strconv.FormatInt(now.Unix(), 10))
	b.WriteByte('.')
	us := strconv.Itoa(now.Nanosecond() / 1000)
	b.WriteString(strings.Repeat("0", 6-len(us)) + us)
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(db))
	b.WriteByte(' ')
	b.WriteString(addr)
	b.WriteByte(']')
	redactFrom := len(args)
	name := strings.ToLower(string(args[0]))
	if name == "auth" {
		redactFrom = 1
	}
	for i, a := range args {
		b.WriteByte(' ')
		if i >= redactFrom || name == "hello" && i > 1 && isRedactedHello(args, i) || slices.Contains(redacted, i) {
			b.WriteString(`"(redacted)"`)
			continue
		}
		writeRepr(&b, a)
	}
	b.WriteString("\r\n")
	line := []byte(b.String())
	for _, m := range mons {
		if m != from {
			m.Push(line)
		}
	}
}

// feedBefore reports whether the command is shown to monitors before it
// runs rather than after: scripts, flagged skip_monitor, as Redis shows
// EVAL and FCALL ahead of the commands they call.
func feedBefore(cmd *registry.Cmd) bool {
	return cmd.Spec.Flags.Has(core.FlagSkipMonitor)
}

// isRedactedHello reports whether argument i of HELLO is AUTH's user or
// password.
func isRedactedHello(args [][]byte, i int) bool {
	for j := 2; j < len(args)-2; j++ {
		if core.EqualFold(args[j], "auth") {
			return i == j+1 || i == j+2
		}
	}
	return false
}

// writeRepr quotes an argument as Redis's sdscatrepr does.
func writeRepr(b *strings.Builder, a []byte) {
	b.WriteByte('"')
	for _, ch := range a {
		switch ch {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if ch >= 0x20 && ch < 0x7f {
				b.WriteByte(ch)
			} else {
				b.WriteString(`\x`)
				b.WriteString(strconv.FormatUint(uint64(ch)>>4, 16))
				b.WriteString(strconv.FormatUint(uint64(ch)&15, 16))
			}
		}
	}
	b.WriteByte('"')
}

// Unmonitor ends MONITOR for a client (RESET).
func (s *Server) Unmonitor(cl *core.Client) { s.unmonitor(cl) }
