package gnmi

import (
	"strings"
	"testing"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/router"
)

// Paths come from clients: whatever element strings gnmi_cli or another
// client sends, the server answers INVALID_ARGUMENT or walks the tree,
// never panics.
func FuzzPathFromElementStrings(f *testing.F) {
	for _, s := range []string{"interfaces/interface[name=eth1]/state", "interfaces/interface/state/counters", "interfaces/interface[name=*]/state/counters/in-pkts",
		"interfaces/interface[ifname=x]", "interfaces/interface[name=a]b]/state", "interfaces//interface", "*/...", "interfaces/interface[name=\\]]"} {
		f.Add(s)
	}
	sch, err := oc.Schema()
	if err != nil {
		f.Fatal(err)
	}
	srv := &Server{schema: sch.RootSchema()}
	full := device(router.InterfaceTable{{Name: "eth1", Up: true}, {Name: "lo", Up: true}})
	configOnly := device(router.InterfaceTable{{Name: "eth1"}})
	keepOnly(configOnly, gpb.GetRequest_CONFIG)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := fullPath(nil, &gpb.Path{Element: strings.Split(s, "/")})
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		if err := checkPath(srv.schema, p); err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		for _, d := range []*oc.Device{full, configOnly} {
			for _, enc := range []gpb.Encoding{gpb.Encoding_JSON_IETF, gpb.Encoding_PROTO} {
				if _, err := srv.answer(d, p, enc); err != nil {
					t.Fatalf("%q: %v", s, err)
				}
			}
		}
	})
}
