package zsets

import (
	"math"
	"math/rand/v2"

	"github.com/redmod/redmod/core"
)

func init() { add("zrandmember", zrandmember) }

// maxRandomReply bounds ZRANDMEMBER's negative count (members with
// repeats): a reply of more would take gigabytes.
const maxRandomReply = 1 << 26

var (
	errRandRange  = core.NewError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	errOutOfRange = core.NewError("ERR value is out of range")
)

func zrandmember(c *core.Ctx) error {
	if len(c.Args) == 2 {
		z, err := getZSet(c, c.Args[1])
		if err != nil {
			return err
		}
		if z == nil {
			c.WriteNull()
			return nil
		}
		m, _ := z.At(rand.IntN(z.Len()))
		c.WriteBulk(m)
		return nil
	}
	count, ok := core.ParseInt(c.Args[2])
	if !ok {
		return core.ErrNotInteger
	}
	if count == math.MinInt64 {
		return errRandRange
	}
	withScores := false
	if len(c.Args) > 4 || (len(c.Args) == 4 && !core.EqualFold(c.Args[3], "withscores")) {
		return core.ErrSyntax
	}
	if len(c.Args) == 4 {
		withScores = true
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			return errOutOfRange
		}
	}
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z == nil || count == 0 {
		c.WriteArray(0)
		return nil
	}
	size := z.Len()
	if count < 0 {
		// Repeats allowed: each pick is independent. A count no reply
		// could hold is refused rather than built in memory.
		if -count > maxRandomReply {
			return errOutOfRange
		}
		n := int(-count)
		writeRangeHeader(c, n, withScores)
		for i := 0; i < n; i++ {
			m, s := z.At(rand.IntN(size))
			writeMember(c, m, s, withScores)
		}
		return nil
	}
	if count >= int64(size) {
		writeRangeHeader(c, size, withScores)
		z.Ascend(0, func(m []byte, s float64) bool {
			writeMember(c, m, s, withScores)
			return true
		})
		return nil
	}
	// Distinct members: a partial Fisher-Yates shuffle of the ranks.
	n := int(count)
	picked := make(map[int]int, n)
	writeRangeHeader(c, n, withScores)
	for i := 0; i < n; i++ {
		j := i + rand.IntN(size-i)
		vj, ok := picked[j]
		if !ok {
			vj = j
		}
		vi, ok := picked[i]
		if !ok {
			vi = i
		}
		picked[j] = vi
		m, s := z.At(vj)
		writeMember(c, m, s, withScores)
	}
	return nil
}
