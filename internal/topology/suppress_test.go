package topology

import (
	"strings"
	"testing"
)

func TestPrefixSuppressionIsOffUnlessDefaultsOrTheNodeTurnItOn(t *testing.T) {
	const y = `
defaults: {prefix_suppression: true}
nodes:
  p1: {role: p}
  p2: {role: p, prefix_suppression: false}
links:
  - p1-p2
`
	res, err := Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Model.Node("p1").PrefixSuppression || res.Model.Node("p2").PrefixSuppression {
		t.Errorf("p1 %v (want true, from defaults), p2 %v (want false, its own)", res.Model.Node("p1").PrefixSuppression, res.Model.Node("p2").PrefixSuppression)
	}
	res, err = Load("t.yaml", []byte("nodes:\n  p1: {role: p, prefix_suppression: true}\n  p2: {role: p}\nlinks:\n  - p1-p2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Model.Node("p1").PrefixSuppression || res.Model.Node("p2").PrefixSuppression {
		t.Errorf("without defaults: p1 %v (want true), p2 %v (want false: off by default)", res.Model.Node("p1").PrefixSuppression, res.Model.Node("p2").PrefixSuppression)
	}
}

func TestAPrefixSuppressionThatIsNoBooleanIsRejectedWithItsPlace(t *testing.T) {
	_, err := Load("t.yaml", []byte("nodes:\n  p1: {role: p, prefix_suppression: sometimes}\n"))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:2:") || !strings.Contains(err.Error(), "prefix_suppression") {
		t.Errorf("error %v, want one at t.yaml:2 naming prefix_suppression", err)
	}
}
