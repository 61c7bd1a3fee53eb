package api

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/wire from the seed lab's answers")

// shape lists the JSON paths of a value of type t as encoding/json
// writes them, with the JSON type at each: "?" marks a field that may
// be absent (omitempty), an array's element is "[]" and a map's values
// "*" (its keys are data, not names). It depends on the field names and
// types only, not on timers or the path ECMP chose.
func shape(t reflect.Type) []string {
	var out []string
	var walk func(t reflect.Type, path string, depth int)
	walk = func(t reflect.Type, path string, depth int) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if depth > 8 {
			out = append(out, path+": (recursive)")
			return
		}
		switch {
		case t == timeType:
			out = append(out, path+": string (RFC 3339)")
			return
		case t == durationType:
			out = append(out, path+": number (ns)")
			return
		case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
			out = append(out, path+": string")
			return
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			out = append(out, path+": array")
			walk(t.Elem(), path+"[]", depth+1)
		case reflect.Map:
			out = append(out, path+": map")
			walk(t.Elem(), path+".*", depth+1)
		case reflect.Struct:
			out = append(out, path+": object")
			for _, f := range jsonFields(t) {
				p := path + "." + f.name
				if f.omit {
					p += "?"
				}
				walk(f.typ, p, depth+1)
			}
		case reflect.String:
			out = append(out, path+": string")
		case reflect.Bool:
			out = append(out, path+": bool")
		case reflect.Interface:
			out = append(out, path+": any")
		default:
			out = append(out, path+": number")
		}
	}
	walk(t, "", 0)
	return out
}

// answer is one answer of the API: its name in testdata/wire and how a
// typed client method fetches it.
type answer struct {
	name  string
	fetch func(ctx context.Context, c *Client) (any, error)
}

func table(node, table, vrf string) answer {
	name := "table-" + node + "-" + strings.ReplaceAll(table, " ", "-")
	if vrf != "" {
		name += "-vrf-" + vrf
	}
	return answer{name, func(ctx context.Context, c *Client) (any, error) {
		t, err := c.Show(ctx, node, table, vrf)
		if err != nil {
			return nil, err
		}
		if tableValue(table) == nil {
			return nil, fmt.Errorf("table %q has no wire type", table)
		}
		return t, nil
	}}
}

// Every answer the seed lab gives (and the SR-TE example's SR answers),
// fetched with the typed client, has its JSON's field names and types
// pinned in testdata/wire: renaming a wire field, changing its type or
// dropping one fails here (go test -run TestWireGolden
// -update rewrites the files when the change is meant).
func TestWireGolden(t *testing.T) {
	c := startLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	answers := []answer{
		{"status", func(ctx context.Context, c *Client) (any, error) { return c.Status(ctx) }},
		{"nodes", func(ctx context.Context, c *Client) (any, error) { return c.Nodes(ctx) }},
		{"links", func(ctx context.Context, c *Client) (any, error) { return c.Links(ctx) }},
		{"link-change", func(ctx context.Context, c *Client) (any, error) {
			return c.ChangeLink(ctx, "pe1", "p1", LinkChange{Impairment: &Impairment{Latency: 10 * time.Millisecond, QueueBytes: 1 << 20}})
		}},
		{"sessions", func(ctx context.Context, c *Client) (any, error) { return c.Sessions(ctx) }},
		{"ping", func(ctx context.Context, c *Client) (any, error) {
			return c.Ping(ctx, PingRequest{Src: "ce1", Dst: "ce2", Count: 2, Interval: 50 * time.Millisecond})
		}},
		{"ping-ttl-exceeded", func(ctx context.Context, c *Client) (any, error) {
			return c.Ping(ctx, PingRequest{Src: "ce1", Dst: "ce2", Count: 1, TTL: 3})
		}},
		{"trace", func(ctx context.Context, c *Client) (any, error) {
			return c.Trace(ctx, TraceRequest{Src: "ce1", Dst: "ce2", Probes: 1})
		}},
		{"events", func(ctx context.Context, c *Client) (any, error) { return c.Events(ctx, time.Time{}) }},
		{"topology", func(ctx context.Context, c *Client) (any, error) { return c.Topology(ctx) }},
		table("pe1", "route", ""),
		table("pe1", "route", "tenant"),
		table("pe1", "fib", ""),
		table("pe1", "lfib", ""),
		table("pe1", "interfaces", ""),
		table("pe1", "igp neighbors", ""),
		table("pe1", "igp database", ""),
		table("pe1", "igp database detail", ""),
		table("pe1", "igp routes", ""),
		table("pe1", "igp status", ""),
		table("pe1", "igp ranges", ""),
		table("pe1", "ldp bindings", ""),
		table("pe1", "ldp neighbors", ""),
		table("pe1", "sr", ""),
		table("pe1", "frr", ""),
		table("pe1", "bgp summary", ""),
		table("pe1", "bgp vpnv4", ""),
		table("pe1", "bgp evpn", ""),
		table("ce1", "bgp ipv4 unicast", ""),
		table("pe1", "bgp neighbor ce1", ""),
		table("pe1", "vrf", ""),
		table("pe1", "vrf tenant routes", ""),
		table("pe1", "events", ""),
		table("cloud1-cn1", "security-groups", ""),
		table("pe1", "tunnels", ""),
		table("cloud1", "advertised", ""),
	}
	seen := map[string]bool{}
	checkGolden(t, ctx, c, answers, seen)

	// SR-MPLS and SR-TE answers, from the example that runs them.
	sc, _ := startSRTELab(t)
	srte := []answer{
		{"sr-policy-add", func(ctx context.Context, c *Client) (any, error) {
			return c.AddSRPolicy(ctx, "pe1", SRPolicy{Color: 300, Endpoint: "pe2", Paths: []SRPath{{Preference: 10, Dynamic: true, Metric: "igp"}}})
		}},
		table("pe1", "sr-policy", ""),
		table("pe1", "sr", ""),
		table("pe1", "frr", ""),
	}
	for i := range srte {
		srte[i].name = "sr-te-" + srte[i].name
	}
	checkGolden(t, ctx, sc, srte, seen)
	for name := range tableData {
		if !seen[name] && name != "vrf NAME routes" && name != "fib" {
			t.Errorf("table %q has no golden answer here", name)
		}
	}
}

// checkGolden fetches each answer from c and compares its shape with
// its file in testdata/wire.
func checkGolden(t *testing.T, ctx context.Context, c *Client, answers []answer, seen map[string]bool) {
	t.Helper()
	for _, a := range answers {
		v, err := a.fetch(ctx, c)
		if err != nil {
			t.Errorf("%s: %v", a.name, err)
			continue
		}
		if tab, ok := v.(*Table); ok {
			seen[tableName(tab.Table)] = true
		}
		typ := reflect.TypeOf(v)
		lines := shape(typ)
		if tab, ok := v.(*Table); ok {
			// The table's data: the type the client decoded it into.
			lines = append(shape(reflect.TypeOf(*tab))[:0:0], ": object (a table)")
			for _, l := range shape(reflect.TypeOf(tab.Data)) {
				lines = append(lines, ".data"+l)
			}
		}
		got := strings.Join(lines, "\n") + "\n"
		file := filepath.Join("testdata", "wire", a.name+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v (go test -run TestWireGolden -update writes it)", a.name, err)
			continue
		}
		if got != string(want) {
			t.Errorf("%s: the JSON's fields changed (-want +got):\n%s", a.name, lineDiff(string(want), got))
		}
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("-" + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+" + l + "\n")
		}
	}
	return b.String()
}
