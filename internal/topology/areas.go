package topology

import (
	"fmt"
	"net/netip"
	"slices"

	"go.yaml.in/yaml/v3"
)

// areaSpec is one entry of the areas: section: an OSPF area's settings
// as written. Its address ranges (RFC 2328 3.5) are what the area's border
// routers advertise into the other areas in place of the routes they
// cover.
type areaSpec struct {
	Area     Area
	Ranges   []netip.Prefix
	RangePos []Pos
	// NSSA makes the area a not-so-stubby area (RFC 3101); NoSummary, with
	// it, a totally NSSA (no summaries but a default route come in).
	NSSA, NoSummary bool
	at
}

var areaKeys = []string{"ranges", "nssa", "no_summary"}

// areas reads the areas: section, a mapping of area id (0, 1 or 0.0.0.1)
// to the area's settings.
func (c *decoder) areas(n *yaml.Node, s *spec) {
	n = c.deref(n)
	if c.blown || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.d.errorf(posOf(n), "write it as areas: {1: {ranges: [10.255.1.0/24]}}", "areas must be a mapping of area id to settings, not %s", kindName(n))
		return
	}
	seen := map[Area]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := c.deref(n.Content[i]), n.Content[i+1]
		a, ok := c.area(k, "a key of areas")
		if !ok {
			continue
		}
		if line, dup := seen[a]; dup {
			c.d.errorf(posOf(k), fmt.Sprintf("first given at line %d", line), "area %s is given twice in areas", a)
			continue
		}
		seen[a] = k.Line
		as := &areaSpec{Area: a, at: at{pos: posOf(k)}}
		what := "area " + a.String()
		c.mapping(v, what, areaKeys, func(key string, v *yaml.Node) {
			as.set(key, posOf(c.deref(v)))
			switch key {
			case "ranges":
				c.ranges(v, what, as)
			case "nssa":
				as.NSSA, _ = c.boolean(v, what+" nssa")
			case "no_summary":
				as.NoSummary, _ = c.boolean(v, what+" no_summary")
			}
		})
		s.Areas = append(s.Areas, as)
	}
}

// ranges reads an area's ranges: IPv4 prefixes without host bits.
func (c *decoder) ranges(n *yaml.Node, what string, as *areaSpec) {
	items := []*yaml.Node{n}
	if d := c.deref(n); d.Kind == yaml.SequenceNode {
		items = d.Content
	} else if d.Kind != yaml.ScalarNode || d.Tag == "!!null" {
		c.d.errorf(posOf(d), "write it as [10.255.1.0/24]", "%s ranges must be a list of prefixes, not %s", what, kindName(d))
		return
	}
	for _, item := range items {
		p := c.prefix(item, what+" range")
		if !p.IsValid() {
			continue
		}
		pos := posOf(c.deref(item))
		if p != p.Masked() {
			c.d.errorf(pos, fmt.Sprintf("did you mean %s?", p.Masked()), "%s range %s has host bits set", what, p)
			continue
		}
		as.Ranges = append(as.Ranges, p)
		as.RangePos = append(as.RangePos, pos)
	}
}

// resolveAreas checks the areas: section against the links and fills
// Model.AreaRanges and Model.NSSAs: each area must be one a core link is
// in, and a range may appear once, in one area (ranges of different areas
// may not overlap; nested ranges of one area may, the longest wins). The
// backbone cannot be an NSSA, and no_summary needs nssa.
func (r *resolver) resolveAreas() {
	if len(r.s.Areas) == 0 {
		return
	}
	used := map[Area]bool{}
	for _, l := range r.m.Links {
		if l.Core {
			used[l.Area] = true
		}
	}
	var list []Area
	for a := range used {
		list = append(list, a)
	}
	slices.Sort(list)
	type placed struct {
		area Area
		p    netip.Prefix
		pos  Pos
	}
	var all []placed
	for _, as := range r.s.Areas {
		if !used[as.Area] {
			hint := "the core's areas: " + areaList(list)
			if len(list) == 0 {
				hint = "the topology has no core links"
			}
			r.d.errorf(as.pos, hint, "area %s in areas is used by no core link", as.Area)
			continue
		}
		switch {
		case as.NSSA && as.Area == 0:
			r.d.errorf(as.where("nssa"), "make a non-backbone area the NSSA", "area %s is the backbone: it cannot be an NSSA", as.Area)
		case as.NoSummary && !as.NSSA:
			r.d.errorf(as.where("no_summary"), "add nssa: true for a totally NSSA", "area %s has no_summary but is not an NSSA", as.Area)
		case as.NSSA:
			if r.m.NSSAs == nil {
				r.m.NSSAs = map[Area]NSSA{}
			}
			r.m.NSSAs[as.Area] = NSSA{NoSummary: as.NoSummary}
		}
		for i, p := range as.Ranges {
			bad := false
			for _, o := range all {
				switch {
				case o.p == p && o.area == as.Area:
					r.d.errorf(as.RangePos[i], fmt.Sprintf("first given at line %d", o.pos.Line), "area %s range %s is given twice", as.Area, p)
					bad = true
				case o.p == p:
					r.d.errorf(as.RangePos[i], fmt.Sprintf("first given at line %d", o.pos.Line), "range %s is given for areas %s and %s", p, o.area, as.Area)
					bad = true
				case o.p.Overlaps(p) && o.area != as.Area:
					r.d.errorf(as.RangePos[i], "a range summarises one area's routes: give each area its own block", "area %s range %s overlaps area %s range %s", as.Area, p, o.area, o.p)
					bad = true
				}
				if bad {
					break
				}
			}
			if bad {
				continue
			}
			all = append(all, placed{as.Area, p, as.RangePos[i]})
			if r.m.AreaRanges == nil {
				r.m.AreaRanges = map[Area][]netip.Prefix{}
			}
			r.m.AreaRanges[as.Area] = append(r.m.AreaRanges[as.Area], p)
		}
	}
}
