package core

import (
	"slices"
	"strconv"
	"sync"
)

// Outbox is the host's side of a client's connection for messages the
// server sends on its own (pub/sub messages, RESP3 pushes, MONITOR lines):
// they may come from any goroutine, while the client's goroutine reads or
// runs a command, and they never wait for a slow client.
type Outbox interface {
	// Push appends an encoded message to what the client receives, after
	// the replies already handed to it. It never blocks; it reports false
	// when the client is gone or has just been closed for exceeding its
	// output buffer limit.
	Push(msg []byte) bool
	// PushAfterBatch is Push for a message another client's command (or
	// the server itself) caused: while the client is running a batch of
	// pipelined commands, it follows the replies of the whole batch, as in
	// Redis, where a client's pipelined commands run before another
	// client's command; otherwise it goes at once, as Push.
	PushAfterBatch(msg []byte) bool
	// Handoff sends the replies the running command's client has written so
	// far ahead of any push that follows; commands that start pushes to
	// their own client (SUBSCRIBE) call it through Ctx.StartPush.
	Handoff()
	// Pending returns the bytes queued for the client and not yet written
	// to its socket.
	Pending() int
}

// SetOutbox connects the client to its connection; the host calls it once.
func (c *Client) SetOutbox(o Outbox) { c.out = o }

// Push sends an encoded message to the client (see Outbox.Push).
func (c *Client) Push(msg []byte) bool {
	if c.out == nil {
		return false
	}
	return c.out.Push(msg)
}

// pushFrom sends a message that client by's command caused (nil: the
// server, as expiry): in line with the replies when by is the client itself,
// which is running that command, after its batch's replies otherwise.
func (c *Client) pushFrom(by *Client, msg []byte) bool {
	if c.out == nil {
		return false
	}
	if by == c {
		// After the replies written so far, before what the command
		// writes next, as Redis appends it to the client's buffer.
		c.out.Handoff()
		return c.out.Push(msg)
	}
	return c.out.PushAfterBatch(msg)
}

// StartPush hands the replies written so far to the client's connection,
// so that messages the command then pushes to its own client (with
// Client.Push) follow them in order. The command's own reply, if it writes
// one after, follows the pushes.
func (c *Ctx) StartPush() {
	if c.Client != nil && c.Client.out != nil {
		c.Client.out.Handoff()
	}
}

// SubKind is a kind of pub/sub subscription.
type SubKind int

// Subscription kinds.
const (
	// SubChannel is SUBSCRIBE's: a channel by name.
	SubChannel SubKind = iota
	// SubPattern is PSUBSCRIBE's: channels matching a glob pattern.
	SubPattern
	// SubShard is SSUBSCRIBE's: a shard channel by name.
	SubShard
)

var (
	subVerb   = [3]string{"subscribe", "psubscribe", "ssubscribe"}
	unsubVerb = [3]string{"unsubscribe", "punsubscribe", "sunsubscribe"}
)

// clientSubs is a client's subscriptions in the order it made them,
// guarded by the PubSub's lock.
type clientSubs struct {
	names [3][]string
}

type patSubs struct {
	name    string
	pat     *Pattern
	clients []*Client
}

// PubSub routes published messages to subscribed clients: channels,
// patterns (matched with the same matcher as KEYS) and shard channels. The
// host has one; commands reach it as Ctx.PubSub. Every subscription change
// and every delivery happens under one lock, so a client's confirmation of a
// subscription precedes every message of that subscription, and nothing
// arrives after the confirmation of its end.
type PubSub struct {
	mu       sync.RWMutex
	channels [3]map[string][]*Client // by kind; SubPattern unused
	patterns map[string]*patSubs
	patList  []*patSubs // patterns in subscription order, for delivery
	subs     map[*Client]*clientSubs
	bufPool  sync.Pool
}

// NewPubSub returns an empty router.
func NewPubSub() *PubSub {
	ps := &PubSub{patterns: map[string]*patSubs{}, subs: map[*Client]*clientSubs{}}
	ps.channels[SubChannel] = map[string][]*Client{}
	ps.channels[SubShard] = map[string][]*Client{}
	ps.bufPool.New = func() any { b := make([]byte, 0, 256); return &b }
	return ps
}

// Subscriptions returns the numbers of channels, patterns and shard channels
// the client is subscribed to (CLIENT LIST's sub, psub and ssub).
func (c *Client) Subscriptions() (channels, patterns, shards int) {
	return int(c.nsub[SubChannel].Load()), int(c.nsub[SubPattern].Load()), int(c.nsub[SubShard].Load())
}

// Subscribed reports whether the client has any subscription: a RESP2
// client is then in the subscriber context.
func (c *Client) Subscribed() bool {
	return c.nsub[0].Load()+c.nsub[1].Load()+c.nsub[2].Load() > 0
}

