package scripting_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/redmod/redmod/internal/difftest"
	"github.com/redmod/redmod/redmodtest"
)

// statsLines keeps INFO's errorstats, total_error_replies and the calls,
// rejected_calls and failed_calls of commandstats (times differ).
func statsLines(info string) string {
	usec := regexp.MustCompile(`usec=[0-9]+,usec_per_call=[0-9.]+,`)
	var keep []string
	for _, l := range strings.Split(info, "\r\n") {
		switch {
		case strings.HasPrefix(l, "errorstat_"), strings.HasPrefix(l, "total_error_replies:"):
			keep = append(keep, l)
		case strings.HasPrefix(l, "cmdstat_") && !strings.HasPrefix(l, "cmdstat_config") && !strings.HasPrefix(l, "cmdstat_info"):
			keep = append(keep, usec.ReplaceAllString(l, ""))
		}
	}
	return strings.Join(sortedCopy(keep), "\n")
}

func sortedCopy(l []string) []string {
	out := append([]string(nil), l...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestDiffScriptErrorStats: an error a script meets is counted once, where
// it arises, as Redis 7.0 counts it: a command refused inside the script
// (out of memory, a write in a read-only script, an unknown command) is a
// rejected call of that command, a command that fails a failed call, and
// the script's reply made of that error is not counted again, while the
// script itself counts as failed when it replies with an error.
func TestDiffScriptErrorStats(t *testing.T) {
	p := difftest.NewPair(t, redmodtest.Run(t).Addr(), difftest.Redis(t))
	for _, c := range [][]string{
		{"CONFIG", "SET", "maxmemory", "1"},
		{"EVAL", "return redis.call('set','x','y')", "1", "x"},
		{"EVAL", "local t = redis.pcall('set','x','y') return t['err']", "1", "x"},
		{"EVAL", "return redis.pcall('set','x','y')", "1", "x"},
		{"CONFIG", "SET", "maxmemory", "0"},
		{"EVAL", "return redis.call('select', 99)", "0"},
		{"EVAL", "local t = redis.pcall('select', 99) return t['err']", "0"},
		{"EVAL_RO", "return redis.call('set','x','y')", "1", "x"},
		{"EVAL", "return redis.call('nosuch')", "0"},
		{"EVAL", "return redis.call('get')", "0"},
		{"EVAL", "return redis.error_reply('MY bad')", "0"},
		{"SET", "Sicily", "1"},
		{"EVAL", "return redis.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo')", "1", "x"},
	} {
		if c[0] == "EVAL" || c[0] == "EVAL_RO" {
			p.Do("CONFIG", "RESETSTAT")
		}
		p.Check(c...)
		if c[0] == "EVAL" || c[0] == "EVAL_RO" {
			ours, ref := p.Do("INFO", "ALL")
			if o, r := statsLines(ours.Str), statsLines(ref.Str); o != r {
				t.Errorf("%q: statistics\n redmod: %s\n  redis: %s", c, o, r)
			}
		}
	}
}
