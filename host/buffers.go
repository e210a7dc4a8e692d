package host

import (
	"cmp"
	"slices"
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
	// peakWindow is how long a reply's size counts as the reply buffer's
	// recent peak (rbp), as Redis's reply buffer peak is reset every 5 s.
	peakWindow = int64(5 * time.Second)
	// connOverhead is what a connection costs besides its buffers.
	connOverhead = int64(unsafe.Sizeof(conn{}) + unsafe.Sizeof(core.Client{}) + unsafe.Sizeof(requestReader{}) + unsafe.Sizeof(outbox{}))
)

// replyStats follows the buffer replies are built in (rbs, rbp of CLIENT
// LIST); the client's goroutine updates it as it writes.
type replyStats struct {
	size, peak atomic.Int64
	peakAt     int64 // monoNow of the peak's window start; the writer's own
}

func (r *replyStats) wrote(n, capacity int) {
	r.size.Store(int64(capacity))
	now := monoNow()
	if now-r.peakAt > peakWindow {
		r.peakAt = now
		r.peak.Store(int64(n))
	} else if int64(n) > r.peak.Load() {
		r.peak.Store(int64(n))
	}
}

// buffers measures the connection for CLIENT LIST (core.Client.Buffers);
// any goroutine may call it.
func (c *conn) buffers() core.Buffers {
	var b core.Buffers
	held, size := c.rd.held.Load(), c.rd.size.Load()
	// Redis frees the empty query buffer of a client idle for over 2 s;
	// redmod's read waiting for the socket holds its buffer, but reports
	// it as Redis would, since it is given back on the next request.
	if held == 0 && c.reading.Load() && c.client.Idle(time.Now()) > idleRelease {
		size = 0
	}
	b.QueryBuf, b.QueryBufFree = held, max(size-held, 0)
	b.ArgvMem = c.rd.argv.Load()
	b.ReplyBufSize, b.ReplyBufPeak = c.reply.size.Load(), c.reply.peak.Load()
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
