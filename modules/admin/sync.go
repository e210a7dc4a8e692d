package admin

import (
	"strconv"

	"github.com/redmod/redmod/core"
)

// SYNC sends the data set as an RDB file the way a Redis master starts a
// full synchronisation ("$<length>\r\n" and the file's bytes, with no
// trailing CRLF), then closes the connection: redmod has no replication,
// so no command stream follows. That is what `redis-cli --rdb` needs (it
// asks for the file alone with REPLCONF rdb-only 1). REPLCONF accepts its
// options and answers OK, as a master does.
func init() {
	add(core.Spec{
		Name: "sync", Arity: 1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagNoAsyncLoading | core.FlagNoMulti,
		Group: "server", Summary: "Internal command used for replication", Since: "1.0.0",
	}, func(c *core.Ctx) error {
		data, err := c.Server.Snapshot()
		if err != nil {
			return core.NewError("ERR " + err.Error())
		}
		c.WriteRaw(append(append(strconv.AppendInt([]byte{'$'}, int64(len(data)), 10), '\r', '\n'), data...))
		c.Client.RequestClose()
		return nil
	})
	add(core.Spec{
		Name: "replconf", Arity: -1, Flags: core.FlagAdmin | core.FlagNoScript | core.FlagLoading | core.FlagStale | core.FlagAllowBusy,
		Group: "server", Summary: "An internal command for configuring the replication stream", Since: "3.0.0", Complexity: "O(1)",
	}, func(c *core.Ctx) error {
		if len(c.Args)%2 == 0 {
			return core.ErrSyntax
		}
		c.WriteOK()
		return nil
	})
}
