package admin

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// SYNC starts a full synchronisation as a Redis master serves one: the
// data set as an RDB file ("$<length>\r\n" and the file's bytes, with no
// trailing CRLF), then every change after the image's point in time as
// commands (the effects stream), until the client goes away. `redis-cli
// --rdb` asks for the file alone (REPLCONF rdb-only 1), and the connection
// closes after it; `redis-cli --replica` and Redis's
// own test helpers read the commands. REPLCONF accepts its options and
// answers OK, as a master does.
func init() {
	add(core.Spec{
		Name: "sync", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading | core.FlagNoMulti | core.FlagMultiReply,
		Group: "server", Summary: "Internal command used for replication",
	}, func(c *core.Ctx) error {
		if c.Client.RDBOnly() {
			return syncImage(c)
		}
		return c.Server.FullSync(c)
	})
	add(core.Spec{
		Name: "replconf", Arity: -1, Flags: core.FlagMultiReply | core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagAllowBusy,
		Group: "server", Summary: "An internal command for configuring the replication stream",
	}, func(c *core.Ctx) error {
		if len(c.Args)%2 == 0 {
			return core.ErrSyntax
		}
		if r, ok := c.Server.(core.Replication); ok {
			return r.ReplConf(c)
		}
		for i := 1; i+1 < len(c.Args); i += 2 {
			if core.EqualFold(c.Args[i], "rdb-only") {
				c.Client.SetRDBOnly(string(c.Args[i+1]) == "1")
			}
		}
		c.WriteOK()
		return nil
	})
}

// syncImage answers SYNC or PSYNC after REPLCONF rdb-only 1: the image
// alone, then the connection closes.
func syncImage(c *core.Ctx) error {
	data, err := c.Server.Snapshot()
	if err != nil {
		return core.NewError("ERR " + err.Error())
	}
	c.WriteRaw(append(append(strconv.AppendInt([]byte{'$'}, int64(len(data)), 10), '\r', '\n'), data...))
	c.Client.RequestClose()
	return nil
}
