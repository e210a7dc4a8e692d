// Package pubsub provides Redis's publish/subscribe commands: SUBSCRIBE,
// PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBE forms, PUBLISH, SPUBLISH and
// PUBSUB. Messages travel through the host's router (core.PubSub) and reach
// subscribers as pushes (core.Client.Push). Import it for its side effect of
// registering the commands:
//
//	import _ "github.com/redmod/redmod/modules/pubsub"
package pubsub

import (
	"slices"
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/internal/redisdocs"
	"github.com/redmod/redmod/registry"
)

// Module is the pubsub module; it registers itself from init.
type Module struct{}

func init() { registry.Register(Module{}) }

// Name implements core.Module.
func (Module) Name() string { return "pubsub" }

// Commands implements core.Module.
func (Module) Commands() []core.Command { return redisdocs.Document(commands) }

var commands []core.Command

func add(spec core.Spec, run func(*core.Ctx) error) {
	spec.Group = "pubsub"
	spec.Flags |= core.FlagPubSub | core.FlagLoading | core.FlagStale
	commands = append(commands, core.NewCommand(spec, run))
}

// shardKeySpec is how Redis 7.0 describes shard channels: key positions
// that are not keys (for cluster slot routing only).
func shardKeySpec(last int) []core.KeySpec {
	return []core.KeySpec{{Flags: []string{"not_key"}, BeginIndex: 1, LastKey: last, KeyStep: 1}}
}

func init() {
	add(core.Spec{Name: "subscribe", Arity: -2, Flags: core.FlagNoScript | core.FlagMultiReply,
		Summary: "Listen for messages published to the given channels",
		Syntax:  "channel [channel ...]", Channels: &core.ChannelSpec{First: 1, Last: -1},
	}, subscribe(core.SubChannel))
	add(core.Spec{Name: "unsubscribe", Arity: -1, Flags: core.FlagNoScript | core.FlagMultiReply,
		Summary: "Stop listening for messages posted to the given channels",
		Syntax:  "[channel [channel ...]]",
	}, unsubscribe(core.SubChannel))
	add(core.Spec{Name: "psubscribe", Arity: -2, Flags: core.FlagNoScript | core.FlagMultiReply,
		Summary:  "Listen for messages published to channels matching the given patterns",
		Syntax:   "pattern [pattern ...]",
		Channels: &core.ChannelSpec{First: 1, Last: -1, Pattern: true},
	}, subscribe(core.SubPattern))
	add(core.Spec{Name: "punsubscribe", Arity: -1, Flags: core.FlagNoScript | core.FlagMultiReply,
		Summary: "Stop listening for messages posted to channels matching the given patterns",
		Syntax:  "[pattern [pattern ...]]",
	}, unsubscribe(core.SubPattern))
	add(core.Spec{Name: "publish", Arity: 3, Flags: core.FlagFast | core.FlagMayReplicate,
		Summary:  "Post a message to a channel",
		Syntax:   "channel message",
		Channels: &core.ChannelSpec{First: 1, Last: 1},
	}, func(c *core.Ctx) error {
		// A subscriber gets its own message in line with its replies,
		// after those before (in a transaction, say): PublishFrom.
		c.WriteInt(int64(c.PubSub.PublishFrom(c.CausedBy(), c.Args[1], c.Args[2])))
		// As Redis: replicas publish it to their own subscribers; the
		// append-only file has no use for it.
		c.PropagateTo(core.ToReplicas, c.Args...)
		return nil
	})
	add(core.Spec{Name: "ssubscribe", Arity: -2, Flags: core.FlagNoScript | core.FlagMultiReply,
		FirstKey: 1, LastKey: -1, Step: 1, KeySpecs: shardKeySpec(-1),
		Summary:  "Listen for messages published to the given shard channels",
		Syntax:   "shardchannel [shardchannel ...]",
		Channels: &core.ChannelSpec{First: 1, Last: -1},
	}, subscribe(core.SubShard))
	add(core.Spec{Name: "sunsubscribe", Arity: -1, Flags: core.FlagNoScript | core.FlagMultiReply,
		FirstKey: 1, LastKey: -1, Step: 1, KeySpecs: shardKeySpec(-1),
		Summary: "Stop listening for messages posted to the given shard channels",
		Syntax:  "[shardchannel [shardchannel ...]]",
	}, unsubscribe(core.SubShard))
	add(core.Spec{Name: "spublish", Arity: 3, Flags: core.FlagFast | core.FlagMayReplicate,
		FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: shardKeySpec(0),
		Summary:  "Post a message to a shard channel",
		Syntax:   "shardchannel message",
		Channels: &core.ChannelSpec{First: 1, Last: 1},
	}, func(c *core.Ctx) error {
		c.WriteInt(int64(c.PubSub.PublishShardFrom(c.CausedBy(), c.Args[1], c.Args[2])))
		c.PropagateTo(core.ToReplicas, c.Args...)
		return nil
	})

	sub := func(spec core.Spec, run func(*core.Ctx) error) core.Command {
		spec.Group = "pubsub"
		if spec.Name != "help" {
			spec.Flags |= core.FlagPubSub
		}
		spec.Flags |= core.FlagLoading | core.FlagStale
		return core.NewCommand(spec, run)
	}
	commands = append(commands, core.NewCommand(core.Spec{
		Name: "pubsub", Arity: -2, Group: "pubsub",
		Summary: "A container for Pub/Sub commands",
		Subcommands: []core.Command{
			sub(core.Spec{Name: "channels", Arity: -2, Summary: "List active channels",
				Syntax: "[pattern]"},
				listChannels(false)),
			sub(core.Spec{Name: "numsub", Arity: -2, Summary: "Get the count of subscribers for channels",
				Syntax: "[channel [channel ...]]"},
				numSub(false)),
			sub(core.Spec{Name: "numpat", Arity: 2, Summary: "Get the count of unique patterns pattern subscriptions"},
				func(c *core.Ctx) error {
					_, n, _ := c.PubSub.Counts()
					c.WriteInt(int64(n))
					return nil
				}),
			sub(core.Spec{Name: "shardchannels", Arity: -2, Summary: "List active shard channels",
				Syntax: "[pattern]"},
				listChannels(true)),
			sub(core.Spec{Name: "shardnumsub", Arity: -2, Summary: "Get the count of subscribers for shard channels",
				Syntax: "[shardchannel [shardchannel ...]]"},
				numSub(true)),
			sub(core.Spec{Name: "help", Arity: 2, Summary: "Show helpful text about the different subcommands"},
				help),
		},
	}, nil))
}

