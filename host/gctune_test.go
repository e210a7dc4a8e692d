package host

import "testing"

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{1 << 20, 100},
		{gcMinRoom, 100},
		{2 * gcMinRoom, 50},
		{4 * gcMinRoom, 25},
		{1 << 30, 25},
		{10 << 30, 25},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}
