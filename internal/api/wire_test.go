package api

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
)

// filled returns a T whose every field is set to a value of its own, so
// a field the conversion drops shows in the JSON.
func filled[T any](t *testing.T) T {
	var v T
	rv := reflect.ValueOf(&v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Interface().(type) {
		case netip.Prefix:
			f.Set(reflect.ValueOf(netip.MustParsePrefix("10.0.0.1/31")))
			continue
		case map[string]uint64:
			f.Set(reflect.ValueOf(map[string]uint64{"no-route": uint64(i + 1)}))
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(rv.Type().Field(i).Name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Uint64:
			f.SetUint(uint64(i + 1))
		default:
			t.Fatalf("filled: no value for %s %s: teach the test", rv.Type().Field(i).Name, f.Type())
		}
	}
	return v
}

// The interfaces table moved to the API's own type without changing the
// wire: the same JSON as router's rows, every field carried (a field
// added to router.InterfaceRow fails here until the API decides whether
// to serve it).
func TestInterfacesOnTheWireAreTheRoutersRows(t *testing.T) {
	rows := router.InterfaceTable{filled[router.InterfaceRow](t), {Name: "lo"}}
	want, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(wireData(rows))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("wire\n%s\nrouter\n%s", got, want)
	}
	if b, _ := json.Marshal(wireData(router.InterfaceTable(nil))); string(b) != "null" {
		t.Errorf("no table: %s, want null as before", b)
	}
}

// The interfaces table's field names are the API's contract: renaming
// one is a change of /api/v1, made here on purpose.
func TestInterfaceWireNames(t *testing.T) {
	var names []string
	for _, f := range jsonFields(reflect.TypeOf(Interface{})) {
		names = append(names, f.name)
	}
	want := []string{"name", "addr", "up", "vrf", "peer", "mac", "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "link_drops", "drops"}
	if !slices.Equal(names, want) {
		t.Errorf("Interface's JSON fields %v, want %v", names, want)
	}
}
