package pubsub_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/redmod/redmod/redmodtest"
)

// TestRueidisClientSideCaching connects rueidis with its default options
// (RESP3, CLIENT TRACKING ON OPTIN), caches a GET client-side and sees the
// entry invalidated after another client's SET.
func TestRueidisClientSideCaching(t *testing.T) {
	ctx := context.Background()
	srv := redmodtest.Run(t)
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Do(ctx, c.B().Set().Key("k").Value("v1").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	get := func() (string, bool) {
		r := c.DoCache(ctx, c.B().Get().Key("k").Cache(), time.Minute)
		v, err := r.ToString()
		if err != nil {
			t.Fatal(err)
		}
		return v, r.IsCacheHit()
	}
	if v, hit := get(); v != "v1" || hit {
		t.Fatalf("first GET = %q, hit %v", v, hit)
	}
	if v, hit := get(); v != "v1" || !hit {
		t.Fatalf("second GET = %q, hit %v (want a client-side cache hit)", v, hit)
	}
	c2, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Do(ctx, c2.B().Set().Key("k").Value("v2").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, hit := get()
		if v == "v2" && !hit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET after another client's SET = %q (cache hit %v): not invalidated", v, hit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
