package zsets

import "math"

// Geo commands keep points in a sorted set whose scores are 52-bit
// geohashes: 26 bits of longitude and 26 of latitude interleaved, with
// latitude limited to the Web Mercator range as Redis does, so that scores,
// neighbours and distances come out exactly as Redis's.

const (
	geoLatMin   = -85.05112878
	geoLatMax   = 85.05112878
	geoLongMin  = -180.0
	geoLongMax  = 180.0
	geoStepMax  = 26
	earthRadius = 6372797.560856 // meters, as Redis uses
	mercatorMax = 20037726.37
	degToRad    = math.Pi / 180.0
)

// geoHash is a geohash of step*2 bits.
type geoHash struct {
	bits uint64
	step uint8
}

func (h geoHash) zero() bool { return h.bits == 0 && h.step == 0 }

type geoRange struct{ min, max float64 }

type geoArea struct {
	hash      geoHash
	long, lat geoRange
}

var (
	wgs84Long = geoRange{geoLongMin, geoLongMax}
	wgs84Lat  = geoRange{geoLatMin, geoLatMax}
)

// spread puts the 32 bits of v in the even bit positions of the result.
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// squash is the inverse of spread: the even bits of x.
func squash(x uint64) uint32 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}

// geoEncode returns the geohash of a point within the given ranges; ok is
// false for a point outside them or outside Redis's limits.
func geoEncode(longR, latR geoRange, long, lat float64, step uint8) (geoHash, bool) {
	if step > 32 || step == 0 {
		return geoHash{}, false
	}
	if long > geoLongMax || long < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHash{}, false
	}
	if lat < latR.min || lat > latR.max || long < longR.min || long > longR.max {
		return geoHash{}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	longOff := (long - longR.min) / (longR.max - longR.min)
	latOff *= float64(uint64(1) << step)
	longOff *= float64(uint64(1) << step)
	return geoHash{bits: spread(uint32(latOff)) | spread(uint32(longOff))<<1, step: step}, true
}

// geoDecode returns the area a geohash covers.
func geoDecode(longR, latR geoRange, h geoHash) (geoArea, bool) {
	if h.zero() {
		return geoArea{}, false
	}
	ilat := squash(h.bits)
	ilong := squash(h.bits >> 1)
	div := float64(uint64(1) << h.step)
	latScale := latR.max - latR.min
	longScale := longR.max - longR.min
	return geoArea{
		hash: h,
		lat: geoRange{
			latR.min + (float64(ilat)*1.0/div)*latScale,
			latR.min + (float64(uint64(ilat)+1)*1.0/div)*latScale,
		},
		long: geoRange{
			longR.min + (float64(ilong)*1.0/div)*longScale,
			longR.min + (float64(uint64(ilong)+1)*1.0/div)*longScale,
		},
	}, true
}

// center returns the middle of an area, clamped to Redis's limits.
func (a geoArea) center() (long, lat float64) {
	long = (a.long.min + a.long.max) / 2
	long = min(max(long, geoLongMin), geoLongMax)
	lat = (a.lat.min + a.lat.max) / 2
	lat = min(max(lat, geoLatMin), geoLatMax)
	return long, lat
}

// geoScore is the sorted-set score of a point.
func geoScore(long, lat float64) float64 {
	h, _ := geoEncode(wgs84Long, wgs84Lat, long, lat, geoStepMax)
	return float64(h.bits << (52 - 2*uint(h.step)))
}

// decodeScore returns the point a score stands for.
func decodeScore(score float64) (long, lat float64, ok bool) {
	h := geoHash{bits: uint64(score), step: geoStepMax}
	a, ok := geoDecode(wgs84Long, wgs84Lat, h)
	if !ok {
		return 0, 0, false
	}
	long, lat = a.center()
	return long, lat, true
}

func (h geoHash) align52() uint64 { return h.bits << (52 - 2*uint(h.step)) }

func (h *geoHash) moveX(d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
}

