package zsets_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// TestGeoRandomDiff sends random geo commands to redmod and Redis: points
// all over the map (poles and the antimeridian included), searches of every
// size and shape with every option, and requires identical replies.
func TestGeoRandomDiff(t *testing.T) {
	ref := difftest.Redis(t)
	srv := redmodtest.Run(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REDMOD_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	steps := 1500
	if s := os.Getenv("REDMOD_RANDOM_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 9))
	coord := func(lim float64) string {
		switch r.IntN(12) {
		case 0:
			return strconv.FormatFloat(lim, 'f', -1, 64)
		case 1:
			return strconv.FormatFloat(-lim, 'f', -1, 64)
		case 2:
			return "x"
		case 3:
			return strconv.FormatFloat(lim+1, 'f', -1, 64)
		}
		return strconv.FormatFloat((r.Float64()*2-1)*lim, 'f', r.IntN(8), 64)
	}
	near := func() (string, string) {
		// Clustered points so that small searches find something.
		return strconv.FormatFloat(13+r.Float64()*2, 'f', 6, 64), strconv.FormatFloat(37+r.Float64()*2, 'f', 6, 64)
	}
	keys := []string{"g1", "g2", "none", "str"}
	members := []string{"a", "b", "c", "d", "e", "f", "g", "h", "p1", "p2"}
	units := []string{"m", "km", "ft", "mi", "KM", "yd"}
	radius := func() string {
		return []string{"0", "1", "10", "100", "500", "1000", "5000", "20000", "-1", "x", "0.5", "250"}[r.IntN(12)]
	}
	from := func() []string {
		if r.IntN(2) == 0 {
			return []string{"FROMMEMBER", members[r.IntN(len(members))]}
		}
		lo, la := near()
		if r.IntN(3) == 0 {
			lo, la = coord(180), coord(85)
		}
		return []string{"FROMLONLAT", lo, la}
	}
	by := func() []string {
		if r.IntN(2) == 0 {
			return []string{"BYRADIUS", radius(), units[r.IntN(len(units))]}
		}
		return []string{"BYBOX", radius(), radius(), units[r.IntN(len(units))]}
	}
	opts := func(store bool) []string {
		var o []string
		for _, x := range []string{"WITHDIST", "WITHHASH", "WITHCOORD", "ASC", "DESC"} {
			if r.IntN(4) == 0 {
				o = append(o, x)
			}
		}
		if r.IntN(3) == 0 {
			o = append(o, "COUNT", []string{"1", "2", "5", "0", "x"}[r.IntN(5)])
			if r.IntN(2) == 0 {
				o = append(o, "ANY")
			}
		}
		if store && r.IntN(3) == 0 {
			o = append(o, []string{"STORE", "STOREDIST"}[r.IntN(2)], keys[r.IntN(2)]+"s")
		}
		r.Shuffle(len(o), func(i, j int) {})
		return o
	}
	for _, proto := range []string{"2", "3"} {
		p := difftest.NewPair(t, srv.Addr(), ref)
		p.Do("HELLO", proto)
		p.Check("SET", "str", "x")
		var hist []string
		for i := 0; i < steps && !t.Failed(); i++ {
			k := keys[r.IntN(len(keys))]
			var cmd []string
			switch r.IntN(12) {
			case 0, 1, 2:
				cmd = []string{"GEOADD", k}
				for _, f := range []string{"NX", "XX", "CH"} {
					if r.IntN(6) == 0 {
						cmd = append(cmd, f)
					}
				}
				for j := 0; j < 1+r.IntN(3); j++ {
					lo, la := near()
					if r.IntN(3) == 0 {
						lo, la = coord(180), coord(85.05112878)
					}
					cmd = append(cmd, lo, la, members[r.IntN(len(members))])
				}
			case 3:
				cmd = []string{"GEOPOS", k, members[r.IntN(len(members))], members[r.IntN(len(members))]}
			case 4:
				cmd = []string{"GEODIST", k, members[r.IntN(len(members))], members[r.IntN(len(members))]}
				if r.IntN(2) == 0 {
					cmd = append(cmd, units[r.IntN(len(units))])
				}
			case 5:
				cmd = []string{"GEOHASH", k, members[r.IntN(len(members))], members[r.IntN(len(members))]}
			case 6:
				lo, la := near()
				name := []string{"GEORADIUS", "GEORADIUS_RO"}[r.IntN(2)]
				cmd = append([]string{name, k, lo, la, radius(), units[r.IntN(len(units))]}, opts(name == "GEORADIUS")...)
			case 7:
				name := []string{"GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"}[r.IntN(2)]
				cmd = append([]string{name, k, members[r.IntN(len(members))], radius(), units[r.IntN(len(units))]}, opts(name == "GEORADIUSBYMEMBER")...)
			case 8, 9:
				cmd = append(append(append([]string{"GEOSEARCH", k}, from()...), by()...), opts(false)...)
			case 10:
				cmd = append(append(append([]string{"GEOSEARCHSTORE", keys[r.IntN(2)] + "s", k}, from()...), by()...), opts(false)...)
				if r.IntN(2) == 0 {
					cmd = append(cmd, "STOREDIST")
				}
			default:
				// Stored distances are compared by order: the C library's
				// sin, cos and asin are not always correctly rounded, so
				// the last bit of a STOREDIST score may rarely differ.
				k := []string{"g1s", "g2s", "g1", "g2"}[r.IntN(4)]
				cmd = []string{"ZRANGE", k, "0", "-1"}
				if !strings.HasSuffix(k, "s") {
					cmd = append(cmd, "WITHSCORES")
				}
			}
			hist = append(hist, fmt.Sprintf("%q", cmd))
			p.Check(cmd...)
		}
		if t.Failed() {
			t.Logf("last commands:\n%s", strings.Join(hist[max(0, len(hist)-30):], "\n"))
		}
	}
}
