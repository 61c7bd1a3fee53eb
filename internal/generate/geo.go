package generate

import "math"

// The POPs sit on a map the size of a continent, spread around the edge of
// a rectangle in ring order so that the ring does not cross itself. All the
// arithmetic is on integers (math.Sqrt is exact IEEE rounding), so the same
// seed gives the same latencies on every machine.
const (
	mapWidth  = 4800 // km
	mapHeight = 2400 // km
	// Light in fibre covers about 200 km per ms; real routes are some 1.5
	// times longer than the straight line.
	kmPerMs    = 200
	routeTimes = 3 // over routeDiv: 1.5
	routeDiv   = 2
	minHaulMs  = 5
	maxHaulMs  = 40
)

// splitmix is SplitMix64: a tiny generator whose output this package fixes,
// unlike a library's, which may change between releases.
type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *splitmix) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

type point struct{ x, y int64 }

// popMap places n POPs: POP i (0-based) at a jittered spot along the
// rectangle's perimeter, pulled a little towards the middle.
func popMap(n int, seed int64) []point {
	r := &splitmix{s: uint64(seed)}
	perim := int64(2 * (mapWidth + mapHeight))
	cx, cy := int64(mapWidth/2), int64(mapHeight/2)
	pts := make([]point, n)
	for i := range pts {
		s := (int64(i)*1000 + r.intn(700)) * perim / (int64(n) * 1000)
		var p point
		switch {
		case s < mapWidth:
			p = point{s, 0}
		case s < mapWidth+mapHeight:
			p = point{mapWidth, s - mapWidth}
		case s < 2*mapWidth+mapHeight:
			p = point{mapWidth - (s - mapWidth - mapHeight), mapHeight}
		default:
			p = point{0, mapHeight - (s - 2*mapWidth - mapHeight)}
		}
		pull := r.intn(30) // percent of the way to the middle
		p.x += (cx - p.x) * pull / 100
		p.y += (cy - p.y) * pull / 100
		pts[i] = p
	}
	return pts
}

// haulMs is the latency of a long-haul link between two POPs, in whole
// milliseconds between minHaulMs and maxHaulMs.
func haulMs(a, b point) int {
	dx, dy := a.x-b.x, a.y-b.y
	km := int64(math.Sqrt(float64(dx*dx + dy*dy)))
	ms := int((km*routeTimes/routeDiv + kmPerMs/2) / kmPerMs)
	return min(max(ms, minHaulMs), maxHaulMs)
}
