package core

import (
	"fmt"
	"iter"
)

// NativeKind names one of Redis's standard data types. A value type that is
// the server's implementation of one of them declares it in [Type.Native],
// so that persistence and DUMP write its values as Redis writes that type
// (and Redis reads them back), and loading a Redis file or a RESTORE payload
// builds values of that type, without the file-format code knowing the
// module.
type NativeKind uint8

// The standard kinds. Strings are core's [String] and need no declaration.
const (
	NativeNone NativeKind = iota
	NativeList
	NativeSet
	NativeZSet
	NativeHash
	NativeStream
)

var nativeNames = [...]string{"none", "list", "set", "zset", "hash", "stream"}

// String returns the kind's TYPE name ("list", "zset", ...).
func (k NativeKind) String() string {
	if int(k) < len(nativeNames) {
		return nativeNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// StandardModule is the name of the standard module that provides the kind
// ("lists", "sets", ...), for messages that tell a user what to build in.
func (k NativeKind) StandardModule() string {
	if k == NativeNone || int(k) >= len(nativeNames) {
		return ""
	}
	return nativeNames[k] + "s"
}

// Native maps a value type onto a standard Redis type. The mapping goes
// through a neutral view of the content ([NativeContent]): the type exposes
// its values' contents through [NativeValue], and Build makes a value from
// such content, so a module never deals with Redis's byte encodings (RDB,
// listpack, intset) and the format code never deals with a module's
// internal representation.
type Native struct {
	// Kind is the standard type the values are.
	Kind NativeKind
	// Build makes a value from content read from a snapshot or a RESTORE
	// payload. Content of the wrong kind, or content that breaks the type's
	// rules (a duplicate set member, a NaN score, stream entries out of
	// order), must be rejected with an error, not a panic. The byte slices
	// it receives belong to the value from then on.
	Build func(c NativeContent) (Value, error)
}

// NativeValue is implemented by the values of a type that declares
// [Type.Native]: it gives the value's content as the neutral view. The
// iterators in the view are read while the value's key is locked and must
// not be kept.
type NativeValue interface {
	Value
	NativeContent() NativeContent
}

// NativeContent is the neutral view of a value of a standard type: what its
// elements are, not how they are stored. Exactly the fields of Kind are set;
// Len is the number of elements the iterator yields.
type NativeContent struct {
	Kind NativeKind
	// Len counts list elements, set members, hash fields, sorted-set
	// members or stream entries.
	Len int
	// Elements yields a list's elements from head to tail, or a set's
	// members.
	Elements iter.Seq[[]byte]
	// Pairs yields a hash's fields and their values.
	Pairs iter.Seq2[[]byte, []byte]
	// Scored yields a sorted set's members and their scores.
	Scored iter.Seq2[[]byte, float64]
	// Stream holds a stream's entries and consumer groups.
	Stream *StreamContent
}

// ListContent returns the view of a list of n elements.
func ListContent(n int, elems iter.Seq[[]byte]) NativeContent {
	return NativeContent{Kind: NativeList, Len: n, Elements: elems}
}

// SetContent returns the view of a set of n members.
func SetContent(n int, members iter.Seq[[]byte]) NativeContent {
	return NativeContent{Kind: NativeSet, Len: n, Elements: members}
}

// HashContent returns the view of a hash of n fields.
func HashContent(n int, pairs iter.Seq2[[]byte, []byte]) NativeContent {
	return NativeContent{Kind: NativeHash, Len: n, Pairs: pairs}
}

// ZSetContent returns the view of a sorted set of n members.
func ZSetContent(n int, scored iter.Seq2[[]byte, float64]) NativeContent {
	return NativeContent{Kind: NativeZSet, Len: n, Scored: scored}
}

// StreamID is a stream entry ID, <ms>-<seq>.
type StreamID struct{ Ms, Seq uint64 }

// StreamContent is the neutral view of a stream, with everything Redis's RDB
// stream types hold.
type StreamContent struct {
	// Length is the number of entries (Len of the NativeContent too).
	Length uint64
	// LastID is the greatest ID ever added; FirstID the first entry's (0-0
	// when empty); MaxDeletedID the greatest ID deleted; EntriesAdded how
	// many entries were ever added (XINFO STREAM's fields).
	LastID, FirstID, MaxDeletedID StreamID
	EntriesAdded                  uint64
	// Entries yields the entries in ID order: the ID, then the field names
	// and values alternating.
	Entries iter.Seq2[StreamID, [][]byte]
	// Groups are the consumer groups.
	Groups []StreamGroup
}

// StreamGroup is a consumer group of a stream.
type StreamGroup struct {
	Name   []byte
	LastID StreamID
	// EntriesRead is the group's entries-read counter; -1 when unknown.
	EntriesRead int64
	// Pending is the group's pending entries list, in ID order.
	Pending []StreamPending
	// Consumers are the group's consumers.
	Consumers []StreamConsumer
}

// StreamPending is an entry delivered to a consumer and not yet
// acknowledged.
type StreamPending struct {
	ID StreamID
	// Consumer is the name of the consumer that owns the entry.
	Consumer []byte
	// DeliveryTime is when it was last delivered, unix milliseconds.
	DeliveryTime int64
	// DeliveryCount is how many times it was delivered.
	DeliveryCount uint64
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	Name []byte
	// SeenTime is the consumer's last interaction, unix milliseconds.
	SeenTime int64
	// ActiveTime is its last successful read (Redis 7.2); -1 when unknown.
	ActiveTime int64
}

// NativeTypeFor returns the registered type that is the server's
// implementation of a standard kind, as the loader needs it to build values
// from a Redis file.
func NativeTypeFor(k NativeKind) (*Type, bool) {
	typesMu.RLock()
	defer typesMu.RUnlock()
	t, ok := typesByNative[k]
	return t, ok
}
