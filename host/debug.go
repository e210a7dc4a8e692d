package host

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/redmod/redmod/core"
)

var _ core.Diagnostics = (*Server)(nil)

// SetActiveExpire implements core.Diagnostics (DEBUG SET-ACTIVE-EXPIRE).
func (s *Server) SetActiveExpire(on bool) { s.diag.noActiveExpire.Store(!on) }

// PauseCron implements core.Diagnostics (DEBUG PAUSE-CRON).
func (s *Server) PauseCron(on bool) { s.diag.cronPaused.Store(on) }

// SetReplyBufferPeakReset implements core.Diagnostics (DEBUG REPLYBUFFER
// PEAK-RESET-TIME).
func (s *Server) SetReplyBufferPeakReset(d time.Duration) {
	if d < 0 {
		d = -1
	}
	s.replyBuf.peakReset.Store(int64(d))
}

// SetReplyBufferResizing implements core.Diagnostics (DEBUG REPLYBUFFER
// RESIZING).
func (s *Server) SetReplyBufferResizing(on bool) { s.replyBuf.noResizing.Store(!on) }

// SetScriptDenyDisabled implements core.Diagnostics (DEBUG
// SET-DISABLE-DENY-SCRIPTS).
func (s *Server) SetScriptDenyDisabled(on bool) { s.diag.noScriptDeny.Store(on) }

// ScriptDenyDisabled implements core.Diagnostics.
func (s *Server) ScriptDenyDisabled() bool { return s.diag.noScriptDeny.Load() }

// Reload implements core.Diagnostics (DEBUG RELOAD): the dataset goes
// through a snapshot image and back, as a restart would take it. With
// persistence on, save writes the snapshot file first and the file is what
// is loaded; with persistence off the image stays in memory.
func (s *Server) Reload(save, flush, merge bool) error {
	var data []byte
	var err error
	switch {
	case s.persistenceOn() && save:
		if err = s.Save(); err != nil {
			return err
		}
		data, err = os.ReadFile(s.snapshotPath())
	case s.persistenceOn():
		data, err = os.ReadFile(s.snapshotPath())
	case save:
		data, err = s.Snapshot()
	default:
		return errors.New("ERR Error trying to load the RDB dump, check server logs.")
	}
	if err != nil {
		s.log.Error("DEBUG RELOAD: cannot read the snapshot", "error", err)
		return errors.New("ERR Error trying to load the RDB dump, check server logs.")
	}
	start := time.Now()
	err = s.ks.Update(func(ks *core.Keyspace) error {
		if flush {
			for i := 0; i < ks.NumDBs(); i++ {
				ks.DB(i).Flush()
			}
		}
		// Loaded over live data without MERGE, a function library that
		// is already there is an error, as in Redis.
		_, _, err := s.loadImage(ks, data, !flush && !merge)
		return err
	})
	if err != nil {
		// As Redis, which cannot go on with half a dataset either.
		s.log.Error("DEBUG RELOAD: loading the snapshot failed", "error", err)
		return errors.New("ERR Error trying to load the RDB dump, check server logs.")
	}
	s.log.Info("DB reloaded by DEBUG RELOAD", "duration", time.Since(start).Round(time.Microsecond))
	return nil
}

// Digest implements core.Diagnostics (DEBUG DIGEST): the XOR of one digest
// per key (its database, name, type, value and expiry), so that the order
// keys are stored in does not matter; zero for an empty dataset.
func (s *Server) Digest() [20]byte {
	var out [20]byte
	s.ks.View(func(ks *core.Keyspace) error {
		for i := 0; i < ks.NumDBs(); i++ {
			ks.DB(i).Range(func(key string, v core.Value, expireAt int64) bool {
				h := sha1.New()
				var n [8]byte
				binary.BigEndian.PutUint64(n[:], uint64(i))
				h.Write(n[:])
				h.Write([]byte(key))
				vd := valueDigest(v)
				h.Write(vd[:])
				if expireAt != 0 {
					binary.BigEndian.PutUint64(n[:], uint64(expireAt))
					h.Write([]byte("!!expire!!"))
					h.Write(n[:])
				}
				xorInto(&out, h.Sum(nil))
				return true
			})
		}
		return nil
	})
	return out
}

// DigestValue implements core.Diagnostics (DEBUG DIGEST-VALUE).
func (s *Server) DigestValue(db *core.DB, key []byte) [20]byte {
	var out [20]byte
	s.ks.View(func(*core.Keyspace) error {
		if v := db.Peek(key); v != nil {
			out = valueDigest(v)
		}
		return nil
	})
	return out
}

// valueDigest digests a value from its content, not its encoding: the same
// elements give the same digest whatever the order a set or hash keeps them
// in, or how it is encoded.
func valueDigest(v core.Value) [20]byte {
	var out [20]byte
	h := sha1.New()
	h.Write([]byte(v.Type().Name))
	h.Write([]byte{0})
	nv, native := v.(core.NativeValue)
	switch {
	case v.Type() == core.StringType:
		h.Write(v.(*core.String).B)
	case native:
		content := nv.NativeContent()
		var unordered [20]byte
		elem := func(parts ...[]byte) {
			e := sha1.New()
			for _, p := range parts {
				var n [8]byte
				binary.BigEndian.PutUint64(n[:], uint64(len(p)))
				e.Write(n[:])
				e.Write(p)
			}
			xorInto(&unordered, e.Sum(nil))
		}
		ordered := func(parts ...[]byte) {
			for _, p := range parts {
				var n [8]byte
				binary.BigEndian.PutUint64(n[:], uint64(len(p)))
				h.Write(n[:])
				h.Write(p)
			}
		}
		switch content.Kind {
		case core.NativeList:
			for e := range content.Elements {
				ordered(e)
			}
		case core.NativeSet:
			for e := range content.Elements {
				elem(e)
			}
		case core.NativeHash:
			for f, val := range content.Pairs {
				elem(f, val)
			}
		case core.NativeZSet:
			for m, score := range content.Scored {
				elem(m, []byte(strconv.FormatUint(math.Float64bits(score), 16)))
			}
		case core.NativeStream:
			st := content.Stream
			id := func(x core.StreamID) []byte { return []byte(fmt.Sprintf("%d-%d", x.Ms, x.Seq)) }
			ordered(id(st.LastID), id(st.MaxDeletedID), []byte(strconv.FormatUint(st.EntriesAdded, 10)))
			for eid, fields := range st.Entries {
				ordered(id(eid))
				ordered(fields...)
			}
			for _, g := range st.Groups {
				ordered(g.Name, id(g.LastID))
				for _, p := range g.Pending {
					ordered(id(p.ID), p.Consumer)
				}
				for _, c := range g.Consumers {
					ordered(c.Name)
				}
			}
		}
		h.Write(unordered[:])
	default:
		h.Write(v.AppendSnapshot(nil))
	}
	copy(out[:], h.Sum(nil))
	return out
}

func xorInto(dst *[20]byte, b []byte) {
	for i := range dst {
		dst[i] ^= b[i]
	}
}
