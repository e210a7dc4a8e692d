// Package lists provides Redis's list type and commands. Import it for its
// side effect of registering them:
//
//	import _ "github.com/redmod/redmod/modules/lists"
package lists

import (
	"math"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the lists module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "lists" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

// Types implements core.TypeProvider.
func (Module) Types() []*core.Type { return []*core.Type{ListType} }

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "list"
	spec.Categories = append([]string{"list"}, spec.Categories...)
	commands = append(commands, core.NewCommand(spec, run))
}

func getList(c *core.Ctx, key []byte) (*List, error) {
	return core.Lookup[*List](c.DB, key)
}

// getListW is getList for commands that change the list: like Redis's
// lookupKeyWrite it counts no keyspace hit or miss.
func getListW(c *core.Ctx, key []byte) (*List, error) {
	return core.LookupWrite[*List](c.DB, key)
}

// clampRange turns Redis start/stop indexes (negative from the end) into an
// inclusive range over n elements; ok is false when the range is empty.
func clampRange(start, stop int64, n int) (from, to int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

// end is a side of a list: LEFT (the head) or RIGHT (the tail).
type end bool

const (
	left  end = true
	right end = false
)

// parseEnd reads LEFT or RIGHT; anything else is a syntax error.
func parseEnd(b []byte) (end, error) {
	switch {
	case core.EqualFold(b, "left"):
		return left, nil
	case core.EqualFold(b, "right"):
		return right, nil
	}
	return left, core.ErrSyntax
}

// push adds v at the given end of l.
func (l *List) push(e end, v []byte) {
	if e == left {
		l.PushFront(v)
	} else {
		l.PushBack(v)
	}
}

// pop removes an element from the given end of l, which must not be empty.
func (l *List) pop(e end) []byte {
	if e == left {
		return l.PopFront()
	}
	return l.PopBack()
}

// popReply replies with the element at e of l, which must not be empty,
// and removes it: the reply copies it, so it needs no copy of its own.
func popReply(c *core.Ctx, l *List, e end) {
	if e == left {
		c.WriteBulk(l.Front())
		l.RemoveFront()
	} else {
		c.WriteBulk(l.Back())
		l.RemoveBack()
	}
}

// dropIfEmpty deletes key when its list has been emptied: Redis never keeps
// an empty list.
func dropIfEmpty(c *core.Ctx, key []byte, l *List) {
	if l.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(core.NotifyGeneric, "del", key)
	}
}

// popEvent and pushEvent name the keyspace events of a pop or push at e.
func popEvent(e end) string {
	if e == left {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(e end) string {
	if e == left {
		return "lpush"
	}
	return "rpush"
}

// listForPush returns the list at key, creating it when missing, for
// commands that add elements.
func listForPush(c *core.Ctx, key []byte) (*List, error) {
	l, err := getListW(c, key)
	if err != nil || l != nil {
		return l, err
	}
	l = &List{}
	c.DB.Set(key, l)
	return l, nil
}

// Settings implements core.Configurable. Redis 7.0 sizes its quicklist
// nodes with list-max-listpack-size and compresses inner nodes with
// list-compress-depth; redmod's lists are ring buffers with neither, so
// both are accepted and reported, for configuration files and tools that
// set them, and change nothing (OBJECT ENCODING is "quicklist" either way,
// as in Redis 7.0).
func (Module) Settings() []core.Setting {
	return []core.Setting{
		{
			Name: "list-max-listpack-size", Default: "-2", Mutable: true, Global: true,
			Aliases:  []string{"list-max-ziplist-size"},
			Usage:    "Redis's quicklist node size (accepted; no effect in redmod)",
			Validate: core.IntRange(math.MinInt32, math.MaxInt32),
		},
		{
			Name: "list-compress-depth", Default: "0", Mutable: true, Global: true,
			Usage:    "Redis's quicklist compression depth (accepted; no effect in redmod)",
			Validate: core.IntRange(0, math.MaxInt32),
		},
	}
}
