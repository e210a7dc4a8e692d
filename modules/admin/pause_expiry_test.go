package admin_test

import (
	"strings"
	"testing"
	"time"
)

// expiredKeys returns INFO's expired_keys.
func expiredKeys(t *testing.T, info string) string {
	t.Helper()
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "expired_keys:"); ok {
			return v
		}
	}
	t.Fatalf("no expired_keys in INFO")
	return ""
}

// TestDiffPauseHoldsExpiry compares with Redis 7.0 how CLIENT PAUSE holds
// expiry: a key whose TTL passes during the pause reads as missing but is
// neither deleted nor counted, by lazy or active expiry, until the pause
// ends.
func TestDiffPauseHoldsExpiry(t *testing.T) {
	p := newPair(t)
	p.Check("SET", "foo", "bar", "PX", "10")
	p.Check("CLIENT", "PAUSE", "50000", "WRITE")
	time.Sleep(150 * time.Millisecond) // the TTL passes; active expiry would run
	p.Check("GET", "foo")
	p.Check("DBSIZE")
	ours, ref := p.Do("INFO", "stats")
	if a, b := expiredKeys(t, ours.Str), expiredKeys(t, ref.Str); a != "0" || b != "0" {
		t.Errorf("expired_keys during the pause: redmod %s, redis %s", a, b)
	}
	p.Check("CLIENT", "UNPAUSE")
	p.Check("GET", "foo")
	ours, ref = p.Do("INFO", "stats")
	if a, b := expiredKeys(t, ours.Str), expiredKeys(t, ref.Str); a != "1" || b != "1" {
		t.Errorf("expired_keys after the pause: redmod %s, redis %s", a, b)
	}
}
