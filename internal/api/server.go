package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/metrics"
	"github.com/intercloud/intercloud/internal/router"
)

// Server serves one running lab.
type Server struct {
	lab       *lab.Lab
	started   time.Time
	shutdown  chan struct{}
	closing   chan struct{} // closed by Close, so event streams end
	followers atomic.Int64  // event streams open

	mu        sync.Mutex // guards what bring-up and Serve set while requests read it
	addr      string
	readyIn   time.Duration
	ready     bool
	openstack *OpenStack
	// cloudSummaries reads the clouds' resources (GET /api/v1/clouds).
	cloudSummaries CloudSummaries
	token          string // what /api/v1 requires (Authorization: Bearer)
	bindName       string // the address as the user named it (--api), for Host checks

	// cloudTables reads the clouds' own tables (cloudtables.go).
	cloudTables CloudTables

	log      *slog.Logger
	mux      *http.ServeMux
	patterns []string // the API's own, as mounted (the OpenAPI document's test reads them)
	http     *http.Server
}

// NewServer returns a server for l; Shutdown() is closed when a client
// asks the daemon to stop. It requires a fresh random token (Token) on
// /api/v1 until SetToken gives the one clients read from the state
// directory.
func NewServer(l *lab.Lab, log *slog.Logger) *Server {
	s := &Server{lab: l, started: time.Now(), shutdown: make(chan struct{}), closing: make(chan struct{}), log: log, token: NewToken()}
	m := metrics.New(l)
	mux := http.NewServeMux()
	// Every lab route is wrapped by tokenAndJSON where it is registered,
	// so none can be reached without the token, whatever the path's
	// spelling.
	route := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.tokenAndJSON(h))
		s.patterns = append(s.patterns, pattern)
	}
	public := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, h)
		s.patterns = append(s.patterns, pattern)
	}
	route("GET /api/v1/status", s.status)
	route("POST /api/v1/shutdown", s.stop)
	route("GET /api/v1/nodes", s.nodes)
	route("GET /api/v1/nodes/{node}/{table...}", s.show)
	route("POST /api/v1/nodes/{node}/restart-bgp", s.restartBGP)
	route("POST /api/v1/nodes/{node}/sr-policies", s.addSRPolicy)
	route("DELETE /api/v1/nodes/{node}/sr-policies/{color}/{endpoint}", s.deleteSRPolicy)
	route("GET /api/v1/links", s.links)
	route("PUT /api/v1/links/{a}/{b}", s.changeLink)
	route("POST /api/v1/ping", s.ping)
	route("POST /api/v1/trace", s.trace)
	route("GET /api/v1/capture", s.capture)
	route("GET /api/v1/events", s.events)
	route("GET /api/v1/openstack", s.openStack)
	route("GET /api/v1/topology", s.topology)
	route("GET /api/v1/sessions", s.sessions)
	route("GET /api/v1/clouds", s.clouds)
	// Metrics need the token too (SECURITY.md): Prometheus sends it
	// with authorization.credentials_file.
	route("GET /metrics", m.Handler().ServeHTTP)
	public("GET "+loginPath, s.login) // takes the token in its query
	public("GET "+OpenAPIPath, s.openAPI)
	mux.HandleFunc("/", s.unrouted)
	s.mux = mux
	s.http = &http.Server{Handler: m.Wrap(s.guard(mux)), ReadHeaderTimeout: 10 * time.Second}
	return s
}

// unrouted answers what no pattern serves: 405 with the methods that
// would have been served (ServeMux's own 405 is hidden by the catch-all
// pattern), else 404; both with a JSON body.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeError(w, http.StatusNotFound, fmt.Errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
}

// SetToken sets the token /api/v1 requires (see LoadOrCreateToken).
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// Token is the token /api/v1 requires.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// SetBindName records the API address as the user gave it (--api
// NAME:PORT), so that requests naming that host are accepted besides IP
// literals and localhost.
func (s *Server) SetBindName(hostport string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindName = hostport
}

// Handler is the server's whole HTTP handler, checks included.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Handle serves h at pattern (http.ServeMux's syntax) beside the lab API,
// on the same listener: the daemon mounts the clouds' OpenStack APIs this
// way. Patterns under /api/ are the lab API's own and are refused, as is a
// pattern that conflicts with one already registered.
func (s *Server) Handle(pattern string, h http.Handler) (err error) {
	_, path, _ := strings.Cut(pattern, " ")
	if path == "" {
		path = pattern
	}
	if i := strings.IndexByte(path, '/'); i < 0 || strings.HasPrefix(path[i:], "/api/") {
		return fmt.Errorf("api: cannot mount a handler at %q", pattern)
	}
	defer func() {
		// ServeMux panics on an invalid or conflicting pattern.
		if p := recover(); p != nil {
			err = fmt.Errorf("api: cannot mount a handler at %q: %v", pattern, p)
		}
	}()
	s.mux.Handle(pattern, h)
	return nil
}