// count is the figure a (un)subscribe confirmation reports: channels and
// patterns together for those kinds, shard channels alone for shards.
func (cs *clientSubs) count(kind SubKind) int {
	if cs == nil {
		return 0
	}
	if kind == SubShard {
		return len(cs.names[SubShard])
	}
	return len(cs.names[SubChannel]) + len(cs.names[SubPattern])
}

// Subscribe subscribes cl to each name, pushing to cl the confirmation of
// each ([subscribe, name, count] or its psubscribe/ssubscribe forms) in its
// protocol, as Redis replies to SUBSCRIBE.
func (ps *PubSub) Subscribe(cl *Client, kind SubKind, names [][]byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cs := ps.subs[cl]
	if cs == nil {
		cs = &clientSubs{}
		ps.subs[cl] = cs
	}
	for _, nb := range names {
		name := string(nb)
		if !slices.Contains(cs.names[kind], name) {
			cs.names[kind] = append(cs.names[kind], name)
			cl.nsub[kind].Add(1)
			if kind == SubPattern {
				p := ps.patterns[name]
				if p == nil {
					p = &patSubs{name: name, pat: CompilePattern(nb)}
					ps.patterns[name] = p
					ps.patList = append(ps.patList, p)
				}
				p.clients = append(p.clients, cl)
			} else {
				ps.channels[kind][name] = append(ps.channels[kind][name], cl)
			}
		}
		ps.confirm(cl, subVerb[kind], nb, true, cs.count(kind))
	}
}

// Unsubscribe ends cl's subscriptions to each name (every subscription of
// the kind when names is empty), pushing a confirmation for each. With
// nothing to end it pushes one confirmation with a null name, as Redis does.
func (ps *PubSub) Unsubscribe(cl *Client, kind SubKind, names [][]byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cs := ps.subs[cl]
	if len(names) == 0 {
		if cs == nil || len(cs.names[kind]) == 0 {
			ps.confirm(cl, unsubVerb[kind], nil, false, cs.count(kind))
			return
		}
		for _, n := range slices.Clone(cs.names[kind]) {
			ps.remove(cl, cs, kind, n)
			ps.confirm(cl, unsubVerb[kind], []byte(n), true, cs.count(kind))
		}
	} else {
		for _, nb := range names {
			if cs != nil {
				ps.remove(cl, cs, kind, string(nb))
			}
			ps.confirm(cl, unsubVerb[kind], nb, true, cs.count(kind))
		}
	}
	if cs != nil && len(cs.names[0])+len(cs.names[1])+len(cs.names[2]) == 0 {
		delete(ps.subs, cl)
	}
}

// SubscribedNames returns the channels (by kind: SubChannel, SubPattern,
// SubShard) cl is subscribed to, in the order it subscribed.
func (ps *PubSub) SubscribedNames(cl *Client) [3][]string {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	var out [3][]string
	if cs := ps.subs[cl]; cs != nil {
		for kind := range cs.names {
			out[kind] = slices.Clone(cs.names[kind])
		}
	}
	return out
}

// RemoveClient ends every subscription of cl without confirmations, when it
// disconnects or runs RESET.
func (ps *PubSub) RemoveClient(cl *Client) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cs := ps.subs[cl]
	if cs == nil {
		return
	}
	for kind := range cs.names {
		for _, n := range slices.Clone(cs.names[kind]) {
			ps.remove(cl, cs, SubKind(kind), n)
		}
	}
	delete(ps.subs, cl)
}

func (ps *PubSub) remove(cl *Client, cs *clientSubs, kind SubKind, name string) {
	i := slices.Index(cs.names[kind], name)
	if i < 0 {
		return
	}
	cs.names[kind] = slices.Delete(cs.names[kind], i, i+1)
	cl.nsub[kind].Add(-1)
	if kind == SubPattern {
		p := ps.patterns[name]
		p.clients = deleteClient(p.clients, cl)
		if len(p.clients) == 0 {
			delete(ps.patterns, name)
			ps.patList = slices.DeleteFunc(ps.patList, func(q *patSubs) bool { return q == p })
		}
		return
	}
	m := ps.channels[kind]
	if rest := deleteClient(m[name], cl); len(rest) == 0 {
		delete(m, name)
	} else {
		m[name] = rest
	}
}

func deleteClient(list []*Client, cl *Client) []*Client {
	// A new slice, so that a Publish iterating over the old one under the
	// read lock is unaffected (it cannot: changes take the write lock; the
	// copy keeps the slices short-lived instead of shrinking in place).
	out := make([]*Client, 0, len(list))
	for _, c := range list {
		if c != cl {
			out = append(out, c)
		}
	}
	return out
}

