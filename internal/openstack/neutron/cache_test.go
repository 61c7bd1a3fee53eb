package neutron

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

var allKinds = []string{kindSecurityGroup, kindSecurityGroupRule, kindAddressGroup, kindNetwork, kindSubnet, kindPort, kindRouter, kindFloatingIP, kindSubnetPool,
	kindAddressScope, kindBGPSpeaker, kindBGPPeer, kindAgent}

// fill sets every field of v to a random value: pointers and slices are
// sometimes nil, sometimes empty, usually set.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s<%d>&\"é", rng.IntN(1000)))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64N(1 << 32))
	case reflect.Pointer:
		if rng.IntN(4) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch rng.IntN(5) {
		case 0:
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1+rng.IntN(3), 3)
		for i := range s.Len() {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	default:
		panic("fill: " + v.Type().String())
	}
}

// shares reports a pointer or slice backing array of a found in b.
func shares(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shares(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Cap() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shares(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shares(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

// TestCloneResource checks that a clone of every kind of resource equals
// it and shares nothing with it, so a request changing its clone of the
// cached state never changes what readers see.
func TestCloneResource(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kind := range allKinds {
		for range 200 {
			r := newOfKind(kind)
			fill(rng, reflect.ValueOf(r).Elem())
			c := cloneResource(r)
			if !reflect.DeepEqual(r, c) {
				t.Fatalf("%s: clone %+v differs from %+v", kind, c, r)
			}
			if p := shares(reflect.ValueOf(r), reflect.ValueOf(c), kind); p != "" {
				t.Fatalf("%s: clone shares %s", kind, p)
			}
		}
	}
}

// TestToMap checks that toMap is what encoding/json makes of every kind
// of resource, decoded into a map.
func TestToMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kind := range allKinds {
		for range 200 {
			r := newOfKind(kind)
			fill(rng, reflect.ValueOf(r).Elem())
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if got := toMap(r); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: toMap\n%#v\nwant\n%#v", kind, got, want)
			}
		}
	}
}

// TestCacheSeesOtherWriters checks that a Service's cached state is
// never stale: a change committed through another Service of the same
// region on the same store is seen by the next read, and a refused
// request leaves the cached state as it was.
func TestCacheSeesOtherWriters(t *testing.T) {
	lb := startLab(t)
	ctx := context.Background()
	other, err := New(ctx, lb.st, lb.ks, Config{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	admin := lb.admin(t)
	if code, body := raw(t, lb, admin, "GET", "/v2.0/networks", nil); code != 200 || len(body["networks"].([]any)) != 0 {
		t.Fatalf("list: %d %v", code, body)
	}
	c := &caller{user: "u", project: "p", admin: true}
	col := other.networkCollection()
	err = other.update(ctx, func(st *state) error {
		b, err := col.prepare(c, map[string]any{"network": map[string]any{"name": "elsewhere"}}, true)
		if err != nil {
			return err
		}
		_, err = col.create(st, c, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	code, body := raw(t, lb, admin, "GET", "/v2.0/networks", nil)
	nets, _ := body["networks"].([]any)
	if code != 200 || len(nets) != 1 || nets[0].(map[string]any)["name"] != "elsewhere" {
		t.Fatalf("after another service's create: %d %v", code, body)
	}
	id := nets[0].(map[string]any)["id"].(string)
	// A refused bulk create, whose first port was made before the second
	// failed, leaves nothing behind.
	code, _ = raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"ports": []any{
		map[string]any{"network_id": id}, map[string]any{"network_id": "00000000-0000-4000-8000-000000000000"}}})
	if code != 404 {
		t.Fatalf("bad bulk create: %d", code)
	}
	code, body = raw(t, lb, admin, "GET", "/v2.0/ports", nil)
	if code != 200 || len(body["ports"].([]any)) != 0 {
		t.Fatalf("after a refused bulk create: %d %v", code, body)
	}
	// Snapshot's resources are the caller's.
	snap, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap.Networks[0].Tags = append(snap.Networks[0].Tags, "mine")
	snap.Networks[0].Name = "changed"
	code, body = raw(t, lb, admin, "GET", "/v2.0/networks/"+id, nil)
	if n := body["network"].(map[string]any); code != 200 || n["name"] != "elsewhere" || len(n["tags"].([]any)) != 0 {
		t.Fatalf("after changing a snapshot: %d %v", code, body)
	}
}