// SetOpenStack records the OpenStack APIs mounted with Handle, for
// GET /api/v1/openstack and status.
func (s *Server) SetOpenStack(o *OpenStack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openstack = o
}

// SetReady records when the lab converged, for status.
func (s *Server) SetReady(after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready, s.readyIn = true, after
}

// Shutdown is closed when a client asks the daemon to stop.
func (s *Server) Shutdown() <-chan struct{} { return s.shutdown }

// Serve answers on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server, letting requests in flight finish for a moment.
func (s *Server) Close() error {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.http.Shutdown(ctx)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, Error{Error: err.Error()})
}

// decode reads a JSON body strictly: one JSON value, no unknown field,
// at most MaxBodyBytes. It answers the error itself (413 for a body too
// large, 400 otherwise) and says whether the handler may go on.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Anything after the value, even a second value, is refused:
		// a client that sent two meant something we would not do.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
			var tooBig *http.MaxBytesError
			if errors.As(terr, &tooBig) {
				err = terr
			}
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, errors.New("bad request body: empty, want a JSON object"))
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
	}
	return false
}

// labError answers an error of the lab: 404 for a node, interface or
// link it does not have, 400 for anything else the request asked.
func labError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	if errors.Is(err, lab.ErrNoNode) || errors.Is(err, lab.ErrNoLink) || errors.Is(err, lab.ErrNoInterface) {
		code = http.StatusNotFound
	}
	writeError(w, code, err)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	c := s.lab.Counts()
	s.mu.Lock()
	addr, ready, readyIn, ostack := s.addr, s.ready, s.readyIn, s.openstack
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, Status{
		Topology: s.lab.Model.Name, Source: s.lab.Model.Source, PID: os.Getpid(), API: addr,
		Started: s.started, Uptime: time.Since(s.started), Routers: c.Routers, Links: c.Links, LinksUp: c.LinksUp,
		Adjacencies: c.Adjacencies, LDPSessions: c.LDPSessions, LSPs: c.LSPs,
		BGPSessions: c.BGPSessions, BGPEstablished: c.BGPEstablished, Ready: ready && c.Ready, ReadyAfter: readyIn, OpenStack: ostack,
	})
}

// openStack answers what a client needs to use the clouds' OpenStack
// APIs (an openrc); 404 when the daemon serves none.
func (s *Server) openStack(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.openstack
	s.mu.Unlock()
	if o == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("lab %s serves no OpenStack APIs: its topology has no clouds", s.lab.Model.Name))
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "stopping"})
	select {
	case <-s.shutdown:
	default:
		close(s.shutdown)
	}
}

// NodeInfo is an entry of GET /api/v1/nodes.
type NodeInfo struct {
	Name     string       `json:"name"`
	Role     string       `json:"role"`
	Loopback netip.Prefix `json:"loopback"`
}

func (s *Server) nodes(w http.ResponseWriter, r *http.Request) {
	var out []NodeInfo
	for _, n := range s.lab.Nodes() {
		out = append(out, NodeInfo{Name: n.Model.Name, Role: string(n.Model.Role), Loopback: n.Model.Loopback})
	}
	writeJSON(w, http.StatusOK, out)
}

// Table is the answer of GET /api/v1/nodes/{node}/{table}: the data, and
// the same rendered as the FRR-shaped text the CLI prints.
type Table struct {
	Node  string `json:"node"`
	Table string `json:"table"`
	Data  any    `json:"data"`
	Text  string `json:"text"`
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	node, table := r.PathValue("node"), strings.Trim(r.PathValue("table"), "/")
	if s.cloudTable(w, r, node, table) {
		return
	}
	data, text, err := s.lab.Show(node, table, r.URL.Query().Get("vrf"))
	if err != nil {
		labError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Table{Node: node, Table: table, Data: wireData(data), Text: text})
}

func (s *Server) links(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wireSlice(s.lab.Links(), wireLink))
}

