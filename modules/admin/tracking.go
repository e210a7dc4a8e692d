package admin

import (
	"github.com/redmod/redmod/core"
)

// clientTracking parses CLIENT TRACKING as Redis does (options first,
// then their compatibility, which the host's core.Tracker checks).
func clientTracking(c *core.Ctx) error {
	t, ok := c.Server.(core.Tracker)
	if !ok {
		return core.NewError("ERR client-side caching is not available")
	}
	var o core.TrackingOptions
	switch {
	case core.EqualFold(c.Args[2], "on"):
		o.On = true
	case core.EqualFold(c.Args[2], "off"):
	default:
		return core.ErrSyntax
	}
	for j := 3; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch a := c.Args[j]; {
		case core.EqualFold(a, "redirect") && more > 0:
			j++
			if o.Redirect != 0 {
				return core.NewError("ERR A client can only redirect to a single other client")
			}
			id, ok := core.ParseInt(c.Args[j])
			if !ok {
				return core.ErrNotInteger
			}
			if !clientExists(c, id) {
				return core.NewError("ERR The client ID you want redirect to does not exist")
			}
			o.Redirect = id
		case core.EqualFold(a, "bcast"):
			o.BCAST = true
		case core.EqualFold(a, "optin"):
			o.OptIn = true
		case core.EqualFold(a, "optout"):
			o.OptOut = true
		case core.EqualFold(a, "noloop"):
			o.NoLoop = true
		case core.EqualFold(a, "prefix") && more > 0:
			j++
			o.Prefixes = append(o.Prefixes, c.Args[j])
		default:
			return core.ErrSyntax
		}
	}
	if err := t.SetTracking(c.Client, o); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

func clientExists(c *core.Ctx, id int64) bool {
	for _, cl := range c.Server.Clients() {
		if cl.ID == id {
			return true
		}
	}
	return false
}

func clientCaching(c *core.Ctx) error {
	t, ok := c.Server.(core.Tracker)
	if !ok {
		return core.NewError("ERR client-side caching is not available")
	}
	var yes bool
	switch {
	case core.EqualFold(c.Args[2], "yes"):
		yes = true
	case core.EqualFold(c.Args[2], "no"):
	default:
		return core.ErrSyntax
	}
	if err := t.SetCaching(c.Client, yes); err != nil {
		return err
	}
	c.WriteOK()
	return nil
}

// clientTrackingInfo is CLIENT TRACKINGINFO: flags, redirect, prefixes.
func clientTrackingInfo(c *core.Ctx) error {
	st := c.Client.Tracking()
	var flags []string
	if !st.On {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		for _, f := range []struct {
			on   bool
			name string
		}{{st.BCAST, "bcast"}, {st.OptIn, "optin"}, {st.OptOut, "optout"}, {st.CachingYes, "caching-yes"},
			{st.CachingNo, "caching-no"}, {st.NoLoop, "noloop"}, {st.BrokenRedirect, "broken_redirect"}} {
			if f.on {
				flags = append(flags, f.name)
			}
		}
	}
	c.WriteMap(3)
	c.WriteBulkString("flags")
	c.WriteSet(len(flags))
	for _, f := range flags {
		c.WriteBulkString(f)
	}
	c.WriteBulkString("redirect")
	c.WriteInt(st.Redirect)
	c.WriteBulkString("prefixes")
	c.WriteStrings(st.Prefixes)
	return nil
}
