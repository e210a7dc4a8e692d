package core

import (
	"time"

	"github.com/hashicorp/go-hclog"
)

// Module is a family of commands, registered from an init function with
// registry.Register. Besides Commands, a module may implement any of
// TypeProvider, Provisioner, Validator, Starter, Stopper and InfoProvider; the
// host calls them at the right moments.
type Module interface {
	// Name is the module's short name ("strings"), as `redmod modules` and
	// INFO modules show it.
	Name() string
	// Commands returns the module's commands.
	Commands() []Command
}

// TypeProvider is a module that adds data types; their snapshot decoders are
// registered with the module.
type TypeProvider interface {
	// Types returns the descriptors of the module's value types.
	Types() []*Type
}

// Provisioner is a module that needs the server's resources. Provision is
// called once, before the server accepts connections.
type Provisioner interface {
	// Provision receives the module's logger, the keyspace, the server and
	// the module's settings; an error stops start-up.
	Provision(m *ModuleContext) error
}

// StatePersister is a module with server state beyond the keyspace (the
// scripting module's function libraries) that the snapshot keeps. With
// every save the host stores the records SnapshotState returns; when it
// loads a snapshot at start (before Provision) it hands each record back to
// LoadState. A record of kind "function" is a Redis function library's
// code and is stored as Redis stores one (an RDB FUNCTION2 record, so Redis
// and redmod read each other's libraries); any other kind is stored as an
// RDB AUX field named "redmod-<module>-<kind>", which Redis ignores.
type StatePersister interface {
	// SnapshotState returns the module's state for the server of ks.
	SnapshotState(ks *Keyspace) []StateRecord
	// LoadState restores one record; an error stops start-up, as a damaged
	// snapshot does.
	LoadState(ks *Keyspace, rec StateRecord) error
}

// StateRecord is one piece of a module's persisted state.
type StateRecord struct {
	// Kind names the record ("function", or the module's own word).
	Kind string
	// Data is the record's content.
	Data []byte
	// Exclusive asks LoadState to fail rather than replace state that is
	// already there (a library of the same name): DEBUG RELOAD NOFLUSH
	// without MERGE loads a snapshot over the live state this way.
	Exclusive bool
}

// Validator is a module that checks its configuration after provisioning;
// an error stops start-up with a clear message.
type Validator interface {
	// Validate checks what Provision read; it runs once, after Provision.
	Validate() error
}

// Starter is a module with background work, started when the server
// starts serving, after every module is provisioned and validated.
type Starter interface {
	// Start launches the module's goroutines and returns; an error stops
	// the server.
	Start() error
}

// Stopper is a module that must release resources at shutdown.
type Stopper interface {
	// Stop ends the module's background work. It runs after the last
	// connection closed and the final save, so the module's data is already
	// persisted; an error is logged.
	Stop() error
}

// InfoProvider is a module that adds fields to INFO. InfoSections names
// the module's own sections; Info returns the fields for a section, which
// may also be a standard one ("stats") that the module extends.
type InfoProvider interface {
	// InfoSections names the module's own sections, in lower case; INFO
	// prints them after the standard ones, in INFO, INFO all and INFO
	// <section>.
	InfoSections() []string
	// Info returns the module's fields of a section (nil for sections it
	// does not extend). It runs without locks: read atomics or the module's
	// own synchronised state, or use Keyspace.View.
	Info(section string) []InfoField
}

// KeyspaceInfoProvider is an InfoProvider whose state belongs to each
// server rather than to the process (a module's Go value is shared by every
// server of a process): the host calls InfoFor with its keyspace instead of
// Info.
type KeyspaceInfoProvider interface {
	InfoProvider
	// InfoFor returns the module's fields of a section for the server of
	// ks.
	InfoFor(ks *Keyspace, section string) []InfoField
}

// InfoField is one "name:value" line of INFO, or one setting of CONFIG.
type InfoField struct {
	// Name is the field's or setting's name ("used_memory").
	Name string
	// Value is its value as INFO or CONFIG GET prints it.
	Value string
}

