package host

import (
	"sort"
	"time"

	"github.com/redmod/redmod/core"
)

// latencySamples is how many seconds with a spike an event remembers, as
// Redis's LATENCY_TS_LEN.
const latencySamples = 160

// latencyEvent is the recent history of one latency event.
type latencyEvent struct {
	samples []core.LatencySample // oldest first, at most latencySamples
	max     int64
}

// latencyAdd records a spike of ms milliseconds for event (the latency
// monitor, on when latency-monitor-threshold is set). Spikes of one second
// share one sample, the worst of them.
func (s *Server) latencyAdd(event string, ms int64) {
	now := time.Now().Unix()
	s.diag.latMu.Lock()
	defer s.diag.latMu.Unlock()
	if s.diag.events == nil {
		s.diag.events = map[string]*latencyEvent{}
	}
	ev := s.diag.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		s.diag.events[event] = ev
	}
	ev.max = max(ev.max, ms)
	if n := len(ev.samples); n > 0 && ev.samples[n-1].Time == now {
		ev.samples[n-1].Latency = max(ev.samples[n-1].Latency, ms)
		return
	}
	if len(ev.samples) == latencySamples {
		ev.samples = append(ev.samples[:0], ev.samples[1:]...)
	}
	ev.samples = append(ev.samples, core.LatencySample{Time: now, Latency: ms})
}

// latencyCheck records a spike for event when d reaches the threshold.
func (s *Server) latencyCheck(event string, d time.Duration) {
	if th := s.diag.latencyThreshold.Load(); th > 0 && d.Milliseconds() >= th {
		s.latencyAdd(event, d.Milliseconds())
	}
}

// LatencyEvents implements core.Diagnostics (LATENCY LATEST, HISTORY,
// DOCTOR, GRAPH).
func (s *Server) LatencyEvents() []core.LatencyEvent {
	s.diag.latMu.Lock()
	defer s.diag.latMu.Unlock()
	out := make([]core.LatencyEvent, 0, len(s.diag.events))
	for name, ev := range s.diag.events {
		if len(ev.samples) == 0 {
			continue
		}
		out = append(out, core.LatencyEvent{Name: name, Samples: append([]core.LatencySample(nil), ev.samples...), Max: ev.max})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LatencyReset implements core.Diagnostics (LATENCY RESET).
func (s *Server) LatencyReset(events []string) int {
	s.diag.latMu.Lock()
	defer s.diag.latMu.Unlock()
	if len(events) == 0 {
		n := len(s.diag.events)
		s.diag.events = nil
		return n
	}
	n := 0
	for _, e := range events {
		if _, ok := s.diag.events[e]; ok {
			delete(s.diag.events, e)
			n++
		}
	}
	return n
}
