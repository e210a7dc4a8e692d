// Package ratelimit is a redmod module that adds a rate limiter data type,
// built outside the redmod tree as any user's module would be. A key holds a
// token bucket; RL.TAKE takes tokens from it and says whether the request is
// allowed, how many tokens remain and how long to wait otherwise.
//
//	RL.SETUP key capacity rate period-ms [TAT us]   create or reconfigure a bucket
//	RL.TAKE key [count]                    take tokens (default 1)
//	RL.PEEK key                            what RL.TAKE key would answer, without taking
//	RL.RESET key                           refill a bucket
//	RL.INFO key                            the bucket's parameters and tokens
//
// Import it for its side effect of registering the module:
//
//	import _ "example.com/ratelimit"
package ratelimit

import (
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// Module is the ratelimit module. Its state is shared by every server of
// the process that serves it (normally one).
type Module struct {
	cfg core.ConfigReader
	log hclog.Logger

	allowed, denied atomic.Int64 // INFO ratelimit
}

// The registered module; commands reach its configuration through it.
var mod = &Module{}

func init() { registry.Register(mod) }

// Name implements core.Module.
func (*Module) Name() string { return "ratelimit" }

// Commands implements core.Module.
func (*Module) Commands() []core.Command { return commands }

// Types implements core.TypeProvider.
func (*Module) Types() []*core.Type { return []*core.Type{BucketType} }

func positive(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
		return errors.New("argument must be a positive integer")
	}
	return nil
}

// Settings implements core.Configurable: the parameters of buckets RL.TAKE
// creates for keys that do not exist, changeable with CONFIG SET.
func (*Module) Settings() []core.Setting {
	return []core.Setting{
		{Name: "capacity", Default: "10", Mutable: true, Validate: positive, Usage: "tokens of a bucket RL.TAKE creates"},
		{Name: "rate", Default: "10", Mutable: true, Validate: positive, Usage: "tokens such a bucket regains per period"},
		{Name: "period", Default: "1000", Mutable: true, Validate: positive, Usage: "the refill period in milliseconds"},
	}
}

// Provision implements core.Provisioner.
func (m *Module) Provision(mc *core.ModuleContext) error {
	m.cfg, m.log = mc.Config, mc.Logger
	return nil
}

// Validate implements core.Validator: the three settings must make a valid
// bucket together, which no single setting's check can tell.
func (m *Module) Validate() error {
	_, err := m.defaultBucket()
	return err
}

// defaultBucket returns a full bucket with the configured parameters.
func (m *Module) defaultBucket() (*Bucket, error) {
	var p [3]int64
	for i, name := range []string{"capacity", "rate", "period"} {
		v, _ := m.cfg.Get(name)
		p[i], _ = strconv.ParseInt(v, 10, 64)
	}
	b, err := NewBucket(p[0], p[1], p[2])
	if err != nil {
		return nil, errors.New("ratelimit.capacity, rate and period: " + core.ErrorText(err))
	}
	return b, nil
}

// InfoSections implements core.InfoProvider.
func (*Module) InfoSections() []string { return []string{"ratelimit"} }

// Info implements core.InfoProvider: INFO ratelimit counts decisions.
func (m *Module) Info(section string) []core.InfoField {
	if section != "ratelimit" {
		return nil
	}
	return []core.InfoField{
		{Name: "ratelimit_allowed", Value: strconv.FormatInt(m.allowed.Load(), 10)},
		{Name: "ratelimit_denied", Value: strconv.FormatInt(m.denied.Load(), 10)},
	}
}
