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

func TestAdvertisesChecksNameACloudAndPrefixesInsideIt(t *testing.T) {
	src := `links: [ce1-pe1, pe1-p1]
clouds:
  c1: {attach: ce1, prefix: 100.70.0.0/16}
validate:
  - advertises: c1
  - advertises: c1
    exactly: [100.70.1.0/24, 100.70.2.0/24]
  - advertises: c1
    exactly: []
`
	res, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Model.Checks {
		got = append(got, c.String()+" on "+c.B)
	}
	want := "cloud c1 advertises only its prefix 100.70.0.0/16 on c1|cloud c1 advertises exactly 100.70.1.0/24 100.70.2.0/24 on c1|cloud c1 advertises exactly  on c1"
	if strings.Join(got, "|") != want {
		t.Errorf("checks:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}

	_, err = Load("t.yaml", []byte(`links: [ce1-pe1, pe1-p1]
clouds:
  c1: {attach: ce1, prefix: 100.70.0.0/16}
validate:
  - advertises: c2
  - advertises: c1
    exactly: [100.70.1.0/24, 10.0.0.0/8]
  - advertises: c1 c2
  - advertises: c1
    exactly: [100.70.1.0/33]
`))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("no diagnostics: %v", err)
	}
	text := ds.Error()
	for _, want := range []string{
		`t.yaml:5:5: check "cloud c2 advertises only its prefix" names no cloud "c2" (did you mean c1?)`,
		`t.yaml:6:5: check "cloud c1 advertises exactly 100.70.1.0/24 10.0.0.0/8": 10.0.0.0/8 is outside cloud c1's prefix 100.70.0.0/16 (a cloud announces only within its prefix: the WAN refuses the rest)`,
		`t.yaml:8:17: advertises "c1 c2" needs one cloud`,
		`t.yaml:10:15: exactly "100.70.1.0/33" is not an IPv4 prefix`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
}
