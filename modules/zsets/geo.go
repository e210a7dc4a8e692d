package zsets

import (
	"sort"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
)

func init() {
	add("geoadd", geoadd)
	add("geopos", geopos)
	add("geodist", geodist)
	add("geohash", geohash)
	add("georadius", func(c *core.Ctx) error { return geoSearch(c, 1, geoByCoords) })
	add("georadius_ro", func(c *core.Ctx) error { return geoSearch(c, 1, geoByCoords|geoNoStore) })
	add("georadiusbymember", func(c *core.Ctx) error { return geoSearch(c, 1, geoByMember) })
	add("georadiusbymember_ro", func(c *core.Ctx) error { return geoSearch(c, 1, geoByMember|geoNoStore) })
	add("geosearch", func(c *core.Ctx) error { return geoSearch(c, 1, geoSearchFlag) })
	add("geosearchstore", func(c *core.Ctx) error { return geoSearch(c, 2, geoSearchFlag|geoSearchStore) })
}

var (
	errUnit         = core.NewError("ERR unsupported unit provided. please use M, KM, FT, MI")
	errRadiusNum    = core.NewError("ERR need numeric radius")
	errRadiusNeg    = core.NewError("ERR radius cannot be negative")
	errWidthNum     = core.NewError("ERR need numeric width")
	errHeightNum    = core.NewError("ERR need numeric height")
	errBoxNeg       = core.NewError("ERR height or width cannot be negative")
	errMemberDecode = core.NewError("ERR could not decode requested zset member")
	errGeoCount     = core.NewError("ERR COUNT must be > 0")
	errAnyCount     = core.NewError("ERR the ANY argument requires COUNT argument")
)

// parseLongLat reads a longitude and a latitude, within Redis's limits.
func parseLongLat(lonArg, latArg []byte) (float64, float64, error) {
	lon, err := parseScore(lonArg)
	if err != nil {
		return 0, 0, err
	}
	lat, err := parseScore(latArg)
	if err != nil {
		return 0, 0, err
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		return 0, 0, core.NewError("ERR invalid longitude,latitude pair " +
			strconv.FormatFloat(lon, 'f', 6, 64) + "," + strconv.FormatFloat(lat, 'f', 6, 64))
	}
	return lon, lat, nil
}

// parseUnit returns the meters in one unit.
func parseUnit(b []byte) (float64, error) {
	switch strings.ToLower(string(b)) {
	case "m":
		return 1, nil
	case "km":
		return 1000, nil
	case "ft":
		return 0.3048, nil
	case "mi":
		return 1609.34, nil
	}
	return 0, errUnit
}

func geoadd(c *core.Ctx) error {
	var f zaddFlags
	i := 2
loop:
	for ; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case core.EqualFold(a, "nx"):
			f.nx = true
		case core.EqualFold(a, "xx"):
			f.xx = true
		case core.EqualFold(a, "ch"):
			f.ch = true
		default:
			break loop
		}
	}
	rest := c.Args[i:]
	f.geo, f.geoOpts = true, i-2
	if len(rest)%3 != 0 || (f.nx && f.xx) {
		return core.ErrSyntax
	}
	if len(rest) == 0 {
		return core.ErrSyntax
	}
	n := len(rest) / 3
	pairs := make([][]byte, 0, 2*n)
	scores := make([]float64, 0, n)
	maxLen := 0
	for j := 0; j < n; j++ {
		lon, lat, err := parseLongLat(rest[3*j], rest[3*j+1])
		if err != nil {
			return err
		}
		s := geoScore(lon, lat)
		m := rest[3*j+2]
		pairs = append(pairs, nil, m)
		scores = append(scores, s)
		maxLen = max(maxLen, len(m))
	}
	return zaddApply(c, f, pairs, scores, maxLen)
}

// writeCoord writes a coordinate as Redis does: %.17Lf without trailing
// zeros, as a bulk string in RESP2 and a double in RESP3.
func writeCoord(c *core.Ctx, v float64) {
	b := strconv.AppendFloat(nil, v, 'f', 17, 64)
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b) == "-0" {
		b = []byte("0")
	}
	if c.Protocol() != 2 {
		c.WriteRaw(append(append([]byte{','}, b...), '\r', '\n'))
		return
	}
	c.WriteBulk(b)
}

// writeDistance writes a distance with four decimals, as a bulk string in
// both protocols.
func writeDistance(c *core.Ctx, d float64) {
	c.WriteBulk(strconv.AppendFloat(nil, d, 'f', 4, 64))
}

func geopos(c *core.Ctx) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	ms := c.Args[2:]
	c.WriteArray(len(ms))
	for _, m := range ms {
		var s float64
		ok := false
		if z != nil {
			s, ok = z.Score(m)
		}
		var lon, lat float64
		if ok {
			lon, lat, ok = decodeScore(s)
		}
		if !ok {
			c.WriteNullArray()
			continue
		}
		c.WriteArray(2)
		writeCoord(c, lon)
		writeCoord(c, lat)
	}
	return nil
}

