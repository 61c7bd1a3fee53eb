package topology

import (
	"strings"
	"testing"
)

func TestFRRIsOnUnlessDefaultsOrTheNodeTurnItOff(t *testing.T) {
	const y = `
defaults: {frr: false}
nodes:
  p1: {role: p}
  p2: {role: p, frr: true}
links:
  - p1-p2
`
	res, err := Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Model.Node("p1").NoFRR || res.Model.Node("p2").NoFRR {
		t.Errorf("p1 NoFRR=%v (want true, from defaults), p2 NoFRR=%v (want false, its own)", res.Model.Node("p1").NoFRR, res.Model.Node("p2").NoFRR)
	}
	res, err = Load("t.yaml", []byte("nodes:\n  p1: {role: p, frr: false}\n  p2: {role: p}\nlinks:\n  - p1-p2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Model.Node("p1").NoFRR || res.Model.Node("p2").NoFRR {
		t.Errorf("without defaults: p1 NoFRR=%v (want true), p2 NoFRR=%v (want false: on by default)", res.Model.Node("p1").NoFRR, res.Model.Node("p2").NoFRR)
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
