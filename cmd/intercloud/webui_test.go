package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/lab"
)

// chromium finds Debian's Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("no chromium: apt-get install chromium (scripts/needs/chromium.sh does it as root)")
	return ""
}

// webLab runs `intercloud up` on a free loopback port, as a user would,
// and returns its address, the web UI's login address (which the test
// checks up printed) and the token; the lab stops at the end of the test.
func webLab(t *testing.T) (addr, loginURL, token string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	useStateDir(t, dir)
	flag := "--api=" + addr
	// Up's bring-up is a second when the machine is idle; the bound is for
	// a machine loaded by other test packages.
	upDone := upConverged(t, 2*time.Minute, flag)
	t.Cleanup(func() {
		run(t, "down", flag)
		select {
		case out := <-upDone:
			if !strings.Contains(out, "web UI: "+loginURL+"\n") {
				t.Errorf("up did not print the web UI's address %s:\n%s", loginURL, out)
			}
		case <-time.After(20 * time.Second):
			t.Error("up did not return after down")
		}
	})
	tok, err := os.ReadFile(filepath.Join(dir, api.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(string(tok))
	return addr, webUIURL(addr, token), token
}

// browser starts headless Chromium with a laptop's screen size.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(1366, 768), // the common laptop screen the page is made for
		chromedp.NoSandbox,             // root in CI containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// Start the browser now, so its start-up is not counted in the
	// first step's bound.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// step runs actions within a bound, failing the test with what it was
// doing.
func step(t *testing.T, ctx context.Context, what string, within time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage text:\n%s", what, err, pageText(ctx))
	}
}

// value evaluates a JavaScript expression on the page.
func value[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v\npage text:\n%s", expr, err, pageText(ctx))
	}
	return v
}

// pageText is what the page shows, for a failure's message.
func pageText(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	return s
}

// shoot saves a screenshot when INTERCLOUD_SCREENSHOTS names a
// directory (to look at the page while working on it).
func shoot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("INTERCLOUD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// poll waits for a JavaScript condition on the page.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))
}

