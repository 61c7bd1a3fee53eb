package topology

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateBlockIsReadWithEveryCheckKind(t *testing.T) {
	src := `links: [ce1-pe1, pe1-p1, p1-pe2, pe2-ce2]
validate:
  - ping: ce1 ce2
  - ping: ce1 10.9.9.9
    fails: true
  - trace: ce1 ce2
    via: p1
  - session: pe1 pe2
  - route: pe2 10.1.0.0/24
    labels: 0
`
	res, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Model.Checks {
		got = append(got, c.String())
	}
	want := "ping ce1 ce2 succeeds|ping ce1 10.9.9.9 fails|trace ce1 ce2 passes p1|session pe1-pe2 is Established|pe2 has route 10.1.0.0/24 with 0 labels"
	if strings.Join(got, "|") != want {
		t.Errorf("checks:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

func TestBadChecksAreReportedAtTheirPlace(t *testing.T) {
	src := `links: [ce1-pe1, pe1-p1]
validate:
  - ping: ce1 pe1
    via: p1
  - trace: ce1 pe1
  - session: pe1 nope
  - route: pe1 10.1.0.0/33
  - reach: ce1 pe1
  - ping: ce1
`
	_, err := Load("t.yaml", []byte(src))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("no diagnostics: %v", err)
	}
	text := ds.Error()
	for _, want := range []string{
		`t.yaml:4:5: unknown key "via" in a ping check`,
		"t.yaml:5:5: a trace check names no node the path must pass",
		`t.yaml:6:5: check "session pe1-nope is Established" names no node "nope"`,
		`t.yaml:7:12: bad prefix "10.1.0.0/33"`,
		"t.yaml:8:5: a check names no kind",
		`t.yaml:9:11: ping "ce1" needs two operands`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
}