// ModuleContext is what a module receives when it is provisioned.
type ModuleContext struct {
	// Logger is a logger named after the module.
	Logger hclog.Logger
	// Keyspace holds the data; code outside a command changes it only
	// through Keyspace.Update.
	Keyspace *Keyspace
	// Server gives access to server-wide services.
	Server Server
	// Config reads the module's settings from redmod's configuration
	// (host.Config.Modules, --module.setting flags, CONFIG SET).
	Config ConfigReader
}

// ConfigReader reads settings.
type ConfigReader interface {
	// Get returns the current value of a setting and whether it exists. A
	// module's reader takes the setting's own name ("window") as well as its
	// full name ("ratelimit.window"). Values change when CONFIG SET changes
	// them, so a module reads a mutable setting when it needs it rather than
	// once in Provision.
	Get(name string) (string, bool)
}

// Configurable is a module with settings. The host gives each declared
// setting its default, validates the value at start and on CONFIG SET, and
// makes it a command-line flag (--ratelimit.window 60) and a CONFIG GET/SET
// parameter under the module's prefix ("ratelimit.window"). A setting under
// the module's prefix that the module does not declare stops start-up, so a
// typo does not pass silently.
type Configurable interface {
	// Settings declares the module's settings; the host reads it once, at
	// start.
	Settings() []Setting
}

// Setting declares one setting of a module.
type Setting struct {
	// Name is the setting's name without the module's prefix, in lower case
	// ("window"); its full name is "<module>.<name>".
	Name string
	// Default is the value the setting has when the configuration does not
	// set it.
	Default string
	// Usage is the one-line description --help prints.
	Usage string
	// Mutable lets CONFIG SET change the setting while the server runs;
	// otherwise CONFIG SET answers that it is immutable, as Redis does.
	Mutable bool
	// Global gives the setting its own name, without the module's prefix,
	// for a setting Redis itself has and a module implements
	// ("set-max-intset-entries" of the sets module): CONFIG GET/SET, the
	// command line and configuration files know it by that name, as they
	// know Redis's. Two modules must not declare the same global name.
	Global bool
	// Aliases are other names of a global setting, such as the names Redis
	// kept for compatibility (zset-max-ziplist-entries for
	// zset-max-listpack-entries): CONFIG GET and SET, flags and
	// configuration files accept them, and they share the setting's value.
	Aliases []string
	// Validate checks a value before it is accepted, at start and on CONFIG
	// SET; nil accepts any value. Its error text follows Redis's CONFIG SET
	// wording ("argument must be a positive integer").
	Validate func(value string) error
	// Normalize, when set, turns a valid value into the form CONFIG GET
	// shows, as Redis shows memory sizes in bytes ("1kb" as "1024"); it
	// runs after Validate accepted the value.
	Normalize func(value string) string
	// OnChange, when set, receives the setting's value when a server starts
	// and after every CONFIG SET that changes it, so a module can keep a
	// setting its commands read on every call in a variable (an atomic)
	// instead of looking it up. With several servers in one process, the
	// latest value given to any of them is what the variable holds.
	OnChange func(value string)
}

// SettingReader is implemented by a Server that reads one setting by its
// exact name without allocating, where ConfigGet answers a pattern with a
// new slice. Use ReadSetting, which falls back on ConfigGet.
type SettingReader interface {
	// Setting returns the current value of the setting called name (a
	// Redis name, a module's global name or "<module>.<name>").
	Setting(name string) (string, bool)
}

// ReadSetting returns the current value of one setting of srv, for a
// module that reads a setting on every call (the streams module's node
// limits on every XADD): through SettingReader when srv has it, else
// through ConfigGet.
func ReadSetting(srv Server, name string) (string, bool) {
	if r, ok := srv.(SettingReader); ok {
		return r.Setting(name)
	}
	if f := srv.ConfigGet(name); len(f) == 1 {
		return f[0].Value, true
	}
	return "", false
}

