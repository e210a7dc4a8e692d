package host

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// tracker is client-side caching (CLIENT TRACKING): which clients may hold
// which keys, and the BCAST prefixes. Invalidation follows every change the
// keyspace reports (KeyTouched, DBTouched), so no module does anything for
// it.
type tracker struct {
	mu      sync.Mutex
	clients map[*core.Client]*trackState
	keys    map[string]map[*core.Client]struct{}
	items   int
	bcast   map[string]map[*core.Client]struct{}
	// pending holds, per BCAST prefix, the keys changed since the last
	// broadcast and who changed each: as in Redis, a prefix's subscribers
	// get one message listing them all once the command (or EXEC, or
	// script) that changed them ends, less their own changes in NOLOOP.
	pending map[string]*bcastBatch
	// havePending is set while pending is not empty, read without the lock
	// after every command.
	havePending atomic.Bool
	// on counts tracking clients, read without the lock on every write.
	on atomic.Int64
	// changed is called, under mu, when on goes to or from 0.
	changed func()
	// nkeys is len(keys), read without the lock before every command.
	nkeys atomic.Int64
}

type bcastBatch struct {
	keys []string
	by   map[string]*core.Client
}

type trackState struct {
	conn *conn
	core.TrackingState
}

func (t *tracker) init() {
	t.clients = map[*core.Client]*trackState{}
	t.keys = map[string]map[*core.Client]struct{}{}
	t.bcast = map[string]map[*core.Client]struct{}{}
	t.pending = map[string]*bcastBatch{}
}

func (st *trackState) publish() {
	snap := st.TrackingState
	snap.Prefixes = append([]string(nil), st.Prefixes...)
	st.conn.client.SetTracking(&snap)
}

