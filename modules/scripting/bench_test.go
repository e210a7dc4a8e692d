package scripting_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/redmodtest"
)

// BenchmarkEvalSHA runs a small script (redis-benchmark's
// `evalsha <sha> 1 key`) in pipelines of 16.
func BenchmarkEvalSHA(b *testing.B) {
	srv := redmodtest.Run(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	sha, err := rdb.ScriptLoad(ctx, "return redis.call('incr', KEYS[1])").Result()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 16 {
		p := rdb.Pipeline()
		for j := 0; j < 16; j++ {
			p.EvalSha(ctx, sha, []string{"key"})
		}
		if _, err := p.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