// AOFRewriter is implemented by a server that keeps Redis's append-only
// file (BGREWRITEAOF).
type AOFRewriter interface {
	// RewriteAOF starts a background rewrite of the append-only file and
	// returns the status to reply. With schedule set (the caller holds
	// locks, as inside EXEC) it only schedules one for the next
	// background cycle.
	RewriteAOF(schedule bool) (string, error)
}

// Server is what the host offers to commands and modules.
type Server interface {
	// Save writes a snapshot now and waits for it.
	Save() error
	// BackgroundSave starts a snapshot and returns at once; an error means
	// one could not start (one is already running, or persistence is off).
	BackgroundSave() error
	// SaveFlushed is called after FLUSHALL emptied every database: with
	// save rules set it writes the snapshot now, waiting for a background
	// save in progress and making sure its older image does not replace
	// the new one, so that a crash cannot bring the flushed keys back.
	SaveFlushed() error
	// Snapshot returns an RDB image of every database at one point in
	// time, the bytes SAVE would write (SYNC sends it). Commands keep
	// running while it is encoded (see Cut); a command calling it must
	// hold no lock, and it waits for a snapshot being written to end.
	Snapshot() ([]byte, error)
	// FullSync serves SYNC: it sends the client an RDB image of one point
	// in time, then keeps sending it every change after that point, as the
	// commands of the stream replicas and the append-only file read, until
	// the client goes away. The command calling it holds no lock and
	// writes no reply of its own.
	FullSync(c *Ctx) error
	// LastSave returns the time of the last successful save.
	LastSave() time.Time
	// Info renders INFO for the given sections (none: the default set).
	Info(sections []string) string
	// Shutdown stops the server, saving first unless save is false.
	Shutdown(save bool) error
	// ConfigGet returns the settings whose names match the glob pattern.
	ConfigGet(pattern string) []InfoField
	// ConfigSet changes settings; all or none are applied.
	ConfigSet(pairs []InfoField) error
	// Clients returns the connected clients.
	Clients() []*Client
	// KillClient closes the connection of a client.
	KillClient(id int64) bool
	// Authenticate checks a user name and password (AUTH, HELLO ... AUTH)
	// and, when they are valid, makes c that user, authenticated. It
	// returns the error to reply otherwise (WRONGPASS). A server without
	// requirepass or ACL users has only the "default" user, which accepts
	// any password (nopass), as Redis's default user does.
	Authenticate(c *Client, user, pass string) error
	// ResetAuth returns c to the user of a new connection, for RESET: the
	// default user, authenticated unless that user needs a password.
	ResetAuth(c *Client)
	// Pause suspends the commands of every client (all) or only those that
	// may change data, until d has passed or Unpause (CLIENT PAUSE).
	Pause(d time.Duration, all bool)
	// Unpause ends a pause (CLIENT UNPAUSE).
	Unpause()
	// ConfigRewrite writes the current settings to the configuration file
	// the server was started with, keeping its comments (CONFIG REWRITE).
	ConfigRewrite() error
	// ResetStats zeroes the statistics INFO reports (CONFIG RESETSTAT).
	ResetStats()
	// UnblockClient ends the wait of a client blocked in a blocking
	// command, as if it timed out or, with withError, with an UNBLOCKED
	// error (CLIENT UNBLOCK). It reports whether the client was blocked.
	UnblockClient(id int64, withError bool) bool
	// LockCommands takes, once and in the global lock order, the locks of
	// every key that the commands cmds (argument lists) name according to
	// their specs, plus the lock slots in also (Keyspace.SlotOf,
	// Keyspace.WatchedSlots), all exclusively; every slot when one of the
	// commands works on the whole keyspace, finds its keys from data, or
	// is unknown. It records them in held (the Ctx's Locks, so that a
	// called command's LockSet.Ensure knows them) when not nil, and returns
	// the function that releases them. EXEC uses it to run its queued
	// commands atomically through CommandRunner.
	LockCommands(held *LockSet, cmds [][][]byte, also []int) (unlock func())
}
