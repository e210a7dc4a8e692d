package ratelimit

import (
	"errors"

	"github.com/redmod/redmod/core"
)

// maxTolerance bounds the time a bucket takes to fill from empty (about 31
// years in microseconds), so that the arithmetic below cannot overflow.
const maxTolerance = 1e15

// Bucket is the ratelimit data type: a token bucket of Capacity tokens that
// refills at Rate tokens per Period milliseconds. It is kept as GCRA does,
// with one timestamp instead of a token count, so that refilling costs
// nothing and the state is exact integers: TAT ("theoretical arrival time")
// is when the bucket will be full again, in microseconds of the keyspace
// clock. A TAT in the past means a full bucket. Because TAT is an absolute
// time, a bucket keeps refilling while the server is down, as key expiry does.
type Bucket struct {
	Capacity int64
	Rate     int64
	Period   int64 // milliseconds
	TAT      int64 // microseconds
}

// BucketType is the descriptor of Bucket values: TYPE answers "ratelimit",
// and snapshots tag buckets with that name.
var BucketType = &core.Type{Name: "ratelimit", Decode: decodeBucket}

// NewBucket returns a full bucket, or an error when the parameters are out
// of range.
func NewBucket(capacity, rate, period int64) (*Bucket, error) {
	b := &Bucket{Capacity: capacity, Rate: rate, Period: period}
	return b, b.check()
}

func (b *Bucket) check() error {
	switch {
	case b.Capacity <= 0:
		return core.NewError("ERR capacity must be positive")
	case b.Rate <= 0:
		return core.NewError("ERR rate must be positive")
	case b.Period <= 0:
		return core.NewError("ERR period must be positive")
	case b.Period > maxTolerance/1000 || b.Period*1000/b.Rate == 0:
		return core.NewError("ERR rate is too high for the period: at most one token per microsecond")
	case b.Capacity > maxTolerance/b.interval():
		return core.NewError("ERR capacity is too large for the rate")
	}
	return nil
}

// interval is the time one token takes to refill, in microseconds.
func (b *Bucket) interval() int64 { return b.Period * 1000 / b.Rate }

// Result is the outcome of taking tokens.
type Result struct {
	Allowed    bool
	Remaining  int64 // tokens left after the call
	RetryAfter int64 // ms until the request would be allowed; 0 when allowed, -1 never
	ResetAfter int64 // ms until the bucket is full again
}

// Take takes n tokens at time now (microseconds) if the bucket holds them.
func (b *Bucket) Take(now, n int64) Result {
	iv := b.interval()
	tau := iv * b.Capacity
	tat := max(b.TAT, now)
	if n > b.Capacity {
		return Result{Remaining: (tau - (tat - now)) / iv, RetryAfter: -1, ResetAfter: ceilMs(tat - now)}
	}
	next := tat + n*iv
	if wait := next - tau - now; wait > 0 {
		return Result{Remaining: (tau - (tat - now)) / iv, RetryAfter: ceilMs(wait), ResetAfter: ceilMs(tat - now)}
	}
	if n > 0 {
		b.TAT = next
	}
	return Result{Allowed: true, Remaining: (tau - (next - now)) / iv, ResetAfter: ceilMs(next - now)}
}

func ceilMs(us int64) int64 { return (us + 999) / 1000 }

// Type implements core.Value.
func (b *Bucket) Type() *core.Type { return BucketType }

// Encoding implements core.Value; OBJECT ENCODING reports "gcra".
func (b *Bucket) Encoding() string { return "gcra" }

// MemoryUsage implements core.Value: four integers and the value's header.
func (b *Bucket) MemoryUsage() int { return 16 + 4*8 }

// Clone implements core.Value.
func (b *Bucket) Clone() core.Value { c := *b; return &c }

// encodingVersion leads every snapshot encoding, so that a later version of
// the module can still read buckets saved by this one.
const encodingVersion = 1

// AppendSnapshot implements core.Value: a version byte and the four numbers.
func (b *Bucket) AppendSnapshot(dst []byte) []byte {
	dst = append(dst, encodingVersion)
	dst = core.AppendUvarint(dst, uint64(b.Capacity))
	dst = core.AppendUvarint(dst, uint64(b.Rate))
	dst = core.AppendUvarint(dst, uint64(b.Period))
	return core.AppendVarint(dst, b.TAT)
}

func decodeBucket(p []byte) (core.Value, error) {
	r := core.NewSnapshotReader(p)
	if v := r.Byte(); r.Err() == nil && v != encodingVersion {
		return nil, errors.New("ratelimit: unknown snapshot encoding version")
	}
	b := &Bucket{Capacity: int64(r.Uvarint()), Rate: int64(r.Uvarint()), Period: int64(r.Uvarint()), TAT: r.Varint()}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, core.ErrCorrupt
	}
	return b, nil
}