func (h *geoHash) moveY(d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// neighbours of a box, in the order Redis searches them: north, south,
// east, west, north-east, north-west, south-east, south-west.
type neighbours [8]geoHash

func (h geoHash) neighbours() neighbours {
	dirs := [8][2]int{{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}}
	var n neighbours
	for i, d := range dirs {
		g := h
		g.moveX(d[0])
		g.moveY(d[1])
		n[i] = g
	}
	return n
}

const (
	nNorth = iota
	nSouth
	nEast
	nWest
	nNorthEast
	nNorthWest
	nSouthEast
	nSouthWest
)

func latDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// geoDistance is the haversine distance in meters, computed as Redis does.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := lon1 * degToRad
	lon2r := lon2 * degToRad
	v := sinCR((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r := lat1 * degToRad
	lat2r := lat2 * degToRad
	u := sinCR((lat2r - lat1r) / 2)
	// Conversions keep each product rounded, as C computes them.
	a := float64(u*u) + float64(float64(float64(cosCR(lat1r)*cosCR(lat2r))*v)*v)
	return 2.0 * earthRadius * asinCR(math.Sqrt(a))
}

// shape is the area of a search: a circle of radius meters or a box of
// width by height meters, around a centre.
type shape struct {
	long, lat     float64
	box           bool
	radius        float64 // in the unit
	width, height float64 // in the unit
	conversion    float64 // meters per unit
}

// within reports whether a point is inside the shape and its distance
// from the centre in meters.
//
// The distances that decide are Redis's, correctly rounded (geoDistance),
// which costs several double-double sines; a point clearly outside is
// refused on a quick estimate first, since most points of the searched
// boxes usually are.
func (s *shape) within(long, lat float64) (float64, bool) {
	if !s.box {
		limit := s.radius * s.conversion
		if quickDistance(s.long, s.lat, long, lat) > limit+quickMargin(limit) {
			return 0, false
		}
		d := geoDistance(s.long, s.lat, long, lat)
		return d, d <= limit
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if latDistance(lat, s.lat) > h/2 {
		return 0, false
	}
	if quickDistance(long, lat, s.long, lat) > w/2+quickMargin(w/2) {
		return 0, false
	}
	if geoDistance(long, lat, s.long, lat) > w/2 {
		return 0, false
	}
	return geoDistance(s.long, s.lat, long, lat), true
}

// quickDistance is geoDistance with Go's own sine, cosine and arc sine:
// within quickMargin of the correctly rounded distance, at a fraction of
// its cost.
func quickDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := math.Sin((lat2r - lat1r) / 2)
	v := math.Sin((lon2*degToRad - lon1*degToRad) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * earthRadius * math.Asin(math.Sqrt(min(a, 1)))
}

// quickMargin bounds how far quickDistance may be from geoDistance: a few
// units in the last place of each step, amplified at most to about 0.2 m
// by the arc sine near antipodal points; a metre and a relative 1e-9 hold
// it with room to spare.
func quickMargin(d float64) float64 { return 1 + d*1e-9 }

func (s *shape) boundingBox() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.radius, s.radius
	if s.box {
		height, width = s.height/2, s.width/2
	}
	height *= s.conversion
	width *= s.conversion
	latDelta := height / earthRadius / degToRad
	longDeltaTop := width / earthRadius / cosCR((s.lat+latDelta)*degToRad) / degToRad
	longDeltaBottom := width / earthRadius / cosCR((s.lat-latDelta)*degToRad) / degToRad
	if s.lat < 0 {
		minLon, maxLon = s.long-longDeltaBottom, s.long+longDeltaBottom
	} else {
		minLon, maxLon = s.long-longDeltaTop, s.long+longDeltaTop
	}
	return minLon, s.lat - latDelta, maxLon, s.lat + latDelta
}

func estimateSteps(meters, lat float64) uint8 {
	if meters == 0 {
		return 26
	}
	step := 1
	for meters < mercatorMax {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// searchBoxes returns the boxes to search for a shape, in Redis's order:
// the centre's box, then its neighbours, with useless ones zeroed.
func (s *shape) searchBoxes() [9]geoHash {
	minLon, minLat, maxLon, maxLat := s.boundingBox()
	meters := s.radius
	if s.box {
		meters = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	}
	meters *= s.conversion
	steps := estimateSteps(meters, s.lat)
	hash, _ := geoEncode(wgs84Long, wgs84Lat, s.long, s.lat, steps)
	n := hash.neighbours()
	area, _ := geoDecode(wgs84Long, wgs84Lat, hash)
	decrease := false
	if a, _ := geoDecode(wgs84Long, wgs84Lat, n[nNorth]); a.lat.max < maxLat {
		decrease = true
	}
	if a, _ := geoDecode(wgs84Long, wgs84Lat, n[nSouth]); a.lat.min > minLat {
		decrease = true
	}
	if a, _ := geoDecode(wgs84Long, wgs84Lat, n[nEast]); a.long.max < maxLon {
		decrease = true
	}
	if a, _ := geoDecode(wgs84Long, wgs84Lat, n[nWest]); a.long.min > minLon {
		decrease = true
	}
	if steps > 1 && decrease {
		steps--
		hash, _ = geoEncode(wgs84Long, wgs84Lat, s.long, s.lat, steps)
		n = hash.neighbours()
		area, _ = geoDecode(wgs84Long, wgs84Lat, hash)
	}
	if steps >= 2 {
		if area.lat.min < minLat {
			n[nSouth], n[nSouthWest], n[nSouthEast] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.lat.max > maxLat {
			n[nNorth], n[nNorthEast], n[nNorthWest] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.long.min < minLon {
			n[nWest], n[nSouthWest], n[nNorthWest] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.long.max > maxLon {
			n[nEast], n[nSouthEast], n[nNorthEast] = geoHash{}, geoHash{}, geoHash{}
		}
	}
	return [9]geoHash{hash, n[nNorth], n[nSouth], n[nEast], n[nWest], n[nNorthEast], n[nNorthWest], n[nSouthEast], n[nSouthWest]}
}
