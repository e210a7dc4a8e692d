package host

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

// The settings of the operator's tools (slow log, latency monitor and
// tracking) and of the protected actions (DEBUG, protected settings).
func init() {
	settings = append(settings,
		int64Setting("slowlog-log-slower-than", "log commands that run at least this many microseconds in the slow log (-1: none, 0: all)",
			func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }, -1, math.MaxInt64),
		int64Setting("slowlog-max-len", "entries the slow log keeps",
			func(c *Config) *int64 { return &c.SlowlogMaxLen }, 0, math.MaxInt64),
		int64Setting("latency-monitor-threshold", "record latency events of at least this many milliseconds (0: off)",
			func(c *Config) *int64 { return &c.LatencyMonitorThreshold }, 0, math.MaxInt64),
		boolSetting("latency-tracking", "keep a latency histogram per command (INFO latencystats, LATENCY HISTOGRAM)",
			func(c *Config) *bool { return &c.LatencyTracking }, true),
		setting{
			name: "latency-tracking-info-percentiles", usage: `percentiles INFO latencystats shows ("50 99 99.9")`, mutable: true, quoted: true,
			get: func(c *Config) string {
				f := make([]string, len(c.LatencyTrackingInfoPercentiles))
				for i, p := range c.LatencyTrackingInfoPercentiles {
					f[i] = strconv.FormatFloat(p, 'f', -1, 64)
				}
				return strings.Join(f, " ")
			},
			set: func(c *Config, v string) error {
				var out []float64
				for _, f := range strings.Fields(v) {
					p, ok := core.ParseFloat([]byte(f))
					if !ok {
						return errors.New("Invalid latency-tracking-info-percentiles parameters")
					}
					if p < 0 || p > 100 {
						return errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
					}
					out = append(out, p)
				}
				c.LatencyTrackingInfoPercentiles = out
				return nil
			},
		},
		protectedAction("enable-debug-command", "allow DEBUG: no, yes, or local (from loopback clients only)", func(c *Config) *string { return &c.EnableDebugCommand }),
		protectedAction("enable-protected-configs", "allow CONFIG SET of dir and dbfilename: no, yes, or local", func(c *Config) *string { return &c.EnableProtectedConfigs }),
		protectedAction("enable-module-command", "allow MODULE (redmod has none; kept for Redis configuration files): no, yes, or local", func(c *Config) *string { return &c.EnableModuleCommand }),
	)
	for _, name := range []string{"dir", "dbfilename"} {
		findSetting(name).protected = true
	}
}

func int64Setting(name, usage string, field func(c *Config) *int64, lo, hi int64) setting {
	return setting{
		name: name, usage: usage, mutable: true,
		get: func(c *Config) string { return strconv.FormatInt(*field(c), 10) },
		set: func(c *Config, v string) error {
			n, ok := core.ParseInt([]byte(v))
			if !ok {
				return errNotInteger
			}
			if n < lo || n > hi {
				return errors.New("argument must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + " inclusive")
			}
			*field(c) = n
			return nil
		},
	}
}

// protectedAction is a setting of Redis's protected_action kind, fixed at
// start.
func protectedAction(name, usage string, field func(c *Config) *string) setting {
	return setting{
		name: name, usage: usage,
		get: func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error {
			switch v = strings.ToLower(v); v {
			case "no", "yes", "local":
				*field(c) = v
				return nil
			}
			return errors.New("argument(s) must be one of the following: no, yes, local")
		},
	}
}