func geodist(c *core.Ctx) error {
	toMeter := 1.0
	if len(c.Args) == 5 {
		u, err := parseUnit(c.Args[4])
		if err != nil {
			return err
		}
		toMeter = u
	} else if len(c.Args) > 5 {
		return core.ErrSyntax
	}
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	if z == nil {
		c.WriteNull()
		return nil
	}
	s1, ok1 := z.Score(c.Args[2])
	s2, ok2 := z.Score(c.Args[3])
	if !ok1 || !ok2 {
		c.WriteNull()
		return nil
	}
	lon1, lat1, ok1 := decodeScore(s1)
	lon2, lat2, ok2 := decodeScore(s2)
	if !ok1 || !ok2 {
		c.WriteNull()
		return nil
	}
	writeDistance(c, geoDistance(lon1, lat1, lon2, lat2)/toMeter)
	return nil
}

const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

func geohash(c *core.Ctx) error {
	z, err := getZSet(c, c.Args[1])
	if err != nil {
		return err
	}
	ms := c.Args[2:]
	c.WriteArray(len(ms))
	for _, m := range ms {
		var s float64
		ok := false
		if z != nil {
			s, ok = z.Score(m)
		}
		var lon, lat float64
		if ok {
			lon, lat, ok = decodeScore(s)
		}
		if !ok {
			c.WriteNull()
			continue
		}
		// Redis's scores use latitudes within ±85.05°; the standard
		// geohash string is computed again over ±90°.
		h, _ := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, lon, lat, geoStepMax)
		var buf [11]byte
		for i := 0; i < 11; i++ {
			idx := 0
			if i < 10 {
				idx = int(h.bits>>(52-uint((i+1)*5))) & 0x1f
			}
			buf[i] = geoAlphabet[idx]
		}
		c.WriteBulk(buf[:])
	}
	return nil
}

// Kinds of search, as Redis's flags.
const (
	geoByCoords = 1 << iota
	geoByMember
	geoSearchFlag
	geoSearchStore
	geoNoStore
)

type geoPoint struct {
	member    []byte
	score     float64
	dist      float64
	long, lat float64
}

