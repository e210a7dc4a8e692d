package core

import "testing"

// TestLRUQuietSpell checks the ticker's quiet spell (ArmLRUQuiet): the
// first access after the check is armed ticks the clock before reading it,
// even though nothing ticked it meanwhile, disarms the check and leaves one
// token for a sleeping ticker; later accesses leave no more.
func TestLRUQuietSpell(t *testing.T) {
	ks := NewKeyspace(1)
	db := ks.DB(0)
	k := []byte("k")
	db.SetString(k, []byte("v"), 0, false)
	ks.ArmLRUQuiet()
	if !ks.LRUQuiet() {
		t.Fatal("armed check reads not quiet")
	}
	// Five seconds pass with nothing ticking the clock (the ticker sleeps).
	ks.clockOffset.Add(5000)
	if idle, ok := db.IdleTime(k); !ok || idle != 5 {
		t.Fatalf("IDLETIME after a quiet spell = %d, %v; want 5", idle, ok)
	}
	if ks.LRUQuiet() {
		t.Fatal("an access left the check armed")
	}
	select {
	case <-ks.LRUAccessed():
	default:
		t.Fatal("no token for the sleeping ticker")
	}
	db.Get(k) // stamps the key with the ticked clock
	if idle, _ := db.IdleTime(k); idle != 0 {
		t.Fatalf("IDLETIME after a read = %d", idle)
	}
	select {
	case <-ks.LRUAccessed():
		t.Fatal("a second token without a new check")
	default:
	}
}
