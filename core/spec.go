package core

import "strings"

// Flags describe how a command behaves. The host derives locking, write
// accounting, ACL categories and COMMAND INFO from them.
type Flags uint32

// Command flags, with the names COMMAND INFO prints.
const (
	// FlagWrite marks a command that may modify the keyspace. The host takes
	// exclusive locks for its keys and counts it as a change for auto-save.
	FlagWrite Flags = 1 << iota
	// FlagReadOnly marks a command that only reads the keyspace; the host
	// takes shared locks for its keys.
	FlagReadOnly
	// FlagDenyOOM marks a command that may grow memory.
	FlagDenyOOM
	// FlagAdmin marks an administrative command (@admin, @dangerous).
	FlagAdmin
	// FlagPubSub marks a publish/subscribe command.
	FlagPubSub
	// FlagNoScript marks a command that scripts may not call.
	FlagNoScript
	// FlagBlocking marks a command that may block the client.
	FlagBlocking
	// FlagLoading marks a command allowed while the dataset loads.
	FlagLoading
	// FlagStale marks a command allowed on a stale replica.
	FlagStale
	// FlagSkipMonitor keeps the command out of MONITOR output.
	FlagSkipMonitor
	// FlagSkipSlowlog keeps the command out of the slow log.
	FlagSkipSlowlog
	// FlagFast marks a command that runs in constant or logarithmic time.
	FlagFast
	// FlagNoAuth lets a client run the command before it authenticates.
	FlagNoAuth
	// FlagMayReplicate marks a command that may replicate without writing
	// (PUBLISH, PFCOUNT): CLIENT PAUSE WRITE holds it and read-only scripts
	// may not call it. COMMAND INFO does not list it, as Redis 7.0 hides it.
	FlagMayReplicate
	// FlagNoMandatoryKeys marks a command whose keys may be absent.
	FlagNoMandatoryKeys
	// FlagNoMulti marks a command not allowed inside MULTI.
	FlagNoMulti
	// FlagMovableKeys marks a command whose key positions depend on its
	// arguments; its Spec.Keys function finds them.
	FlagMovableKeys
	// FlagAllowBusy marks a command allowed while a script is busy.
	FlagAllowBusy
	// FlagNoAsyncLoading marks a command refused during async loading.
	FlagNoAsyncLoading
	// FlagKeyspace marks a command without key arguments that still reads or
	// writes the whole keyspace (DBSIZE, FLUSHALL, KEYS, SCAN): the host locks
	// every key for it, shared or exclusive according to FlagWrite.
	FlagKeyspace
	// FlagNoQueue marks a command that runs at once even inside MULTI
	// instead of being queued (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET). It
	// is redmod's own and COMMAND INFO does not list it.
	FlagNoQueue
	// FlagNoKeys marks a write command that changes no key, only its
	// module's own state (FUNCTION LOAD changes the function libraries): the
	// host holds every key lock for it, so that the change and its effect
	// fall on the same side of a snapshot's or rewrite's cut (which reads
	// module state with every key locked), and the module guards that state
	// from its readers itself.
	// Registration refuses a write command that declares no keys unless it
	// sets FlagNoKeys or FlagKeyspace, because such a command would
	// otherwise run unlocked by mistake. It is redmod's own and COMMAND INFO
	// does not list it.
	FlagNoKeys
	// FlagMultiReply marks a command that writes any number of replies,
	// none included (SUBSCRIBE writes one per channel, CLIENT REPLY OFF
	// none). Every other command must write exactly one reply or return an
	// error: the host replaces a missing reply with an error and drops a
	// second one, logging both as bugs of the module. It is redmod's own
	// and COMMAND INFO does not list it.
	FlagMultiReply
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"},
	{FlagReadOnly, "readonly"},
	{FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"},
	{FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"},
	{FlagLoading, "loading"},
	{FlagStale, "stale"},
	{FlagSkipMonitor, "skip_monitor"},
	{FlagSkipSlowlog, "skip_slowlog"},
	{FlagFast, "fast"},
	{FlagNoAuth, "no_auth"},
	{FlagNoMandatoryKeys, "no_mandatory_keys"},
	{FlagNoMulti, "no_multi"},
	{FlagMovableKeys, "movablekeys"},
	{FlagAllowBusy, "allow_busy"},
	{FlagNoAsyncLoading, "no_async_loading"},
}

// Has reports whether all of the given flags are set.
func (f Flags) Has(g Flags) bool { return f&g == g }

// Names returns the flag names in the order COMMAND INFO prints them.
// FlagKeyspace is redmod's own and is not listed.
func (f Flags) Names() []string {
	var names []string
	for _, fn := range flagNames {
		if f.Has(fn.f) {
			names = append(names, fn.name)
		}
	}
	return names
}

// Spec is a command's metadata. The host does all the work that follows from
// it: arity errors, key locking, ACL categories, COMMAND INFO and DOCS, and
// write accounting.
type Spec struct {
	// Name is the command's name in lower case ("get"). A subcommand's name
	// is its own word ("get" for CONFIG GET).
	Name string
	// Arity follows Redis: N means exactly N arguments counting the command
	// name; -N means at least N.
	Arity int
	// Flags describe the command's behaviour.
	Flags Flags
	// FirstKey, LastKey and Step locate the key arguments: FirstKey is the
	// index of the first key (0: no keys), LastKey the index of the last
	// (negative counts from the end: -1 is the last argument), Step the
	// distance between keys.
	FirstKey, LastKey, Step int
	// Keys finds the key positions of a command whose keys move with its
	// arguments (set FlagMovableKeys). It receives the full argument list and
	// returns indexes into it; it must not fail on short input.
	Keys func(args [][]byte) []int
	// ReportedKeys, for a movable-key command without Keys (the host
	// locks every slot for it because it reaches keys named by data, as
	// SORT's BY and GET do), finds the key arguments COMMAND GETKEYS
	// reports: SORT's key and its STORE destination.
	ReportedKeys func(args [][]byte) []int
	// KeyFlagsFor, when set, gives the key-spec flags of the key at
	// argument i for this very call, for commands whose key specs carry
	// variable_flags or whose keys play roles the arguments decide (SET
	// with or without GET, SORT's STORE destination): COMMAND
	// GETKEYSANDFLAGS reports them. nil means the matching key spec's flags.
	KeyFlagsFor func(args [][]byte, i int) []string
	// FlagsFor, when set, gives the flags of this very call, for a command
	// whose arguments (or what they name) decide whether it writes, as
	// Redis's getCommandFlags: EVAL's script declares no-writes, allow-oom
	// or allow-stale in its shebang, EVALSHA's cached script and FCALL's
	// function carry such flags. The host checks the call with them rather
	// than with Flags: CLIENT PAUSE WRITE (FlagWrite, FlagMayReplicate),
	// deny-oom, a read-only replica and MISCONF (FlagWrite), a stale
	// replica (FlagStale), and EXEC with the union of its queued calls'.
	// c is the caller's context (its Keyspace and Server find the module's
	// state; Args is not set yet); args is the full argument list, arity
	// checked. It must be cheap, change nothing and never fail: when in
	// doubt it returns Flags. nil means Flags. See CallFlags.
	FlagsFor func(c *Ctx, args [][]byte) Flags
	// Group is the command's group as COMMAND DOCS prints it ("string").
	Group string
	// Categories are ACL categories beyond those the flags imply, without
	// the '@' ("string", "keyspace").
	Categories []string
	// Summary is the one-line description COMMAND DOCS prints.
	Summary string
	// Since is the Redis version that introduced the command.
	Since string
	// Complexity is the time complexity COMMAND DOCS prints.
	Complexity string
	// Args describes the arguments for COMMAND DOCS and redis-cli hints.
	Args []Arg
	// Syntax writes the arguments as Redis's documentation does
	// ("key value [NX|XX] [EX seconds|PX milliseconds]"); at registration it
	// fills Args, Arity and the key positions that are left unset (see
	// ApplySyntax).
	Syntax string
	// History lists the command's changes since Since, as COMMAND DOCS
	// prints them.
	History []HistoryEntry
	// DocFlags are COMMAND DOCS's doc_flags ("deprecated", "syscmd").
	DocFlags []string
	// DeprecatedSince is the version that deprecated the command, and
	// ReplacedBy what replaces it (COMMAND DOCS prints both).
	DeprecatedSince, ReplacedBy string
	// KeyFlags are the key-spec flags COMMAND INFO prints for the keys
	// ("RW", "access", "update"); empty derives them from Flags.
	KeyFlags []string
	// KeySpecs describe the keys as Redis 7's key specs do, for commands
	// whose keys play different roles (LMOVE's source and destination) or
	// are counted by an argument (LMPOP). When set, COMMAND INFO and
	// COMMAND GETKEYSANDFLAGS use them instead of the single spec derived
	// from FirstKey, LastKey, Step and KeyFlags; locking still follows
	// FirstKey/LastKey/Step or Keys.
	KeySpecs []KeySpec
	// Tips are the command tips COMMAND INFO prints.
	Tips []string
	// Subcommands are the commands of a container command (CONFIG GET, ...).
	Subcommands []Command
	// Channels locates the command's pub/sub channel arguments, which ACL
	// channel rules (&pattern) govern; nil: none.
	Channels *ChannelSpec
	// BorrowsArgs declares that the command keeps no slice of Ctx.Args
	// once Exec returns: not in a value it stores (give the keyspace
	// copies: DB.SetString copies, core.NewString does not), not in its
	// module's state, not in a goroutine, a timer or a BlockRequest. It
	// may read the arguments, slice them and pass them to calls that copy
	// what they keep (keys given to the keyspace, Notify, Propagate) while
	// it runs; copies of them are its own. The host then runs it on views
	// of its read buffer, which the next read overwrites, instead of
	// copying the arguments into an allocation of their own for every
	// call. Without it (the default) the arguments are fresh copies the
	// command owns and may keep. The host ignores it for a command that
	// may block (FlagBlocking) and for a command queued by MULTI, which
	// always get copies; it is redmod's own and COMMAND INFO does not show
	// it. The checking mode (host Config.CheckKeys, on in redmodtest)
	// overwrites the borrowed bytes after each such command, so that a
	// retained slice shows wrong bytes in the module's tests.
	BorrowsArgs bool
}

// ChannelSpec locates pub/sub channel arguments: arguments First through
// Last (negative: counted from the end, -1 the last) are channels, or
// patterns when Pattern is set (PSUBSCRIBE), which an ACL user may use only
// when one of its channel rules is the same pattern.
type ChannelSpec struct {
	First, Last int
	Pattern     bool
}

// KeySpec is one Redis 7 key spec: where the search for keys begins (an
// argument index, or the argument after a keyword) and how the keys are
// found from there (a range, or a count given by an argument).
type KeySpec struct {
	// Notes is the spec's free-text note, as Redis prints it.
	Notes string
	// Flags are the key-spec flags ("RW", "access", "delete", ...).
	Flags []string
	// BeginIndex is the argument index where the keys begin; when 0, the
	// search begins after BeginKeyword, looked for from KeywordStartFrom
	// (negative: from the end, backwards).
	BeginIndex       int
	BeginKeyword     string
	KeywordStartFrom int
	// For a range: LastKey relative to the first key (negative: from the
	// end of the arguments), KeyStep, and Limit.
	LastKey, KeyStep, Limit int
	// Keynum finds the keys by a count instead: the count is at KeynumIdx
	// and the first key at FirstKey, both relative to the begin index.
	Keynum              bool
	KeynumIdx, FirstKey int
	// Unknown marks keys that cannot be found from the arguments (SORT's
	// BY and GET patterns name keys built from data): both the begin
	// search and the find are "unknown".
	Unknown bool
}

// HistoryEntry is one change of a command: the version and what changed.
type HistoryEntry struct {
	Version, Change string
}

// ArgType is the type of an argument in COMMAND DOCS.
type ArgType string

// Argument types of COMMAND DOCS.
const (
	ArgString    ArgType = "string"
	ArgInteger   ArgType = "integer"
	ArgDouble    ArgType = "double"
	ArgKey       ArgType = "key"
	ArgPattern   ArgType = "pattern"
	ArgUnixTime  ArgType = "unix-time"
	ArgPureToken ArgType = "pure-token"
	ArgOneOf     ArgType = "oneof"
	ArgBlock     ArgType = "block"
)

// Arg describes one argument of a command for COMMAND DOCS, which redis-cli
// uses for its inline hints.
type Arg struct {
	// Name is the argument's name in COMMAND DOCS ("key", "seconds").
	Name string
	// Type is the argument's kind; oneof and block have Args.
	Type ArgType
	// Token is the literal word that introduces the argument, if any
	// ("EX" of SET's expiry).
	Token string
	// Optional marks an argument that may be left out ([...] in the syntax).
	Optional bool
	// Multiple marks an argument that may repeat (key [key ...]).
	Multiple bool
	// MultipleToken marks a repeating argument whose token repeats too
	// (SORT's [GET pattern [GET pattern ...]]).
	MultipleToken bool
	// KeySpec is the index of the key spec this key argument belongs to.
	KeySpec int
	// Summary describes the argument; Since is the version that added it,
	// DeprecatedSince the one that deprecated it (COMMAND DOCS).
	Summary, Since, DeprecatedSince string
	Args                            []Arg // the alternatives of a oneof, the members of a block
}

// FullName is the name Redis prints in errors: "get", or "config|get" for a
// subcommand of "config".
func FullName(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "|" + name
}

// KeyIndexes returns the positions of the key arguments in args according to
// the spec. It never returns an index outside args.
func (s *Spec) KeyIndexes(args [][]byte, dst []int) []int {
	if s.Keys != nil {
		for _, i := range s.Keys(args) {
			if i > 0 && i < len(args) {
				dst = append(dst, i)
			}
		}
		return dst
	}
	if s.FirstKey <= 0 || s.FirstKey >= len(args) {
		return dst
	}
	last := s.LastKey
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step := s.Step
	if step <= 0 {
		step = 1
	}
	for i := s.FirstKey; i <= last; i += step {
		dst = append(dst, i)
	}
	return dst
}

// aclCategoryOrder is the order in which Redis lists ACL categories.
var aclCategoryOrder = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// ACLCategoryNames returns every ACL category Redis knows, without '@'.
func ACLCategoryNames() []string { return append([]string(nil), aclCategoryOrder...) }

// ACLCategories returns the command's ACL categories with '@', those implied
// by its flags and those of Spec.Categories, in the order Redis lists them.
func (s *Spec) ACLCategories() []string {
	has := map[string]bool{}
	if s.Flags.Has(FlagWrite) {
		has["write"] = true
	}
	// As Redis does, read-only scripting commands (EVAL_RO) are not @read.
	if s.Flags.Has(FlagReadOnly) && !slicesContains(s.Categories, "scripting") {
		has["read"] = true
	}
	if s.Flags.Has(FlagAdmin) {
		has["admin"] = true
		has["dangerous"] = true
	}
	if s.Flags.Has(FlagPubSub) {
		has["pubsub"] = true
	}
	if s.Flags.Has(FlagBlocking) {
		has["blocking"] = true
	}
	if s.Flags.Has(FlagFast) {
		has["fast"] = true
	} else {
		has["slow"] = true
	}
	for _, c := range s.Categories {
		has[strings.TrimPrefix(c, "@")] = true
	}
	var cats []string
	for _, c := range aclCategoryOrder {
		if has[c] {
			cats = append(cats, "@"+c)
			delete(has, c)
		}
	}
	for _, c := range s.Categories {
		if c = strings.TrimPrefix(c, "@"); has[c] {
			cats = append(cats, "@"+c)
			delete(has, c)
		}
	}
	return cats
}

// CallFlags returns the flags of one call of the command: FlagsFor's
// answer when set, Flags otherwise.
func (s *Spec) CallFlags(c *Ctx, args [][]byte) Flags {
	if s.FlagsFor != nil {
		return s.FlagsFor(c, args)
	}
	return s.Flags
}

// KeySpecFlags returns the key-spec flags of the command's keys.
func (s *Spec) KeySpecFlags() []string {
	switch {
	case s.KeyFlags != nil:
		return s.KeyFlags
	case s.Flags.Has(FlagWrite):
		return []string{"RW", "update"}
	default:
		return []string{"RO", "access"}
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimPrefix(x, "@") == s {
			return true
		}
	}
	return false
}
