package core

// TrackingOptions are the options of CLIENT TRACKING.
type TrackingOptions struct {
	// On turns tracking on; off ignores the other options.
	On bool
	// Redirect is the ID of the client that receives the invalidations
	// (0: the client itself, in RESP3).
	Redirect int64
	// BCAST tracks every key with one of Prefixes (all keys without one)
	// instead of the keys the client read.
	BCAST bool
	// OptIn tracks only the keys of commands after CLIENT CACHING YES;
	// OptOut all but those after CLIENT CACHING NO.
	OptIn, OptOut bool
	// NoLoop skips invalidations of the client's own writes.
	NoLoop   bool
	Prefixes [][]byte
}

// TrackingState is a client's client-side caching state, as CLIENT
// TRACKINGINFO and CLIENT LIST report it.
type TrackingState struct {
	On, BCAST, OptIn, OptOut, NoLoop bool
	// CachingYes and CachingNo are a pending CLIENT CACHING.
	CachingYes, CachingNo bool
	// BrokenRedirect is set when the redirection client went away.
	BrokenRedirect bool
	// Redirect is the redirection client ID (0: none; -1: tracking off).
	Redirect int64
	Prefixes []string
}

// Tracker is the host's client-side caching, behind CLIENT TRACKING,
// CACHING, GETREDIR and TRACKINGINFO. Invalidation needs no module code:
// the host invalidates every key a command modifies (Ctx.Notify, or the
// command's keys), expires or evicts.
type Tracker interface {
	// SetTracking applies CLIENT TRACKING; the error is the reply.
	SetTracking(c *Client, o TrackingOptions) error
	// SetCaching applies CLIENT CACHING YES|NO.
	SetCaching(c *Client, yes bool) error
	// TrackingState returns the client's state.
	TrackingState(c *Client) TrackingState
}

// Monitorer is the host's MONITOR: the client receives every command the
// server runs from then on.
type Monitorer interface {
	Monitor(c *Client)
}

// Tracking returns the client's tracking state (Redirect -1 when off); the
// host keeps it current.
func (c *Client) Tracking() TrackingState {
	if p := c.trk.Load(); p != nil {
		return *p
	}
	return TrackingState{Redirect: -1}
}

// SetTracking records the client's tracking state; the host calls it.
func (c *Client) SetTracking(s *TrackingState) { c.trk.Store(s) }
