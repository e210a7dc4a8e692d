package host

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// The server is the keyspace's observer: it publishes keyspace
// notifications and invalidates client-side caches (tracking.go).
var _ core.KeyObserver = (*Server)(nil)

// KeyEvent implements core.KeyObserver: it publishes the event on
// __keyspace@<db>__:<key> and __keyevent@<db>__:<event>, as
// notify-keyspace-events selects: in line with the replies of client by, if
// it is subscribed, and after the running batch's replies for the others.
func (s *Server) KeyEvent(db int, class core.NotifyClass, event string, key []byte, by *core.Client) {
	flags := core.NotifyClass(s.limits.notify.Load())
	if flags&class == 0 {
		return
	}
	var buf [128]byte
	if flags&core.NotifyKeyspace != 0 {
		ch := append(buf[:0], "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.ps.PublishFrom(by, ch, []byte(event))
	}
	if flags&core.NotifyKeyevent != 0 {
		ch := append(buf[:0], "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.ps.PublishFrom(by, ch, key)
	}
}

// observeInterest tells the keyspace what the server wants to hear as its
// observer (core.Keyspace.SetInterest): the event classes
// notify-keyspace-events enables, none unless it names a channel kind (K,
// E), and key touches while a client tracks keys. It is called whenever
// either changes, after the change.
func (s *Server) observeInterest() {
	s.interestMu.Lock()
	defer s.interestMu.Unlock()
	events := core.NotifyClass(s.limits.notify.Load())
	if events&(core.NotifyKeyspace|core.NotifyKeyevent) == 0 {
		events = 0
	}
	s.ks.SetInterest(s, events, s.trk.on.Load() > 0)
}

// clientGone forgets a client that disconnected: its subscriptions.
func (s *Server) clientGone(c *conn) {
	s.ps.RemoveClient(c.client)
	s.trk.disable(c.client)
	s.unmonitor(c.client)
}
