package core

// Expiry on a replica follows its master, as in Redis: the replica never
// removes a key because its time passed (neither when a command finds it
// nor in the active cycle); the master's DEL, sent when the master expires
// the key, removes it. Meanwhile the replica's clients do not see such a key
// (a read misses, as if it were gone), but the commands of the master's
// stream do: a write the master made to a key still live at its end applies
// to the same key here, whatever the clocks say.

// SetReplica turns the replica's expiry rules on or off (REPLICAOF).
func (ks *Keyspace) SetReplica(on bool) { ks.replica.Store(on) }

// Replica reports whether the keyspace follows a master's expiries.
func (ks *Keyspace) Replica() bool { return ks.replica.Load() }

// Obey marks the span in which the master's commands run: the caller holds
// every slot exclusively (LockAll(true)) from before Obey(true) until after
// Obey(false), so nothing else reads the keyspace meanwhile. While obeying,
// no key counts as expired.
func (ks *Keyspace) Obey(on bool) { ks.obeying.Store(on) }

// gone reports whether an entry whose expiry is exp counts as missing for
// the running command, at now.
func (ks *Keyspace) gone(exp, now int64) bool {
	return exp != 0 && exp <= now && !ks.obeying.Load()
}

// Replication is what a host that replicates offers the replication
// commands (REPLICAOF, ROLE, WAIT, PSYNC, REPLCONF), which find it with a
// type assertion on Ctx.Server.
type Replication interface {
	// ReplicaOf makes the server a replica of host:port (REPLICAOF), or
	// a master again when host is "" (REPLICAOF NO ONE). It returns the
	// status reply ("OK", or "OK Already connected to specified master").
	ReplicaOf(c *Ctx, host string, port int) (string, error)
	// WriteRole writes ROLE's reply.
	WriteRole(c *Ctx)
	// PSync serves PSYNC: a full resynchronisation (+FULLRESYNC, the image,
	// then the stream), or the rest of the stream (+CONTINUE) when replID
	// and offset are still in the backlog.
	PSync(c *Ctx, replID string, offset int64) error
	// ReplConf serves REPLCONF with the arguments in c.Args. A replica's
	// ACK gets no reply.
	ReplConf(c *Ctx) error
	// WaitReplicas waits until n replicas acknowledged every write made so
	// far, or the timeout passed (0: no limit), and returns how many did.
	// It never waits when the command may not block (Ctx.BlockingDenied).
	// A replica refuses it.
	WaitReplicas(c *Ctx, n int64, timeoutMs int64) (int64, error)
}

// StaleRefusal returns the error commands not flagged FlagStale get on a
// replica whose link with its master is down while
// replica-serve-stale-data is no (MASTERDOWN), nil otherwise. The host
// sets it before each command; a script refuses such calls with it, and a
// script that does not declare allow-stale is refused up front.
func (c *Ctx) StaleRefusal() error { return c.staleRefusal }

// SetStaleRefusal records what StaleRefusal reports.
func (c *Ctx) SetStaleRefusal(err error) { c.staleRefusal = err }

// FailoverRequest is FAILOVER's arguments, parsed: TO host port, FORCE,
// TIMEOUT milliseconds (0: none), or ABORT alone.
type FailoverRequest struct {
	To        bool   // TO was given: Host and Port name the target replica
	Host      string // the target replica's address, as it announced it
	Port      int
	Force     bool
	TimeoutMs int64
	Abort     bool
}

// Failover is what a host that can hand its master role over offers
// FAILOVER and PSYNC's FAILOVER option (Redis 7.0's coordinated failover),
// found with a type assertion on Ctx.Server.
type Failover interface {
	// Failover starts a failover (writes held until the target replica
	// reached this server's offset, then this server becomes its
	// replica, asking it to take over), or aborts the one in progress.
	// It writes no reply; the caller replies OK when it returns nil.
	Failover(c *Ctx, req FailoverRequest) error
	// TakeOver serves PSYNC <replid> <offset> FAILOVER on a replica: its
	// master asks it to become the master. replID must be the replica's
	// replication ID (its master's); the replica then becomes a master
	// and the PSYNC proceeds, continuing from the second ID.
	TakeOver(c *Ctx, replID string) error
}