// confirm pushes a (un)subscribe confirmation to cl.
func (ps *PubSub) confirm(cl *Client, verb string, name []byte, hasName bool, count int) {
	w := Writer{proto: cl.Protocol()}
	w.WritePush(3)
	w.WriteBulkString(verb)
	if hasName {
		w.WriteBulk(name)
	} else {
		w.WriteNull()
	}
	w.WriteInt(int64(count))
	cl.Push(w.buf)
}

// appendMessage encodes a message push: [kind, (pattern,) channel, payload].
func appendMessage(b []byte, proto int, kind string, pattern, channel, msg []byte) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	if proto == 3 {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '\r', '\n')
	b = appendBulk(b, []byte(kind))
	if pattern != nil {
		b = appendBulk(b, pattern)
	}
	b = appendBulk(b, channel)
	return appendBulk(b, msg)
}

func appendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// Publish delivers msg to the clients subscribed to channel and to those
// whose patterns match it, and returns how many deliveries it made (a client
// matching through two patterns counts twice), as PUBLISH replies. A
// subscriber running a batch of pipelined commands gets it after the batch's
// replies; a command that publishes for its client uses PublishFrom.
func (ps *PubSub) Publish(channel, msg []byte) int {
	return ps.publish(nil, SubChannel, channel, msg)
}

// PublishFrom is Publish by the command client by runs (PUBLISH): if by is
// itself a subscriber, it gets the message in line with its replies, after
// those written so far, as Redis appends it to the client's buffer while the
// command runs.
func (ps *PubSub) PublishFrom(by *Client, channel, msg []byte) int {
	return ps.publish(by, SubChannel, channel, msg)
}

// PublishShard delivers msg to the clients subscribed to the shard channel
// (SPUBLISH), as Publish.
func (ps *PubSub) PublishShard(channel, msg []byte) int {
	return ps.publish(nil, SubShard, channel, msg)
}

// PublishShardFrom is PublishShard by the command client by runs, as
// PublishFrom.
func (ps *PubSub) PublishShardFrom(by *Client, channel, msg []byte) int {
	return ps.publish(by, SubShard, channel, msg)
}

func (ps *PubSub) publish(by *Client, kind SubKind, channel, msg []byte) int {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	n := 0
	verb := "message"
	if kind == SubShard {
		verb = "smessage"
	}
	if list := ps.channels[kind][string(channel)]; len(list) > 0 {
		n += ps.deliver(by, list, verb, nil, channel, msg)
	}
	if kind == SubChannel && len(ps.patList) > 0 {
		s := string(channel)
		for _, p := range ps.patList {
			if p.pat.Match(s) {
				n += ps.deliver(by, p.clients, "pmessage", []byte(p.name), channel, msg)
			}
		}
	}
	return n
}

// deliver pushes one message to each client of list, encoding it once per
// protocol; by is the client whose command publishes it (Client.pushFrom).
func (ps *PubSub) deliver(by *Client, list []*Client, verb string, pattern, channel, msg []byte) int {
	bp := ps.bufPool.Get().(*[]byte)
	var enc [2][]byte // RESP2, RESP3 encodings, within *bp
	buf := (*bp)[:0]
	for _, cl := range list {
		p := cl.Protocol()
		i := 0
		if p == 3 {
			i = 1
		}
		if enc[i] == nil {
			start := len(buf)
			buf = appendMessage(buf, p, verb, pattern, channel, msg)
			// Both encodings live in buf; if the second append moves it,
			// the first stays valid in the old array, which nothing changes.
			enc[i] = buf[start:len(buf):len(buf)]
		}
		cl.pushFrom(by, enc[i])
	}
	*bp = buf
	ps.bufPool.Put(bp)
	return len(list)
}

// Channels returns the channels (shard channels with shard) that have
// subscribers and match pattern (every channel when pattern is nil), for
// PUBSUB CHANNELS and SHARDCHANNELS.
func (ps *PubSub) Channels(shard bool, pattern []byte) []string {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	kind := SubChannel
	if shard {
		kind = SubShard
	}
	var p *Pattern
	if pattern != nil {
		p = CompilePattern(pattern)
	}
	var out []string
	for name := range ps.channels[kind] {
		if p == nil || p.Match(name) {
			out = append(out, name)
		}
	}
	return out
}

// NumSub returns the number of subscribers of a channel (a shard channel
// with shard), for PUBSUB NUMSUB and SHARDNUMSUB.
func (ps *PubSub) NumSub(shard bool, channel []byte) int {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	if shard {
		return len(ps.channels[SubShard][string(channel)])
	}
	return len(ps.channels[SubChannel][string(channel)])
}

// Counts returns the numbers of channels, patterns and shard channels with
// subscribers (INFO pubsub_channels, pubsub_patterns; PUBSUB NUMPAT).
func (ps *PubSub) Counts() (channels, patterns, shards int) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return len(ps.channels[SubChannel]), len(ps.patterns), len(ps.channels[SubShard])
}
