package ratelimit

import (
	"testing"

	"github.com/redmod/redmod/core"
)

func TestBucketTake(t *testing.T) {
	// 3 tokens, refilling one every 100 ms.
	b, err := NewBucket(3, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	now := int64(1_000_000_000)
	steps := []struct {
		at   int64 // µs after start
		n    int64
		want Result
	}{
		{0, 1, Result{Allowed: true, Remaining: 2, ResetAfter: 100}},
		{0, 2, Result{Allowed: true, Remaining: 0, ResetAfter: 300}},
		{0, 1, Result{Remaining: 0, RetryAfter: 100, ResetAfter: 300}},
		{50_000, 1, Result{Remaining: 0, RetryAfter: 50, ResetAfter: 250}},
		{100_000, 1, Result{Allowed: true, Remaining: 0, ResetAfter: 300}},
		{100_000, 4, Result{Remaining: 0, RetryAfter: -1, ResetAfter: 300}},
		{1_000_000, 3, Result{Allowed: true, Remaining: 0, ResetAfter: 300}},
		{2_000_000, 0, Result{Allowed: true, Remaining: 3, ResetAfter: 0}},
	}
	for i, s := range steps {
		if got := b.Take(now+s.at, s.n); got != s.want {
			t.Fatalf("step %d: Take(%d) = %+v, want %+v", i, s.n, got, s.want)
		}
	}
}

func TestNewBucketLimits(t *testing.T) {
	for _, p := range [][3]int64{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1, 2000, 1}, {1 << 62, 1, 1000}, {1, 1, 1 << 62}} {
		if _, err := NewBucket(p[0], p[1], p[2]); err == nil {
			t.Errorf("NewBucket%v accepted", p)
		}
	}
	if _, err := NewBucket(1_000_000, 1000, 1); err != nil {
		t.Errorf("a valid bucket refused: %v", err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	b := &Bucket{Capacity: 5, Rate: 2, Period: 1000, TAT: 1 << 50}
	enc := b.AppendSnapshot(nil)
	v, err := BucketType.Decode(enc)
	if err != nil || *v.(*Bucket) != *b {
		t.Fatalf("Decode = %+v, %v", v, err)
	}
	// Every truncation and a bad version are errors, never panics.
	for i := range enc {
		if _, err := BucketType.Decode(enc[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", i)
		}
	}
	bad := append([]byte{9}, enc[1:]...)
	if _, err := BucketType.Decode(bad); err == nil {
		t.Fatal("unknown version accepted")
	}
	zero := (&Bucket{Capacity: 0, Rate: 1, Period: 1}).AppendSnapshot(nil)
	if _, err := BucketType.Decode(zero); err != core.ErrCorrupt {
		t.Fatalf("invalid bucket: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add((&Bucket{Capacity: 5, Rate: 2, Period: 1000, TAT: 77}).AppendSnapshot(nil))
	f.Fuzz(func(t *testing.T, p []byte) {
		v, err := BucketType.Decode(p)
		if err == nil {
			if _, err := NewBucket(v.(*Bucket).Capacity, v.(*Bucket).Rate, v.(*Bucket).Period); err != nil {
				t.Fatalf("decoded an invalid bucket %+v", v)
			}
		}
	})
}