// subscribe answers SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE: one confirmation
// per name, pushed by the router as it subscribes so that no message can
// overtake it.
func subscribe(kind core.SubKind) func(*core.Ctx) error {
	return func(c *core.Ctx) error {
		// A client that must get one reply per command (in a transaction,
		// a script) cannot subscribe; Redis 7.0 still lets SUBSCRIBE and
		// PSUBSCRIBE run in a transaction, for compatibility, but not
		// SSUBSCRIBE.
		if c.BlockingDenied() && (kind == core.SubShard || !c.Client.InMulti()) {
			return core.NewError("ERR " + strings.ToUpper(subscribeNames[kind]) + " isn't allowed for a DENY BLOCKING client")
		}
		c.StartPush()
		c.PubSub.Subscribe(c.Client, kind, c.Args[1:])
		return nil
	}
}

var subscribeNames = [3]string{"subscribe", "psubscribe", "ssubscribe"}

func unsubscribe(kind core.SubKind) func(*core.Ctx) error {
	return func(c *core.Ctx) error {
		c.StartPush()
		c.PubSub.Unsubscribe(c.Client, kind, c.Args[1:])
		return nil
	}
}

func listChannels(shard bool) func(*core.Ctx) error {
	return func(c *core.Ctx) error {
		if len(c.Args) > 3 {
			return core.NewError("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try PUBSUB HELP.")
		}
		var pattern []byte
		if len(c.Args) == 3 {
			pattern = c.Args[2]
		}
		names := c.PubSub.Channels(shard, pattern)
		// Redis lists them in its hash table's order, which is arbitrary;
		// sorted is as good and deterministic.
		slices.Sort(names)
		c.WriteStrings(names)
		return nil
	}
}

func numSub(shard bool) func(*core.Ctx) error {
	return func(c *core.Ctx) error {
		// A flat array in RESP3 too, as Redis 7.0 sends it.
		c.WriteArray(2 * (len(c.Args) - 2))
		for _, ch := range c.Args[2:] {
			c.WriteBulk(ch)
			c.WriteInt(int64(c.PubSub.NumSub(shard, ch)))
		}
		return nil
	}
}

var helpLines = []string{
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
}

func help(c *core.Ctx) error {
	c.WriteArray(len(helpLines) + 3)
	c.WriteSimple("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range helpLines {
		c.WriteSimple(l)
	}
	c.WriteSimple("HELP")
	c.WriteSimple("    Prints this help.")
	return nil
}
