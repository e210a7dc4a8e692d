package core

import (
	"math/rand"
	"testing"
)

// Every class is translated to gobwas/glob as an explicit byte set; check
// the translation byte by byte for random sets, including every
// punctuation character gobwas/glob treats specially.
func TestPatternClassTranslation(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 300; round++ {
		set := new(byteSet)
		density := rng.Intn(256)
		for x := 0; x < 256; x++ {
			if rng.Intn(256) < density {
				set.add(byte(x))
			}
		}
		if round < 128 { // single characters, one at a time
			*set = byteSet{}
			set.add(byte(round))
			set.add('-')
		}
		p := &Pattern{g: translate([]patToken{{kind: patClass, set: set}})}
		for x := 0; x < 256; x++ {
			if got := p.Match(string([]byte{byte(x)})); got != set.has(byte(x)) {
				t.Fatalf("round %d: byte %#x: match %v, in set %v", round, x, got, set.has(byte(x)))
			}
		}
	}
}