// TestWebUI drives the web UI in headless Chromium as a user would: log
// in with the address up printed, see the seed lab, read pe1's routes,
// trace ce1 to ce2 and see the labelled hops on the map, then bring down
// the core link the path takes and see it turn red and the path move.
func TestWebUI(t *testing.T) {
	exe := chromium(t)
	addr, login, token := webLab(t)
	ctx := browser(t, exe)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	step(t, ctx, "open the page with the login address", 30*time.Second,
		chromedp.Navigate(login),
		chromedp.WaitVisible(css(`#map .node[data-node="pe1"]`)),
	)
	// Every router the lab runs is on the map (a compute node inside its
	// cloud), every link drawn is up and no session is down.
	var nodes []api.NodeInfo
	if err := api.NewClient(addr, token).Do(context.Background(), "GET", "/nodes", nil, nil, &nodes); err != nil {
		t.Fatal(err)
	}
	drawn := value[[]string](t, ctx, `[...document.querySelectorAll("#map [data-node]")].map(n => n.dataset.node)`)
	for _, n := range nodes {
		if !slices.Contains(drawn, n.Name) {
			t.Errorf("router %s is not on the map (%v)", n.Name, drawn)
		}
	}
	step(t, ctx, "links and sessions painted from the lab", 15*time.Second,
		poll(`document.querySelectorAll("#map .edge.up").length == document.querySelectorAll("#map .edge").length &&
			document.querySelectorAll("#map .edge").length > 0 &&
			document.querySelectorAll("#map .session.established").length > 0 &&
			document.querySelectorAll("#map .session.failed").length == 0 &&
			document.querySelector("#counts").innerText.includes("converged")`))
	shoot(t, ctx, "1-map")

	// pe1's routing table holds pe2's loopback, learned by the IGP.
	step(t, ctx, "click pe1 and read its routes", 15*time.Second,
		chromedp.Click(css(`#map .node[data-node="pe1"] .shape`)),
		poll(`(document.querySelector("#node-table") || {}).textContent?.includes("10.255.32.2/32")`),
	)
	if table := value[string](t, ctx, `document.querySelector("#node-table").textContent`); !strings.Contains(table, "O>* 10.255.32.2/32") {
		t.Errorf("pe1's routes lack pe2's loopback as an OSPF route:\n%s", table)
	}
	step(t, ctx, "pe1's LFIB", 10*time.Second,
		chromedp.Click(css(`.subtabs button[data-table="lfib"]`)),
		poll(`(document.querySelector("#node-table") || {}).textContent?.includes("Inbound Label")`),
	)
	shoot(t, ctx, "2-pe1")

	// The trace: hops in the table with the labels they received, and
	// the path drawn on the map from ce1 to ce2.
	step(t, ctx, "trace ce1 to ce2", 20*time.Second,
		chromedp.Click(css(`#side-tabs button[data-tab="trace"]`)),
		chromedp.SetValue(css(`#trace-src`), "ce1"),
		chromedp.SetValue(css(`#trace-dst`), "ce2"),
		chromedp.Click(css(`#trace-run`)),
		poll(`document.querySelector(".trace-sum.ok") !== null`),
	)
	hops := value[[]string](t, ctx, `[...document.querySelectorAll("table.hops tr.hop")].map(r => r.dataset.node)`)
	labels := value[[]string](t, ctx, `[...document.querySelectorAll("table.hops tr.hop td.labels")].map(c => c.textContent)`)
	first := value[string](t, ctx, `document.querySelector('.trace-seg[data-from="pe1"]').dataset.to`)
	if len(hops) != 4 || hops[0] != "pe1" || hops[2] != "pe2" || hops[3] != "ce2" || (hops[1] != "p1" && hops[1] != "p2") {
		t.Fatalf("hops %v, want pe1, p1 or p2, pe2, ce2", hops)
	}
	if !strings.Contains(labels[1], " | ") {
		t.Errorf("the P router received no two-label stack (transport | VPN): %q", labels)
	}
	if first != hops[1] {
		t.Errorf("the path drawn leaves pe1 for %s, the hops say %s", first, hops[1])
	}
	if segs := value[int](t, ctx, `document.querySelectorAll("#trace-layer .trace-seg").length`); segs != 4 {
		t.Errorf("the path drawn has %d segments, want 4 (ce1-pe1-P-pe2-ce2)", segs)
	}
	shoot(t, ctx, "3-trace")

	// Bring down the link from pe1 to the P router the path crosses: it
	// turns red, and the path is traced again over the other P router.
	link := value[string](t, ctx, `document.querySelector('.trace-seg[data-from="pe1"]').dataset.link`)
	other := map[string]string{"p1": "p2", "p2": "p1"}[first]
	step(t, ctx, "bring the link down from the page", 30*time.Second,
		chromedp.Click(css(fmt.Sprintf(`.edge-label[data-link="%s"] rect`, link))),
		chromedp.WaitEnabled(css(`#link-down`)),
		chromedp.Click(css(`#link-down`)),
		poll(fmt.Sprintf(`document.querySelector('#map .edge[data-link="%s"]').classList.contains("down")`, link)),
		chromedp.Click(css(`#side-tabs button[data-tab="trace"]`)),
		poll(fmt.Sprintf(`document.querySelector('.trace-seg[data-from="pe1"][data-to="%s"]') !== null && document.querySelector('.trace-sum.ok') !== null`, other)),
	)
	colour := value[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector('#map .edge[data-link="%s"] .wire')).stroke`, link))
	if colour != "rgb(211, 47, 47)" {
		t.Errorf("the link down is drawn %s, want red", colour)
	}
	step(t, ctx, "the timeline shows the link going down and what it did", 10*time.Second,
		poll(`document.querySelector('#timeline .ev.action[data-kind="link-down"]') !== null &&
			document.querySelector('#timeline .ev[data-kind="adjacency-down"]') !== null &&
			document.querySelector('#incident').textContent.includes("settled")`))
	shoot(t, ctx, "4-link-down")

	// Latency set from the page reaches the link: its label says so,
	// and the timeline records the change.
	step(t, ctx, "set the latency of the link p2-pe2 from the page", 20*time.Second,
		chromedp.Click(css(`.edge-label[data-link="5"] rect`)),
		chromedp.WaitVisible(css(`#imp-latency`)),
		chromedp.SetValue(css(`#imp-latency`), "25"),
		chromedp.SetValue(css(`#imp-loss`), "2"),
		chromedp.Click(css(`form.impair button[type="submit"]`)),
		poll(`document.querySelector('.edge-label[data-link="5"] .lat').textContent == "25 ms · 2% loss"`),
		poll(`document.querySelector('#timeline .ev.action[data-kind="link-impaired"]') !== null`),
	)
	var links []lab.LinkInfo
	if err := api.NewClient(addr, token).Do(context.Background(), "GET", "/links", nil, nil, &links); err != nil {
		t.Fatal(err)
	}
	if im := links[5].Impairment; im.Latency != 25*time.Millisecond || im.Loss != 0.02 {
		t.Errorf("link 5's impairment after the page set it: %+v", im)
	}

	// Each cloud's resources, as its Neutron and Nova hold them.
	step(t, ctx, "the clouds' resources", 15*time.Second,
		chromedp.Click(css(`#side-tabs button[data-tab="clouds"]`)),
		poll(`document.querySelectorAll('#tab-clouds section.cloud').length == 3`),
	)
	cloudText := value[string](t, ctx, `document.querySelector('#tab-clouds').innerText`)
	for _, want := range []string{"cloud1", "joins by dynamic-routing at ce1", "cloud3", "Networks", "VMs", "BGPVPNs", "BGP speakers"} {
		if !strings.Contains(cloudText, want) {
			t.Errorf("clouds tab lacks %q:\n%s", want, cloudText)
		}
	}
	shoot(t, ctx, "5-clouds")
}

// The login address carries the token query-escaped; without an opener
// on PATH, --open says to open the printed address by hand.
func TestWebUIAddressAndOpen(t *testing.T) {
	if got := webUIURL("127.0.0.1:4950", "a+b/c"); got != "http://127.0.0.1:4950/api/v1/login?token=a%2Bb%2Fc" {
		t.Errorf("webUIURL = %s", got)
	}
	t.Setenv("PATH", t.TempDir())
	cmd := newRootCmd()
	var errb strings.Builder
	cmd.SetErr(&errb)
	openBrowser(cmd, "http://127.0.0.1:4950/")
	if !strings.Contains(errb.String(), "open the web UI address above by hand") {
		t.Errorf("openBrowser without an opener says %q", errb.String())
	}
}