// SetTracking implements core.Tracker, with Redis's checks in Redis's order.
func (s *Server) SetTracking(cl *core.Client, o core.TrackingOptions) error {
	t := &s.trk
	if !o.On {
		t.disable(cl)
		return nil
	}
	if o.Redirect != 0 && s.connByID(o.Redirect) == nil {
		return core.NewError("ERR The client ID you want redirect to does not exist")
	}
	if !o.BCAST && len(o.Prefixes) > 0 {
		return core.NewError("ERR PREFIX option requires BCAST mode to be enabled")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[cl]
	if st != nil && st.BCAST != o.BCAST {
		return core.NewError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
	}
	if o.BCAST && (o.OptIn || o.OptOut) {
		return core.NewError("ERR OPTIN and OPTOUT are not compatible with BCAST")
	}
	if o.OptIn && o.OptOut {
		return core.NewError("ERR You can't specify both OPTIN mode and OPTOUT mode")
	}
	if st != nil && (o.OptIn && st.OptOut || o.OptOut && st.OptIn) {
		return core.NewError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
	}
	if o.BCAST {
		for i, p := range o.Prefixes {
			if st != nil {
				for _, q := range st.Prefixes {
					if overlaps(string(p), q) {
						return core.NewError("ERR Prefix '" + string(p) + "' overlaps with an existing prefix '" + q + "'. Prefixes for a single client must not overlap.")
					}
				}
			}
			for _, q := range o.Prefixes[i+1:] {
				if overlaps(string(p), string(q)) {
					return core.NewError("ERR Prefix '" + string(p) + "' overlaps with another provided prefix '" + string(q) + "'. Prefixes for a single client must not overlap.")
				}
			}
		}
	}
	if st == nil {
		c := s.connByID(cl.ID)
		if c == nil {
			return nil
		}
		st = &trackState{conn: c}
		t.clients[cl] = st
		if t.on.Add(1) == 1 && t.changed != nil {
			t.changed()
		}
	}
	st.On, st.BCAST, st.OptIn, st.OptOut, st.NoLoop = true, o.BCAST, o.OptIn, o.OptOut, o.NoLoop
	st.BrokenRedirect = false
	st.Redirect = o.Redirect
	if o.BCAST {
		prefixes := o.Prefixes
		if len(prefixes) == 0 && len(st.Prefixes) == 0 {
			prefixes = [][]byte{{}}
		}
		for _, p := range prefixes {
			set := t.bcast[string(p)]
			if set == nil {
				set = map[*core.Client]struct{}{}
				t.bcast[string(p)] = set
			}
			set[cl] = struct{}{}
			st.Prefixes = append(st.Prefixes, string(p))
		}
	}
	st.publish()
	return nil
}

func overlaps(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// disable turns tracking off for a client (CLIENT TRACKING OFF, RESET,
// disconnection). Keys it read stay in the table until they are
// invalidated, as in Redis; invalidations then skip it.
func (t *tracker) disable(cl *core.Client) {
	if t.on.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[cl]
	if st == nil {
		return
	}
	for _, p := range st.Prefixes {
		if set := t.bcast[p]; set != nil {
			delete(set, cl)
			if len(set) == 0 {
				delete(t.bcast, p)
			}
		}
	}
	delete(t.clients, cl)
	if t.on.Add(-1) == 0 && t.changed != nil {
		t.changed()
	}
	cl.SetTracking(nil)
}

// SetCaching implements core.Tracker for CLIENT CACHING.
func (s *Server) SetCaching(cl *core.Client, yes bool) error {
	t := &s.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[cl]
	if st == nil || !st.OptIn && !st.OptOut {
		return core.NewError("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
	}
	if yes && !st.OptIn {
		return core.NewError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
	}
	if !yes && !st.OptOut {
		return core.NewError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
	}
	st.CachingYes, st.CachingNo = yes, !yes
	st.publish()
	return nil
}

// TrackingState implements core.Tracker.
func (s *Server) TrackingState(cl *core.Client) core.TrackingState { return cl.Tracking() }

// afterCommand forgets a CLIENT CACHING once the command after it ran;
// CLIENT commands and commands queued in MULTI keep it, as in Redis.
func (t *tracker) afterCommand(c *conn, cmd *registry.Cmd) {
	st := c.client.Tracking()
	if !st.CachingYes && !st.CachingNo {
		return
	}
	root := cmd
	if cmd.Parent != nil {
		root = cmd.Parent
	}
	if root.Spec.Name == "client" || c.client.InMulti() {
		return
	}
	t.mu.Lock()
	if ts := t.clients[c.client]; ts != nil {
		ts.CachingYes, ts.CachingNo = false, false
		ts.publish()
	}
	t.mu.Unlock()
}

// rememberRead records, after a read-only command, the keys its tracking
// client may now cache. A command a script calls reads for the script's
// caller, and the keys remembered are the ones the script declared, as in
// Redis; a read-only script command (EVAL_RO, FCALL_RO) is not remembered
// itself, only through the read-only commands it calls.
func (s *Server) rememberRead(ctx *core.Ctx, cmd *registry.Cmd, keyIdx []int, parent *core.Ctx) {
	if !cmd.Spec.Flags.Has(core.FlagReadOnly) {
		return
	}
	if parent != nil && ctx.FromScript() {
		pc := s.reg.Lookup(parent.Args[0])
		if pc == nil || parent.Client == nil {
			return
		}
		var kbuf [8]int
		s.remember(parent.Client, parent.Args, pc.Spec.KeyIndexes(parent.Args, kbuf[:0]))
		return
	}
	if cmd.Spec.Group == "scripting" {
		return
	}
	s.remember(ctx.Client, ctx.Args, keyIdx)
}

// remember records the keys a tracking client read, so that a change to
// them invalidates the client's cache.
func (s *Server) remember(cl *core.Client, args [][]byte, keyIdx []int) {
	t := &s.trk
	if len(keyIdx) == 0 {
		return
	}
	st := cl.Tracking()
	if !st.On || st.BCAST || st.OptIn && !st.CachingYes || st.OptOut && st.CachingNo {
		return
	}
	t.mu.Lock()
	for _, i := range keyIdx {
		set := t.keys[string(args[i])]
		if set == nil {
			set = map[*core.Client]struct{}{}
			t.keys[string(args[i])] = set
			t.nkeys.Add(1)
		}
		if _, ok := set[cl]; !ok {
			set[cl] = struct{}{}
			t.items++
		}
	}
	t.mu.Unlock()
	s.limitTrackingTable(cl)
}

// limitTrackingTable keeps the tracking table within tracking-table-max-keys:
// keys beyond it, picked at random, are forgotten and their clients get an
// invalidation, as if the keys had changed. It runs after every tracked read
// before every command and from the cron, so that lowering the limit
// takes effect on an idle server too, as in Redis. runner is the client on
// whose goroutine it runs (nil from the cron): its own invalidations go in
// line with its replies, as Redis writes them during its command.
func (s *Server) limitTrackingTable(runner *core.Client) {
	t := &s.trk
	max := int(s.limits.trackingMaxKeys.Load())
	if max <= 0 || t.nkeys.Load() <= int64(max) {
		return
	}
	var evicted []string
	t.mu.Lock()
	if len(t.keys) > max {
		for k := range t.keys {
			if len(t.keys)-len(evicted) <= max {
				break
			}
			evicted = append(evicted, k)
		}
	}
	t.mu.Unlock()
	for _, k := range evicted {
		s.invalidate([]byte(k), nil, runner)
	}
}

// KeyTouched implements core.KeyObserver: clients that may cache key, or
// follow a prefix of it, receive an invalidation.
func (s *Server) KeyTouched(db int, key []byte, by, runner *core.Client) {
	if s.trk.on.Load() == 0 {
		return
	}
	s.invalidate(key, by, runner)
}

// invalidate tells the clients that may cache key that it changed: by
// client by's command, or by expiry or eviction (from the keyspace or from
// the tracking table; by is nil), on runner's goroutine (nil: none's).
func (s *Server) invalidate(key []byte, by, runner *core.Client) {
	evicting := by == nil
	t := &s.trk
	type target struct {
		cl *core.Client
		st *trackState
	}
	var to []target
	t.mu.Lock()
	if set := t.keys[string(key)]; set != nil {
		for cl := range set {
			if st := t.clients[cl]; st != nil && !st.BCAST && !(st.NoLoop && cl == by && !evicting) {
				to = append(to, target{cl, st})
			}
		}
		t.items -= len(set)
		delete(t.keys, string(key))
		t.nkeys.Add(-1)
	}
	batched := false
	for p, set := range t.bcast {
		if !strings.HasPrefix(string(key), p) || len(set) == 0 {
			continue
		}
		b := t.pending[p]
		if b == nil {
			b = &bcastBatch{by: map[string]*core.Client{}}
			t.pending[p] = b
		}
		if _, ok := b.by[string(key)]; !ok {
			b.keys = append(b.keys, string(key))
		}
		b.by[string(key)] = by
		batched = true
	}
	if batched {
		t.havePending.Store(true)
	}
	t.mu.Unlock()
	for _, x := range to {
		s.sendInvalidation(x.cl, x.st, [][]byte{key}, false, by, runner)
	}
	if batched && by == nil {
		// Expiry and eviction run outside any command: nothing ends
		// after them to send the batch.
		s.broadcastPending(nil)
	}
}

// broadcastPending sends the BCAST invalidations gathered since the last
// call: one message per prefix and client, listing the prefix's changed
// keys (without the client's own in NOLOOP mode). runner is the client
// whose goroutine calls it: its own invalidations follow its reply.
func (s *Server) broadcastPending(runner *core.Client) {
	t := &s.trk
	if !t.havePending.Load() {
		return
	}
	type send struct {
		cl   *core.Client
		st   *trackState
		keys [][]byte
		by   *core.Client
	}
	var out []send
	t.mu.Lock()
	// Redis keeps prefixes and keys in radix trees: both go out sorted.
	prefixes := make([]string, 0, len(t.pending))
	for p := range t.pending {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		b := t.pending[p]
		sort.Strings(b.keys)
		for cl := range t.bcast[p] {
			st := t.clients[cl]
			if st == nil {
				continue
			}
			var keys [][]byte
			own := false
			for _, k := range b.keys {
				who := b.by[k]
				if st.NoLoop && who == cl {
					continue
				}
				if who == cl && cl == runner {
					own = true
				}
				keys = append(keys, []byte(k))
			}
			if len(keys) == 0 {
				continue
			}
			var by *core.Client
			if own {
				by = cl
			}
			out = append(out, send{cl, st, keys, by})
		}
	}
	clear(t.pending)
	t.havePending.Store(false)
	t.mu.Unlock()
	for _, x := range out {
		s.sendInvalidation(x.cl, x.st, x.keys, false, x.by, x.by)
	}
}

// DBTouched implements core.KeyObserver: after a flush every tracking
// client gets a null invalidation (drop everything) and the table empties.
func (s *Server) DBTouched(db int, runner *core.Client) {
	var by *core.Client
	t := &s.trk
	if t.on.Load() == 0 && t.nkeys.Load() == 0 {
		return
	}
	t.mu.Lock()
	// Keys read by clients that have since turned tracking off stay in
	// the table until they change: a flush forgets them all, as in Redis.
	clear(t.keys)
	t.items = 0
	t.nkeys.Store(0)
	type target struct {
		cl *core.Client
		st *trackState
	}
	to := make([]target, 0, len(t.clients))
	for cl, st := range t.clients {
		to = append(to, target{cl, st})
	}
	t.mu.Unlock()
	for _, x := range to {
		s.sendInvalidation(x.cl, x.st, nil, true, by, runner)
	}
}

// sendInvalidation sends one invalidation to a tracking client: a RESP3
// push, or a message on __redis__:invalidate to the redirection client,
// subscribed in RESP2. A client's own command gets its invalidation after
// its reply.
func (s *Server) sendInvalidation(cl *core.Client, st *trackState, keys [][]byte, flush bool, by, runner *core.Client) {
	dest := cl
	var dc *conn
	if st.Redirect != 0 {
		dc = s.connByID(st.Redirect)
		if dc == nil || dc.client.CloseRequested() {
			// A client that sent QUIT is gone for redirection once its
			// reply is out, as in Redis, which frees it then.
			s.trk.mu.Lock()
			first := !st.BrokenRedirect
			st.BrokenRedirect = true
			st.publish()
			s.trk.mu.Unlock()
			if first && cl.Protocol() == 3 {
				msg := []byte(">2\r\n$21\r\ntracking-redir-broken\r\n:")
				msg = strconv.AppendInt(msg, st.Redirect, 10)
				msg = append(msg, '\r', '\n')
				s.pushTo(st.conn, msg, runner)
			}
			return
		}
		dest = dc.client
	} else {
		dc = st.conn
	}
	var msg []byte
	switch {
	case dest.Protocol() == 3:
		msg = append(msg, ">2\r\n$10\r\ninvalidate\r\n"...)
	case st.Redirect != 0 && dest.Subscribed():
		msg = append(msg, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
	default:
		return // RESP2 without redirection: nowhere to send it
	}
	switch {
	case flush && dest.Protocol() == 3:
		msg = append(msg, "_\r\n"...)
	case flush:
		msg = append(msg, "$-1\r\n"...)
	default:
		msg = append(msg, '*')
		msg = strconv.AppendInt(msg, int64(len(keys)), 10)
		msg = append(msg, '\r', '\n')
		for _, key := range keys {
			msg = append(msg, '$')
			msg = strconv.AppendInt(msg, int64(len(key)), 10)
			msg = append(msg, '\r', '\n')
			msg = append(msg, key...)
			msg = append(msg, '\r', '\n')
		}
	}
	s.pushTo(dc, msg, runner)
}

// pushTo sends an invalidation to a client where Redis 7.0 puts it: when
// it is the runner (the invalidation comes from its own goroutine), after
// the reply of the command it is executing (Redis's pending invalidations),
// or in line with its replies before its command executes (eviction, the
// tracking table's limit); another client's, after the replies of the batch
// it is running (outbox.holding).
func (s *Server) pushTo(c *conn, msg []byte, runner *core.Client) {
	switch {
	case c.client != runner:
		c.out.PushAfterBatch(msg)
	case c.executing:
		c.deferred = append(c.deferred, msg...)
	default:
		c.out.Handoff()
		c.out.Push(msg)
	}
}

// connByID returns a connected client's connection.
func (s *Server) connByID(id int64) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

// trackingCounts returns INFO's tracking_total_keys, _items and _prefixes.
func (s *Server) trackingCounts() (keys, items, prefixes int) {
	t := &s.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys), t.items, len(t.bcast)
}

// trackingClients returns INFO's tracking_clients.
func (s *Server) trackingClients() int { return int(s.trk.on.Load()) }
