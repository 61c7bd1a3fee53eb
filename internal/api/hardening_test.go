package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// rawServer serves the seed lab (not started: these checks happen before
// any packet moves) on a free loopback port, with an extra handler mounted
// where the daemon mounts the OpenStack APIs.
func rawServer(t *testing.T) (*Server, string) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(m, lab.Options{BGPTransport: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	srv := NewServer(l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Handle("/identity/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("keystone"))
	})); err != nil {
		t.Fatal(err)
	}
	srv.SetOpenStack(&OpenStack{AuthURL: "http://x/identity/v3", Password: "secret-pw"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv, ln.Addr().String()
}

// call sends one request as a browser or a script might and returns the
// status and the body. headers may set Host.
func call(t *testing.T, addr, method, path, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// authed are the headers the CLI sends.
func authed(srv *Server) map[string]string {
	return map[string]string{"Authorization": "Bearer " + srv.Token(), "Content-Type": "application/json"}
}

// errorOf decodes the JSON error body every refusal carries.
func errorOf(t *testing.T, body string) string {
	t.Helper()
	var e Error
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
		t.Fatalf("not a JSON error body: %q", body)
	}
	return e.Error
}

func TestPingCountAboveRangeIsRefusedWith400NamingTheRange(t *testing.T) {
	srv, addr := rawServer(t)
	code, body := call(t, addr, "POST", "/api/v1/ping", `{"src":"ce1","dst":"ce2","count":300000000}`, authed(srv))
	if code != 400 || errorOf(t, body) != "count 300000000 out of range: 1..10000" {
		t.Errorf("%d %s", code, body)
	}
}

func TestEveryNumericFieldOutOfRangeIsA400NamingIt(t *testing.T) {
	srv, addr := rawServer(t)
	for _, c := range []struct{ path, body, want string }{
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","count":4611686018427387904}`, "count 4611686018427387904 out of range: 1..10000"},
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","count":-1}`, "count -1 out of range"},
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","size":65508}`, "size 65508 out of range: 1..65507"},
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","ttl":256}`, "ttl 256 out of range: 1..255"},
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","interval_ns":1000}`, "interval_ns 1µs out of range: 1ms..1m0s"},
		{"/api/v1/ping", `{"src":"ce1","dst":"ce2","timeout_ns":-5}`, "timeout_ns -5ns out of range"},
		{"/api/v1/ping", `{"dst":"ce2"}`, "src is required"},
		{"/api/v1/trace", `{"src":"ce1","dst":"ce2","probes":4611686018427387904}`, "probes 4611686018427387904 out of range: 1..10"},
		{"/api/v1/trace", `{"src":"ce1","dst":"ce2","max_hops":256}`, "max_hops 256 out of range: 1..255"},
		{"/api/v1/links/pe1/p1", `{"impairment":{"latency_ns":3600000000000}}`, "latency_ns 1h0m0s out of range: 0s..10s"},
		{"/api/v1/links/pe1/p1", `{"impairment":{"jitter_ns":-1}}`, "jitter -1ns is negative"},
		{"/api/v1/links/pe1/p1", `{"impairment":{"loss":1.5}}`, "loss 1.5 is not a probability between 0 and 1"},
		{"/api/v1/links/pe1/p1", `{"impairment":{"rate_bps":18446744073709551615}}`, "rate_bps 9223372036854775807 out of range: 0..1000000000000"},
		{"/api/v1/links/pe1/p1", `{"impairment":{"queue_bytes":2147483648}}`, "queue_bytes 2147483648 out of range"},
	} {
		method := "POST"
		if strings.HasPrefix(c.path, "/api/v1/links/") {
			method = "PUT"
		}
		code, body := call(t, addr, method, c.path, c.body, authed(srv))
		if code != 400 || !strings.Contains(errorOf(t, body), c.want) {
			t.Errorf("%s %s: %d %s, want 400 %q", c.path, c.body, code, body, c.want)
		}
	}
	for _, q := range []string{"duration=25h", "count=1000001", "count=-1", "duration=-1s"} {
		code, body := call(t, addr, "GET", "/api/v1/capture?a=pe1&b=p1&"+q, "", authed(srv))
		if code != 400 || !strings.Contains(errorOf(t, body), "out of range") {
			t.Errorf("capture %s: %d %s", q, code, body)
		}
	}
	// Nothing was changed by the refused impairments.
	for _, li := range srv.lab.Links() {
		if li.Impairment.Loss != 0 || li.Impairment.QueueBytes != 0 {
			t.Errorf("link %s-%s impaired by a refused request: %+v", li.A, li.B, li.Impairment)
		}
	}
}

func TestBodyLargerThanTheLimitIsRefusedWith413(t *testing.T) {
	srv, addr := rawServer(t)
	big := `{"src":"` + strings.Repeat("a", MaxBodyBytes) + `","dst":"ce2"}`
	code, body := call(t, addr, "POST", "/api/v1/ping", big, authed(srv))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(errorOf(t, body), "larger than 65536 bytes") {
		t.Errorf("%d %s", code, body)
	}
}

func TestBodyMustBeOneJSONValue(t *testing.T) {
	srv, addr := rawServer(t)
	for body, want := range map[string]string{
		`{"src":"ce1","dst":"ce2"} {"src":"ce1"}`: "trailing data",
		`{"src":"ce1","dst":"ce2"}garbage`:        "trailing data",
		``:                                        "empty",
		`[1,2]`:                                   "bad request body",
		`{"src":"ce1","dst":"ce2","colour":"red"}`: `unknown field "colour"`,
	} {
		code, got := call(t, addr, "POST", "/api/v1/ping", body, authed(srv))
		if code != 400 || !strings.Contains(errorOf(t, got), want) {
			t.Errorf("%q: %d %s, want 400 %q", body, code, got, want)
		}
	}
}

func TestUnknownNodesAndLinksAre404Everywhere(t *testing.T) {
	srv, addr := rawServer(t)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/ping", `{"src":"nope","dst":"ce2"}`},
		{"POST", "/api/v1/ping", `{"src":"ce1","dst":"nope"}`},
		{"POST", "/api/v1/ping", `{"src":"ce1:eth9","dst":"ce2"}`},
		{"POST", "/api/v1/trace", `{"src":"nope","dst":"ce2"}`},
		{"GET", "/api/v1/nodes/nope/route", ""},
		{"POST", "/api/v1/nodes/nope/restart-bgp", ""},
		{"PUT", "/api/v1/links/nope/p1", `{"up":false}`},
		{"PUT", "/api/v1/links/ce1/ce2", `{"up":false}`},
		{"PUT", "/api/v1/links/pe1/p1:eth9", `{"impairment":{"loss":0.5}}`},
		{"GET", "/api/v1/capture?a=nope&b=p1", ""},
		{"GET", "/api/v1/capture?a=pe1:eth9", ""},
		{"GET", "/api/v1/nope", ""},
	} {
		code, body := call(t, addr, c.method, c.path, c.body, authed(srv))
		if code != 404 {
			t.Errorf("%s %s %s: %d %s, want 404", c.method, c.path, c.body, code, body)
		}
		errorOf(t, body)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	srv, addr := rawServer(t)
	req, _ := http.NewRequest("DELETE", "http://"+addr+"/api/v1/ping", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" || !strings.Contains(errorOf(t, string(b)), "not allowed") {
		t.Errorf("%d Allow %q %s", resp.StatusCode, resp.Header.Get("Allow"), b)
	}
	if code, body := call(t, addr, "GET", "/api/v1/shutdown", "", authed(srv)); code != 405 {
		t.Errorf("GET shutdown: %d %s", code, body)
	}
}

func TestLabAPIWithoutTheTokenIs401AndServesNoSecret(t *testing.T) {
	srv, addr := rawServer(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + srv.Token(), "Bearer"} {
		code, body := call(t, addr, "GET", "/api/v1/openstack", "", map[string]string{"Authorization": auth})
		if code != 401 || strings.Contains(body, "secret-pw") || !strings.Contains(errorOf(t, body), TokenFile) {
			t.Errorf("Authorization %q: %d %s", auth, code, body)
		}
	}
	// No spelling of a lab path reaches a handler without the token.
	noToken := map[string]string{"Content-Type": "application/json"}
	for _, p := range []string{"/identity/../api/v1/shutdown", "//api/v1/shutdown", "/api/v1/./shutdown", "/api/v1/%73hutdown", "/api/v1/shutdown/", "/API/v1/shutdown"} {
		if code, body := call(t, addr, "POST", p, "", noToken); code/100 == 2 {
			t.Errorf("POST %s without the token: %d %s", p, code, body)
		}
	}
	select {
	case <-srv.Shutdown():
		t.Fatal("a request without the token stopped the lab")
	default:
	}
	code, body := call(t, addr, "GET", "/api/v1/openstack", "", authed(srv))
	if code != 200 || !strings.Contains(body, "secret-pw") {
		t.Errorf("with the token: %d %s", code, body)
	}
	// The OpenStack APIs beside it keep their own authentication.
	if code, body := call(t, addr, "GET", "/identity/v3", "", nil); code != 200 || body != "keystone" {
		t.Errorf("identity without the lab token: %d %s", code, body)
	}
}

// The attack of issue 15: any web page could stop the lab with a form
// or a no-cors fetch, which is a text/plain POST from a foreign origin.
func TestCrossOriginTextPlainShutdownIsRefusedAndTheLabKeepsRunning(t *testing.T) {
	srv, addr := rawServer(t)
	for _, h := range []map[string]string{
		{"Content-Type": "text/plain", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
		{"Content-Type": "text/plain", "Origin": "http://evil.example"},
		// Even with the token (were it leaked), a foreign page is refused.
		{"Content-Type": "application/json", "Origin": "http://evil.example", "Authorization": "Bearer " + srv.Token()},
	} {
		if code, body := call(t, addr, "POST", "/api/v1/shutdown", "{}", h); code != 403 || !strings.Contains(errorOf(t, body), "cross-origin") {
			t.Errorf("%v: %d %s", h, code, body)
		}
	}
	// A script with the token but a form's content type is refused too.
	h := authed(srv)
	h["Content-Type"] = "text/plain"
	if code, body := call(t, addr, "POST", "/api/v1/shutdown", "", h); code != 415 {
		t.Errorf("text/plain with the token: %d %s", code, body)
	}
	select {
	case <-srv.Shutdown():
		t.Fatal("the lab was told to stop")
	default:
	}
	// The lab's own origin, with the token, may.
	h = authed(srv)
	h["Origin"] = "http://" + addr
	if code, body := call(t, addr, "POST", "/api/v1/shutdown", "", h); code != 202 {
		t.Errorf("same origin: %d %s", code, body)
	}
}

// DNS rebinding: a hostile name re-pointed at 127.0.0.1 reaches the
// socket, but its requests carry that name.
func TestRequestsForAnotherHostNameAreRefused(t *testing.T) {
	srv, addr := rawServer(t)
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"evil.example:" + port, "localhost.evil.example", "127.0.0.1.nip.io:" + port} {
		for _, path := range []string{"/api/v1/status", "/identity/v3"} {
			h := authed(srv)
			h["Host"] = host
			if code, body := call(t, addr, "GET", path, "", h); code != 403 || !strings.Contains(errorOf(t, body), "not this lab's address") {
				t.Errorf("Host %q %s: %d %s", host, path, code, body)
			}
		}
	}
	for _, host := range []string{addr, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.1"} {
		h := authed(srv)
		h["Host"] = host
		if code, body := call(t, addr, "GET", "/api/v1/status", "", h); code != 200 {
			t.Errorf("Host %q: %d %s", host, code, body)
		}
	}
	// The name the daemon was bound to is its own.
	srv.SetBindName("lab.internal:" + port)
	h := authed(srv)
	h["Host"] = "lab.internal:" + port
	if code, body := call(t, addr, "GET", "/api/v1/status", "", h); code != 200 {
		t.Errorf("bound name: %d %s", code, body)
	}
}

func TestTokenFileIsPrivateAndKeptAcrossStarts(t *testing.T) {
	t.Setenv(EnvToken, "")
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(dir, 0o755); err != nil { // as up -d made it before
		t.Fatal(err)
	}
	tok, err := LoadOrCreateToken(dir)
	if err != nil || !validToken(tok) {
		t.Fatalf("%q %v", tok, err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir %v, want 0700", fi.Mode().Perm())
	}
	path := filepath.Join(dir, TokenFile)
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("token file %v, want 0600", fi.Mode().Perm())
	}
	if again, _ := LoadOrCreateToken(dir); again != tok {
		t.Errorf("a restart changed a private token")
	}
	if read, err := ReadToken(dir); read != tok || err != nil {
		t.Errorf("ReadToken %q %v", read, err)
	}
	// A token others could read is no secret: it is replaced.
	os.Chmod(path, 0o644)
	if fresh, _ := LoadOrCreateToken(dir); fresh == tok {
		t.Errorf("a world-readable token was kept")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("token file %v after replacing, want 0600", fi.Mode().Perm())
	}
	t.Setenv(EnvToken, "from-env")
	if read, _ := ReadToken(dir); read != "from-env" {
		t.Errorf("$%s ignored: %q", EnvToken, read)
	}
	if read, err := ReadToken(t.TempDir()); read != "from-env" || err != nil {
		t.Errorf("no file: %q %v", read, err)
	}
}

func TestClientSendsTheTokenItIsGiven(t *testing.T) {
	srv, addr := rawServer(t)
	var se *StatusError
	if _, err := NewClient(addr, "").Status(context.Background()); !errors.As(err, &se) || se.Code != 401 {
		t.Errorf("no token: %v", err)
	}
	if _, err := NewClient(addr, srv.Token()).Status(context.Background()); err != nil {
		t.Errorf("with the token: %v", err)
	}
	// A POST without a body still carries the JSON content type.
	if err := NewClient(addr, srv.Token()).Do(context.Background(), "POST", "/shutdown", nil, nil, nil); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// A browser logs in once with the token in the URL (as with Jupyter) and
// then uses the daemon's pages by cookie; other pages still cannot.
func TestBrowserLogsInWithTheTokenURLAndKeepsACookie(t *testing.T) {
	srv, addr := rawServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := noRedirect.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("/api/v1/login?token=wrong"); resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d %v", resp.StatusCode, resp.Cookies())
	}
	resp := get("/api/v1/login?token=" + srv.Token() + "&next=//evil.example/x")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("login: %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == tokenCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %+v, want HttpOnly SameSite=Strict", cookie)
	}
	c := "intercloud_token=" + cookie.Value
	if code, body := call(t, addr, "GET", "/api/v1/status", "", map[string]string{"Cookie": c}); code != 200 {
		t.Errorf("status by cookie: %d %s", code, body)
	}
	if code, body := call(t, addr, "GET", "/api/v1/status", "", map[string]string{"Cookie": "intercloud_token=wrong"}); code != 401 {
		t.Errorf("status by a wrong cookie: %d %s", code, body)
	}
	h := map[string]string{"Cookie": c, "Content-Type": "application/json", "Origin": "http://evil.example"}
	if code, body := call(t, addr, "POST", "/api/v1/shutdown", "", h); code != 403 {
		t.Errorf("foreign page riding on the cookie: %d %s", code, body)
	}
}
