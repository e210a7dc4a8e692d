package host

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redmod/redmod/core"
)

const (
	// replyBlock is Redis's reply block (PROTO_REPLY_CHUNK_BYTES): CLIENT
	// LIST shows pending replies as a first block (obl) and a list of
	// blocks (oll, omem).
	replyBlock = 16 * 1024
	// idleRelease is how long Redis lets an idle client keep an empty
	// query buffer before freeing it (clientsCronResizeQueryBuffer).
	idleRelease = 2 * time.Second
	// connOverhead is what a connection costs besides its buffers.
	connOverhead = int64(unsafe.Sizeof(conn{}) + unsafe.Sizeof(core.Client{}) + unsafe.Sizeof(requestReader{}) + unsafe.Sizeof(outbox{}))
)

// replyStats models the buffer Redis builds a client's replies in, for
// rbs and rbp of CLIENT LIST and the reply_buffer_* counters of INFO. redmod
// builds replies in a growing slice, so the figures follow Redis's rules
// rather than that slice (tools and Redis's own tests read them as Redis's):
// a client starts with a 16 KiB buffer, and a cron pass per client every
// 1/hz seconds halves it (down to 1 KiB) when its peak stayed under half, or
// doubles it (up to 16 KiB) when a reply filled it; the peak restarts every
// reply-buffer peak-reset-time (DEBUG REPLYBUFFER). The passes are played
// lazily, when the client writes or is looked at, so an idle client costs
// nothing.
type replyStats struct {
	mu         sync.Mutex
	size, peak int64 // rbs, rbp
	nextPass   int64 // monoNow of the next cron pass over this client
	lastReset  int64 // monoNow of the last peak reset
	started    bool
	// quietUntil and quietPeak mirror nextPass and peak for wrote's
	// check without the lock: until the next pass is due, a reply no
	// larger than the peak changes nothing, which is every batch of a
	// client repeating a command (two locked instructions less per batch).
	quietUntil, quietPeak atomic.Int64
}

// Redis's reply buffer bounds (PROTO_REPLY_MIN_BYTES, PROTO_REPLY_CHUNK_BYTES).
const (
	replyBufMin = 1024
	replyBufMax = replyBlock
)

// replyBufferPolicy is the server-wide DEBUG REPLYBUFFER state.
type replyBufferPolicy struct {
	peakReset  atomic.Int64 // ns; <0: never
	noResizing atomic.Bool
	shrinks    atomic.Int64
	expands    atomic.Int64
	passPeriod atomic.Int64 // ns between cron passes (1/hz)
}

// defaultPeakReset is Redis's REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME.
const defaultPeakReset = int64(5 * time.Second)

// setDefaults gives Redis's defaults: peaks reset every 5 s, resizing on,
// a pass per client every 1/hz seconds.
func (p *replyBufferPolicy) setDefaults(hz int) {
	p.peakReset.Store(defaultPeakReset)
	p.setHz(hz)
}

// setHz follows the server's hz (CONFIG SET hz).
func (p *replyBufferPolicy) setHz(hz int) {
	if hz < 1 {
		hz = 10
	}
	p.passPeriod.Store(int64(time.Second) / int64(hz))
}

// wrote records a reply batch of n bytes made at now (monoNow).
func (r *replyStats) wrote(p *replyBufferPolicy, n int, now int64) {
	if now < r.quietUntil.Load() && int64(n) <= r.quietPeak.Load() {
		return
	}
	r.mu.Lock()
	r.advance(p, now)
	if fill := min(int64(n), r.size); fill > r.peak {
		r.peak = fill
	}
	r.mirror()
	r.mu.Unlock()
}

// read returns rbs and rbp as of now.
func (r *replyStats) read(p *replyBufferPolicy) (size, peak int64) {
	r.mu.Lock()
	r.advance(p, monoNow())
	size, peak = r.size, r.peak
	r.mirror()
	r.mu.Unlock()
	return size, peak
}

// mirror publishes nextPass and peak for wrote's check; r.mu is held.
func (r *replyStats) mirror() {
	storeChanged(&r.quietUntil, r.nextPass)
	storeChanged(&r.quietPeak, r.peak)
}

// advance plays the cron passes due by now. After a few passes nothing
// changes any more (the buffer reached a bound and the peak was reset or
// is kept), so a long idle stretch is skipped rather than played.
func (r *replyStats) advance(p *replyBufferPolicy, now int64) {
	period := max(p.passPeriod.Load(), int64(time.Millisecond))
	if !r.started {
		// A new client: a full buffer, its peak as large, and a peak
		// reset due at the first pass (Redis starts the reset clock at 0).
		r.started = true
		r.size, r.peak = replyBufMax, replyBufMax
		r.nextPass = now + period
		r.lastReset = math.MinInt64 / 2
		return
	}
	for played := 0; r.nextPass <= now; played++ {
		if played == 8 {
			r.nextPass += (now - r.nextPass) / period * period
			if reset := p.peakReset.Load(); reset >= 0 && r.nextPass-r.lastReset >= reset {
				r.peak, r.lastReset = 0, r.nextPass
			}
			r.nextPass += period
			break
		}
		r.pass(p, r.nextPass)
		r.nextPass += period
	}
}

