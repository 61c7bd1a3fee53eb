package gnmi

import (
	"strings"
	"testing"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/ygot/ytypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/router"
)

// Paths come from clients: whatever element strings gnmi_cli or another
// client sends, the server answers INVALID_ARGUMENT or walks the tree,
// never panics.
func FuzzPathFromElementStrings(f *testing.F) {
	for _, s := range []string{"interfaces/interface[name=eth1]/state", "interfaces/interface[name=*]/state/counters/in-pkts",
		"interfaces/interface[ifname=x]", "interfaces/interface[name=a]b]/state", "interfaces//interface", "*/...", "interfaces/interface[name=\\]]"} {
		f.Add(s)
	}
	sch, err := oc.Schema()
	if err != nil {
		f.Fatal(err)
	}
	root := sch.RootSchema()
	d := device(router.InterfaceTable{{Name: "eth1", Up: true}, {Name: "lo", Up: true}})
	f.Fuzz(func(t *testing.T, s string) {
		p, err := fullPath(nil, &gpb.Path{Element: strings.Split(s, "/")})
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		if err := checkPath(root, p); err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("%q: %v, want INVALID_ARGUMENT", s, err)
			}
			return
		}
		found, _ := ytypes.GetNode(root, d, p, &ytypes.GetHandleWildcards{}, &ytypes.GetPartialKeyMatch{})
		for _, tn := range found {
			if _, err := render(tn, gpb.Encoding_JSON_IETF); err != nil {
				t.Fatalf("%q: rendering %s: %v", s, pathString(tn.Path), err)
			}
		}
	})
}
