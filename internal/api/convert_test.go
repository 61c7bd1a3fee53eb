package api

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
)

// fill sets every exported field of v, at every depth, to a value of its
// own (slices and maps get one element, pointers a target), so a field
// a conversion drops or renames shows in the JSON.
func fill(t *testing.T, v reflect.Value, seed *int, depth int) {
	*seed++
	n := *seed
	switch v.Interface().(type) {
	case netip.Addr:
		v.Set(reflect.ValueOf(netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)})))
		return
	case netip.Prefix:
		v.Set(reflect.ValueOf(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(n), 0, 0}), 16)))
		return
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, n, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n%5 + 1))
	case reflect.Uint8:
		v.SetUint(1) // enumerations (states, LSA types) are uint8s: 1 is one of each
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n%5 + 1))
	case reflect.Float64:
		v.SetFloat(0.25)
	case reflect.Pointer:
		if depth > 3 {
			return // a recursive type (a nexthop's backup) stops here
		}
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), seed, depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0), seed, depth+1)
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(t, v.Index(i), seed, depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, seed, depth+1)
		fill(t, e, seed, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), seed, depth+1)
			}
		}
	default:
		t.Fatalf("fill: no value for %s", v.Type())
	}
}

func filledValue[T any](t *testing.T) T {
	var v T
	seed := 0
	fill(t, reflect.ValueOf(&v).Elem(), &seed, 0)
	return v
}

// sameJSON checks that the wire value encodes as the package's value did
// when the package's JSON was the API's: every field carried, every name
// kept.
func sameJSON[T, W any](t *testing.T, conv func(T) W) {
	t.Helper()
	v := filledValue[T](t)
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(conv(v))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%T on the wire\n%s\nthe package's JSON\n%s", *new(W), got, want)
	}
}

// Each wire type encodes a filled value of its package's type exactly as
// that package's own JSON did: the move to internal/api kept /api/v1 and
// -o json as they were. A field added to a package's type fails here
// until the API decides whether to serve it.
func TestWireKeepsThePackagesJSON(t *testing.T) {
	sameJSON(t, wireRouteTable)
	sameJSON(t, func(v router.LFIBTable) []LFIBEntry { return wireSlice(v, wireLFIBEntry) })
	sameJSON(t, wireEvent)
	sameJSON(t, wireSecurityGroups)
	sameJSON(t, wireTunnelCounters)
	sameJSON(t, wireAdvertised)
	sameJSON(t, wireSRPolicyState)
	sameJSON(t, wireIGPNeighbor)
	sameJSON(t, wireIGPDatabaseScope)
	sameJSON(t, wireIGPRoute)
	sameJSON(t, wireIGPStatus)
	sameJSON(t, wireIGPRange)
	sameJSON(t, wireSRBinding)
	sameJSON(t, wireAdjSID)
	sameJSON(t, wireFRRReport)
	sameJSON(t, wireLDPBinding)
	sameJSON(t, wireLDPNeighbor)
	sameJSON(t, wireBGPNeighbor)
	sameJSON(t, wireBGPRoute)
	sameJSON(t, wireBGPNeighborDetail)
	sameJSON(t, wireVRF)
	sameJSON(t, wireLink)
	sameJSON(t, wireSession)
	sameJSON(t, wireNumberedEvent)
	sameJSON(t, wirePingResult)
	sameJSON(t, wireTraceResult)
	sameJSON(t, func(v dataplane.Impairment) Impairment { return wireImpairment(v) })
	sameJSON(t, wireTopology) // GET /api/v1/topology: graph -f json's document
	var _ = []any{bgp.Neighbor{}, igp.Status{}, lab.VRFInfo{}, ldp.Binding{}, srte.PolicyView{}}
}

// wireData converts every type lab.Show answers with; a filled value of
// each comes out as the wire type, not as the package's.
func TestWireDataConvertsEveryTable(t *testing.T) {
	for _, v := range []any{
		filledValue[router.InterfaceTable](t), filledValue[router.RouteTable](t), filledValue[router.LFIBTable](t),
		filledValue[[]router.Event](t), filledValue[lab.SecurityGroupTable](t), filledValue[*lab.CloudAdvertised](t),
		filledValue[[]srte.PolicyView](t), filledValue[[]igp.Neighbor](t), filledValue[[]igp.DatabaseScope](t),
		filledValue[[]igp.Route](t), filledValue[igp.Status](t), filledValue[[]igp.RangeStatus](t), filledValue[[]igp.SRBinding](t), filledValue[lab.FRRReport](t),
		filledValue[[]ldp.Binding](t), filledValue[[]ldp.Neighbor](t), filledValue[[]bgp.Neighbor](t),
		filledValue[[]bgp.RouteView](t), filledValue[bgp.NeighborDetail](t), filledValue[[]lab.VRFInfo](t),
	} {
		w := reflect.TypeOf(wireData(v))
		for w.Kind() == reflect.Slice || w.Kind() == reflect.Pointer {
			w = w.Elem()
		}
		if w.PkgPath() != reflect.TypeOf(Table{}).PkgPath() {
			t.Errorf("%T is served as %s, not as a wire type of internal/api", v, w)
		}
	}
}