// pass is Redis's clientsCronResizeOutputBuffer for one client: resize by
// the peak, then restart the peak when its time is up (the buffer is empty
// between replies, so it restarts at 0).
func (r *replyStats) pass(p *replyBufferPolicy, at int64) {
	if !p.noResizing.Load() {
		switch {
		case r.size/2 >= replyBufMin && r.peak < r.size/2:
			r.size = mallocSize(max(replyBufMin, r.peak+1))
			p.shrinks.Add(1)
		case r.size*2 < replyBufMax*2 && r.peak == r.size:
			r.size = min(replyBufMax, r.size*2)
			p.expands.Add(1)
		}
	}
	if reset := p.peakReset.Load(); reset >= 0 && at-r.lastReset >= reset {
		r.peak, r.lastReset = 0, at
	}
}

// mallocSize rounds a reply buffer size up to the allocation Redis's
// allocator (jemalloc) would give it, four size classes per power of two,
// since Redis reports the usable size.
func mallocSize(n int64) int64 {
	if n <= replyBufMin {
		return replyBufMin
	}
	step := int64(1) << (bits.Len64(uint64(n-1)) - 3) // a quarter of the power of two below
	return (n + step - 1) / step * step
}

// buffers measures the connection for CLIENT LIST (core.Client.Buffers);
// any goroutine may call it.
func (c *conn) buffers() core.Buffers {
	var b core.Buffers
	// A blocked client's socket is read by its watch, while the blocked
	// command keeps its arguments, as in Redis: its figures are the
	// batch's.
	reading := c.reading.Load() && !c.blocked.Load()
	held, argv := c.rd.Figures(reading)
	size := c.rd.size.Load()
	// Redis frees the empty query buffer of a client idle for over 2 s;
	// redmod's read waiting for the socket holds its buffer, but reports
	// it as Redis would, since it is given back on the next request.
	if held == 0 && reading && c.client.Idle(time.Now()) > idleRelease {
		size = 0
	}
	b.QueryBuf, b.QueryBufFree = held, max(size-held, 0)
	b.ArgvMem = argv
	b.ReplyBufSize, b.ReplyBufPeak = c.reply.read(&c.srv.replyBuf)
	pending := c.pendingOut.Load()
	if c.out != nil {
		pending += int64(c.out.pending())
	}
	b.OutBuf = min(pending, replyBlock)
	if rest := pending - b.OutBuf; rest > 0 {
		b.OutBlocks = (rest + replyBlock - 1) / replyBlock
		b.OutMem = rest
	}
	b.Total = size + b.ArgvMem + b.ReplyBufSize + pending + c.client.MultiMem() + connOverhead
	return b
}

// clientsLimit is maxmemory-clients in bytes; 0 when there is none (a
// percentage of an unset maxmemory is none too).
func clientsLimit(cfg *Config) int64 {
	if cfg.MaxMemoryClientsPercent > 0 {
		return cfg.MaxMemory * int64(cfg.MaxMemoryClientsPercent) / 100
	}
	return cfg.MaxMemoryClients
}

// evictClients closes clients while all the clients together hold at
// least maxmemory-clients, largest first, as Redis's client eviction does:
// replicas and clients with CLIENT NO-EVICT on are neither counted nor
// closed. Each
// closed client counts in INFO's evicted_clients.
func (s *Server) evictClients() {
	cfg := s.Config()
	limit := clientsLimit(&cfg)
	if limit <= 0 {
		return
	}
	type held struct {
		c   *conn
		mem int64
	}
	var list []held
	var total int64
	for _, c := range s.connList() {
		if c.client.NoEvict() || c.client.IsReplica() {
			continue // replicas are never evicted, as in Redis
		}
		m := c.buffers().Total
		total += m
		list = append(list, held{c, m})
	}
	if total < limit {
		return
	}
	slices.SortFunc(list, func(a, b held) int { return cmp.Compare(b.mem, a.mem) })
	for _, h := range list {
		if total < limit {
			break
		}
		s.log.Info("evicting client", "client", h.c.client.Addr, "memory", h.mem, "clients", total, "maxmemory-clients", limit)
		h.c.nc.Close()
		s.stats.evictedClients.Add(1)
		total -= h.mem
	}
}
