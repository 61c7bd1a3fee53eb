package nova

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzMicroversion: any header is a served version, a 400 or a 406,
// never a panic, and a served version is in range.
func FuzzMicroversion(f *testing.F) {
	for _, s := range []string{"2.1", "2.96", "2.97", "latest", "3.0", "2.x", "", " 2.5 ", "02.5", "2.-1", "compute 2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("OpenStack-API-Version", "compute "+h)
		v, err := requestedVersion(r)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || (ae.status != 400 && ae.status != 406) {
				t.Fatalf("%q: %v", h, err)
			}
			return
		}
		if !v.atLeast(2, 1) || !maxVersion.atLeast(v.major, v.minor) {
			t.Fatalf("%q served as %v", h, v)
		}
	})
}

// FuzzServerBodies sends create and action bodies to a lab's Nova: each
// is answered with a status below 500 and, when refused, Nova's fault.
func FuzzServerBodies(f *testing.F) {
	img := imagesOf()[0]
	for _, s := range []string{
		`{"server": {"name": "a", "imageRef": "` + img + `", "flavorRef": "1"}}`,
		`{"server": {"name": "a", "imageRef": "` + img + `", "flavorRef": 1, "networks": "none"}}`,
		`{"server": {"name": "a", "imageRef": "x", "flavorRef": "1", "networks": [{"uuid": 5}]}}`,
		`{"server": {"name": " ", "metadata": {"a": 1}, "security_groups": [{}]}}`,
		`{"os-getConsoleOutput": {"length": "-1"}}`, `{"os-getConsoleOutput": {"length": 1.5}}`,
		`{"os-getConsoleOutput": 3}`, `[]`, `null`, `{`, `{"a": 1, "b": 2}`,
		`{"server": {"name": "b", "description": null, "accessIPv4": 4}}`,
		`{"keypair": {"name": "k", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=="}}`, `{"keypair": {"name": "k2", "type": "x509"}}`,
	} {
		f.Add(s, "2.1")
		f.Add(s, "2.37")
	}
	lb := startLab(f, "")
	demo := lb.clients(f, "demo-cloud1", "demo-cloud1", "cloud1")
	code, _, body := call(f, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "fixed", "imageRef": img, "flavorRef": "1"}})
	if code != 202 {
		f.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	lb.advance(20e9)
	f.Fuzz(func(t *testing.T, raw, version string) {
		if strings.ContainsFunc(version, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return // no client can send it
		}
		h := map[string]string{"X-OpenStack-Nova-API-Version": version}
		for _, p := range []string{"POST servers", "POST servers/" + id + "/action", "PUT servers/" + id, "POST os-keypairs"} {
			method, path, _ := strings.Cut(p, " ")
			code, _, body := call(t, demo.compute, method, demo.compute.Endpoint+path, h, raw)
			if code >= 500 {
				t.Fatalf("%s %q: %d %v", p, raw, code, body)
			}
			if code >= 400 && len(body) != 1 {
				t.Fatalf("%s %q: %d %v, not a fault", p, raw, code, body)
			}
			if code == 202 && strings.HasSuffix(p, "/action") {
				t.Fatalf("action answered 202: %v", body)
			}
		}
	})
}

// FuzzFingerprint: any public key line is a fingerprint or refused,
// never a panic; a fingerprint is 16 colon-separated bytes.
func FuzzFingerprint(f *testing.F) {
	pub, _ := newKey("seed")
	for _, s := range []string{pub, "ssh-rsa AAAA", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "x", "", "a b c d", "ssh-rsa /////w=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fp, ok := fingerprint(line)
		if ok && (len(fp) != 47 || strings.Count(fp, ":") != 15) {
			t.Fatalf("%q: fingerprint %q", line, fp)
		}
	})
}