func (s *Server) changeLink(w http.ResponseWriter, r *http.Request) {
	var ch LinkChange
	if !decode(w, r, &ch) {
		return
	}
	if ch.Up == nil && ch.Impairment == nil {
		writeError(w, http.StatusBadRequest, errors.New("nothing to change: give up or impairment"))
		return
	}
	if ch.Impairment != nil {
		if err := validateImpairment(ch.Impairment.dataplane()); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	a, b := r.PathValue("a"), r.PathValue("b")
	// The link is looked up first, so an unknown one is a 404 that
	// changed nothing.
	if _, err := s.lab.FindLinks(a, b); err != nil {
		labError(w, err)
		return
	}
	var infos []lab.LinkInfo
	var err error
	if ch.Impairment != nil {
		if infos, err = s.lab.Impair(a, b, ch.Impairment.dataplane()); err != nil {
			labError(w, err)
			return
		}
	}
	if ch.Up != nil {
		if infos, err = s.lab.SetLinkUp(a, b, *ch.Up); err != nil {
			labError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, wireSlice(infos, wireLink))
}

// restartBGP restarts a node's BGP gracefully (RFC 4724): see
// lab.RestartBGP.
func (s *Server) restartBGP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("node")
	n, ok := s.lab.Node(name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no node %q", name))
		return
	}
	if err := s.lab.RestartBGP(name); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, RestartBGP{Node: name, Speakers: n.BGPSpeakers(), Peers: n.BGPPeerCount(), RestartTime: n.BGP().RestartTime()})
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	var req PingRequest
	if !decode(w, r, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	opts := router.PingOptions{Count: req.Count, Interval: req.Interval, TTL: uint8(req.TTL), Size: req.Size, VRF: req.VRF, Timeout: req.Timeout}
	res, err := s.lab.Ping(r.Context(), req.Src, req.Dst, opts)
	if err != nil {
		labError(w, err)
		return
	}
	from, _, _ := s.lab.Resolve(req.Src)
	names := s.names(from, res.Src, res.Dst)
	for _, rep := range res.Replies {
		s.nameInto(names, from, rep.From)
	}
	writeJSON(w, http.StatusOK, PingResponse{PingResult: wirePingResult(res), Names: names})
}

func (s *Server) trace(w http.ResponseWriter, r *http.Request) {
	var req TraceRequest
	if !decode(w, r, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	opts := router.TraceOptions{MaxHops: req.MaxHops, Probes: req.Probes, VRF: req.VRF, Timeout: req.Timeout}
	res, err := s.lab.Trace(r.Context(), req.Src, req.Dst, opts)
	if err != nil {
		labError(w, err)
		return
	}
	from, _, _ := s.lab.Resolve(req.Src)
	names := s.names(from, res.Src, res.Dst)
	for _, h := range res.Hops {
		for _, p := range h.Probes {
			s.nameInto(names, from, p.From)
		}
	}
	writeJSON(w, http.StatusOK, TraceResponse{TraceResult: wireTraceResult(res), Names: names})
}

// names maps addresses in an answer to the nodes owning them, as node
// from sees them (VPNs may reuse addresses), so the CLI can print
// "10.0.15.199 (p1)".
func (s *Server) names(from string, addrs ...netip.Addr) map[netip.Addr]string {
	m := map[netip.Addr]string{}
	for _, a := range addrs {
		s.nameInto(m, from, a)
	}
	return m
}

func (s *Server) nameInto(m map[netip.Addr]string, from string, a netip.Addr) {
	if n := s.lab.NameSeenFrom(from, a); n != "" {
		m[a] = n
	}
}

// capture streams a pcap of the links between a and b, or of the link on
// interface a: GET /api/v1/capture?a=pe1&b=p1&duration=10s&count=100 or
// ?a=pe1:eth1
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, b := q.Get("a"), q.Get("b")
	if a == "" {
		writeError(w, http.StatusBadRequest, errors.New("give the link: a=NODE&b=NODE, or a=NODE:INTERFACE"))
		return
	}
	var d time.Duration
	if v := q.Get("duration"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad duration %q: want one such as 10s", v))
			return
		}
		if err := CaptureDuration.Check(int64(d)); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	count := 0
	if v := q.Get("count"); v != "" {
		var err error
		if count, err = strconv.Atoi(v); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad count %q: want a number", v))
			return
		}
		if err := CaptureCount.Check(int64(count)); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	if _, err := s.lab.FindLinks(a, b); err != nil {
		labError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
	fw := flushWriter{w: w, f: w.(http.Flusher)}
	if _, err := s.lab.Capture(r.Context(), a, b, fw, d, count); err != nil {
		s.log.Warn("capture", "err", err)
	}
}

// flushWriter pushes each write to the client, so a capture is live.
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func (fw flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	fw.f.Flush()
	return n, err
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if follows(r) {
		s.followEvents(w, r)
		return
	}
	since := time.Time{}
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad since %q: want RFC 3339", v))
			return
		}
		since = t
	}
	writeJSON(w, http.StatusOK, wireSlice(s.lab.Events(since), wireEvent))
}