// geoSearch is GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH
// and GEOSEARCHSTORE, with Redis's order of checks.
func geoSearch(c *core.Ctx, srcIdx int, flags int) error {
	args := c.Args
	z, err := getZSet(c, args[srcIdx])
	if err != nil {
		return err
	}
	var sh shape
	var storeKey []byte
	storeDist := false
	var base int
	parseDistance := func(num, unit []byte) error {
		r, ok := parseStrictFloat(num)
		if !ok {
			return errRadiusNum
		}
		if r < 0 {
			return errRadiusNeg
		}
		conv, err := parseUnit(unit)
		if err != nil {
			return err
		}
		sh.radius, sh.conversion = r, conv
		return nil
	}
	switch {
	case flags&geoByCoords != 0:
		base = 6
		lon, lat, err := parseLongLat(args[2], args[3])
		if err != nil {
			return err
		}
		sh.long, sh.lat = lon, lat
		if err := parseDistance(args[4], args[5]); err != nil {
			return err
		}
	case flags&geoByMember != 0 && z == nil:
		base = 5
	case flags&geoByMember != 0:
		base = 5
		lon, lat, ok := memberPoint(z, args[2])
		if !ok {
			return errMemberDecode
		}
		sh.long, sh.lat = lon, lat
		if err := parseDistance(args[3], args[4]); err != nil {
			return err
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = args[1]
		}
	}
	withDist, withHash, withCoord, any := false, false, false, false
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	sortDir := 0 // 1 ascending, 2 descending
	count := int64(0)
	search := flags&geoSearchFlag != 0
	storeAllowed := flags&geoNoStore == 0 && !search
	for i := base; i < len(args); i++ {
		a := args[i]
		left := len(args) - i - 1
		switch {
		case core.EqualFold(a, "withdist"):
			withDist = true
		case core.EqualFold(a, "withhash"):
			withHash = true
		case core.EqualFold(a, "withcoord"):
			withCoord = true
		case core.EqualFold(a, "any"):
			any = true
		case core.EqualFold(a, "asc"):
			sortDir = 1
		case core.EqualFold(a, "desc"):
			sortDir = 2
		case core.EqualFold(a, "count") && left >= 1:
			n, ok := core.ParseInt(args[i+1])
			if !ok {
				return core.ErrNotInteger
			}
			if n <= 0 {
				return errGeoCount
			}
			count = n
			i++
		case core.EqualFold(a, "store") && left >= 1 && storeAllowed:
			storeKey, storeDist = args[i+1], false
			i++
		case core.EqualFold(a, "storedist") && left >= 1 && storeAllowed:
			storeKey, storeDist = args[i+1], true
			i++
		case core.EqualFold(a, "storedist") && search && flags&geoSearchStore != 0:
			storeDist = true
		case core.EqualFold(a, "frommember") && left >= 1 && search && !fromLoc:
			if z != nil {
				lon, lat, ok := memberPoint(z, args[i+1])
				if !ok {
					return errMemberDecode
				}
				sh.long, sh.lat = lon, lat
			}
			fromMember = true
			i++
		case core.EqualFold(a, "fromlonlat") && left >= 2 && search && !fromMember:
			lon, lat, err := parseLongLat(args[i+1], args[i+2])
			if err != nil {
				return err
			}
			sh.long, sh.lat = lon, lat
			fromLoc = true
			i += 2
		case core.EqualFold(a, "byradius") && left >= 2 && search && !byBox:
			if err := parseDistance(args[i+1], args[i+2]); err != nil {
				return err
			}
			sh.box = false
			byRadius = true
			i += 2
		case core.EqualFold(a, "bybox") && left >= 3 && search && !byRadius:
			w, ok := parseStrictFloat(args[i+1])
			if !ok {
				return errWidthNum
			}
			h, ok := parseStrictFloat(args[i+2])
			if !ok {
				return errHeightNum
			}
			if w < 0 || h < 0 {
				return errBoxNeg
			}
			conv, err := parseUnit(args[i+3])
			if err != nil {
				return err
			}
			sh.box, sh.width, sh.height, sh.conversion = true, w, h, conv
			byBox = true
			i += 3
		default:
			return core.ErrSyntax
		}
	}
	if storeKey != nil && (withDist || withHash || withCoord) {
		if flags&geoSearchStore != 0 {
			return core.NewError("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		}
		return core.NewError("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	}
	if search && !(fromMember || fromLoc) {
		return core.NewError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0]))
	}
	if search && !(byRadius || byBox) {
		return core.NewError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0]))
	}
	if any && count == 0 {
		return errAnyCount
	}
	if z == nil {
		if storeKey != nil {
			storeResult(c, storeKey, nil, "")
			c.WriteInt(0)
			return nil
		}
		c.SetChanges(0)
		c.WriteArray(0)
		return nil
	}
	if count != 0 && sortDir == 0 && !any {
		sortDir = 1
	}
	limit := 0
	if any {
		limit = int(min(count, 1<<31))
	}
	points := sh.collect(z, limit)
	if len(points) == 0 && storeKey == nil {
		c.SetChanges(0)
		c.WriteArray(0)
		return nil
	}
	switch sortDir {
	case 1:
		sort.SliceStable(points, func(i, j int) bool { return points[i].dist < points[j].dist })
	case 2:
		sort.SliceStable(points, func(i, j int) bool { return points[i].dist > points[j].dist })
	}
	n := len(points)
	if count != 0 && int64(n) > count {
		n = int(count)
	}
	points = points[:n]
	if storeKey != nil {
		if n == 0 {
			storeResult(c, storeKey, nil, "")
			c.WriteInt(0)
			return nil
		}
		maxLen := 0
		for _, p := range points {
			maxLen = max(maxLen, len(p.member))
		}
		out := newZSet(n, maxLen)
		for _, p := range points {
			s := p.score
			if storeDist {
				s = p.dist / sh.conversion
			}
			out.add(p.member, s)
		}
		event := "georadiusstore"
		if flags&geoSearchStore != 0 {
			event = "geosearchstore"
		}
		storeResult(c, storeKey, out, event)
		c.WriteInt(int64(n))
		return nil
	}
	c.SetChanges(0)
	opts := 0
	for _, b := range []bool{withDist, withHash, withCoord} {
		if b {
			opts++
		}
	}
	c.WriteArray(n)
	for _, p := range points {
		if opts > 0 {
			c.WriteArray(opts + 1)
		}
		c.WriteBulk(p.member)
		if withDist {
			writeDistance(c, p.dist/sh.conversion)
		}
		if withHash {
			c.WriteInt(int64(p.score))
		}
		if withCoord {
			c.WriteArray(2)
			writeCoord(c, p.long)
			writeCoord(c, p.lat)
		}
	}
	return nil
}

// memberPoint returns the position of a member of a geo set.
func memberPoint(z *ZSet, m []byte) (float64, float64, bool) {
	s, ok := z.Score(m)
	if !ok {
		return 0, 0, false
	}
	return decodeScore(s)
}

// collect finds the members inside the shape, box by box in Redis's order,
// stopping at limit members when limit is not 0 (COUNT ... ANY).
func (sh *shape) collect(z *ZSet, limit int) []geoPoint {
	boxes := sh.searchBoxes()
	var out []geoPoint
	last := 0
	for i, b := range boxes {
		if b.zero() {
			continue
		}
		// Large radiuses can make neighbouring boxes the same; Redis skips
		// a box equal to the one it searched last (never comparing with
		// the centre's).
		if last != 0 && b == boxes[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && len(out) >= limit {
			break
		}
		lo := float64(b.align52())
		b.bits++
		hi := float64(b.align52())
		r := scoreRange{min: lo, max: hi, maxExc: true}
		from, to := r.ranks(z)
		if to > from {
			z.Ascend(from, func(m []byte, s float64) bool {
				if len(out) > 0 && limit > 0 && len(out) >= limit {
					return false
				}
				lon, lat, ok := decodeScore(s)
				if ok {
					if d, in := sh.within(lon, lat); in {
						out = append(out, geoPoint{member: append([]byte(nil), m...), score: s, dist: d, long: lon, lat: lat})
					}
				}
				to--
				return to > from
			})
		}
		last = i
	}
	return out
}
