package topology

import (
	"fmt"
	"strings"
	"testing"
)

// TestANodesOnOffOptionsTakeItsOwnValueOverTheDefaults: fast reroute
// (on when unset) and prefix suppression (off when unset) each come from
// the node, else from defaults, else their own default.
func TestANodesOnOffOptionsTakeItsOwnValueOverTheDefaults(t *testing.T) {
	for _, o := range []struct {
		key   string
		unset bool // the value when neither the node nor defaults say
		on    func(*Node) bool
	}{
		{"frr", true, func(n *Node) bool { return !n.NoFRR }},
		{"prefix_suppression", false, func(n *Node) bool { return n.PrefixSuppression }},
	} {
		other := !o.unset
		y := fmt.Sprintf("defaults: {%s: %v}\nnodes:\n  p1: {role: p}\n  p2: {role: p, %s: %v}\nlinks:\n  - p1-p2\n", o.key, other, o.key, o.unset)
		res, err := Load("t.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		if got1, got2 := o.on(res.Model.Node("p1")), o.on(res.Model.Node("p2")); got1 != other || got2 != o.unset {
			t.Errorf("%s: p1 %v (want %v, from defaults), p2 %v (want %v, its own)", o.key, got1, other, got2, o.unset)
		}
		y = fmt.Sprintf("nodes:\n  p1: {role: p, %s: %v}\n  p2: {role: p}\nlinks:\n  - p1-p2\n", o.key, other)
		if res, err = Load("t.yaml", []byte(y)); err != nil {
			t.Fatal(err)
		}
		if got1, got2 := o.on(res.Model.Node("p1")), o.on(res.Model.Node("p2")); got1 != other || got2 != o.unset {
			t.Errorf("%s without defaults: p1 %v (want %v), p2 %v (want %v, unset)", o.key, got1, other, got2, o.unset)
		}
	}
}

func TestAMisspeltFRRKeyIsStillAnUnknownKey(t *testing.T) {
	_, err := Load("t.yaml", []byte("defaults: {frrr: false}\nnodes:\n  p1: {role: p}\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown key "frrr" in defaults`) || !strings.Contains(err.Error(), "frr") {
		t.Errorf("error %v, want unknown key frrr with a did-you-mean of frr", err)
	}
	_, err = Load("t.yaml", []byte("nodes:\n  p1: {role: p, fr: false}\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown key "fr" in node p1`) {
		t.Errorf("error %v, want unknown key fr in node p1", err)
	}
}

func TestAPrefixSuppressionThatIsNoBooleanIsRejectedWithItsPlace(t *testing.T) {
	_, err := Load("t.yaml", []byte("nodes:\n  p1: {role: p, prefix_suppression: sometimes}\n"))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:2:") || !strings.Contains(err.Error(), "prefix_suppression") {
		t.Errorf("error %v, want one at t.yaml:2 naming prefix_suppression", err)
	}
}
