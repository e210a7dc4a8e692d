// Package core is redmod's module API: the contracts between the server
// (package host) and the modules that provide commands and data types.
// A module imports core and registry only; it never needs host.
//
// # Commands
//
// A [Command] is metadata, a [Spec], plus a handler, usually made with
// [NewCommand]. The Spec says everything the server needs to know to do the
// shared work once for every command: the arity (Redis's convention: N
// exactly, -N at least), the flags ([FlagWrite], [FlagReadOnly], [FlagFast],
// ...), where the keys are (FirstKey, LastKey, Step, or a Keys function with
// [FlagMovableKeys]), the ACL categories and the documentation COMMAND DOCS
// prints. From it the host answers unknown-command and arity errors, locks
// the keys, recovers panics, counts calls for INFO commandstats and changes
// for auto-save, and lists the command in COMMAND, COMMAND INFO, COMMAND DOCS
// and COMMAND GETKEYS. The handler receives a [Ctx]: the arguments, the
// client's selected [DB], and the reply [Writer] embedded, so c.WriteInt(1)
// replies. It either writes a reply or returns an error, which the host sends.
//
// # Modules
//
// A [Module] names a family of commands and registers itself from an init
// function with registry.Register; a binary contains exactly the modules its
// main package imports. A module may also implement:
//
//   - [TypeProvider]: new value types ([Type], [Value]) that persist in the
//     snapshot (an RDB file) and travel with DUMP/RESTORE without changes
//     to the host; a type that implements one of Redis's standard types
//     (list, set, sorted set, hash, stream) declares it in [Type.Native]
//     and gives its content as a neutral view ([NativeValue],
//     [NativeContent]), so that it is written and read in Redis's own
//     encodings;
//   - [Configurable]: settings with defaults and validation, which become
//     command-line flags (--mymod.limit 10) and CONFIG GET/SET parameters;
//   - [Provisioner], [Validator], [Starter], [Stopper]: lifecycle hooks, in
//     that order; Provision receives a [ModuleContext] with a logger named
//     after the module, the [Keyspace], the server and the settings;
//   - [InfoProvider]: fields and sections of INFO.
//
// # Contracts
//
// A command must honour these, because the host's guarantees rest on them:
//
//   - Atomicity: while Exec runs, the host holds the locks of the keys the
//     Spec names and nothing else. A command touches only those keys (or
//     declares [FlagKeyspace] to have every key locked); then it is atomic
//     and cannot deadlock.
//   - No blocking: Exec runs with locks held. It must not do I/O, sleep or
//     wait for another client. Work that takes time belongs to a Starter's
//     goroutine, which changes data through [Keyspace.Update].
//   - Redis-style errors: return [ErrWrongType], [ErrSyntax],
//     [ErrNotInteger], [ErrArity], [NewError]("ERR ...") and the like; their
//     text is sent byte for byte, and INFO errorstats counts them by code.
//     Arity is checked by the host, never by the command.
//   - Deterministic replies: the same data and arguments give the same reply
//     (iterate in a defined order, not over a Go map), except for commands
//     that are random by definition.
//   - Memory: the argument slices in Ctx.Args belong to the command, which
//     may store them in a value without copying. A command whose Spec
//     declares BorrowsArgs gives that up for speed: its arguments are views
//     of the connection's read buffer, valid only until Exec returns, so it
//     keeps no slice of them (in a stored value, its module's state, a
//     goroutine) and copies what it stores; the host then allocates nothing
//     for its arguments. Values returned by the
//     keyspace belong to the keyspace: a command changes them only while it
//     holds their key's lock, and Clone must copy everything.
//   - Write accounting: a write command that changed nothing calls
//     Ctx.SetChanges(0), so auto-save sees only real changes, and WATCH
//     does not count it as touching its keys. A command that changes a
//     value in place fetches it with [LookupWrite] (or [DB.GetForWrite]),
//     so that WATCH knows which keys it changed; one that only used [Lookup]
//     touches every existing key it declares when it reports changes.
//
// # Transactions
//
// A client in MULTI has each command checked and queued by the host (see
// [Client.InMulti], [Client.Queue]); specs flagged [FlagNoQueue] run at
// once. EXEC takes the locks of every queued command with
// Server.LockCommands and runs them through [CommandRunner] without
// locking again; [DB.Watch], [Keyspace.WatchFailed] and
// [Keyspace.SettleWatches] implement WATCH (see watch.go).
package core
