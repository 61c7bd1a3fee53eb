package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Addr returns the API address: flag if set, else $INTERCLOUD_API, else DefaultAddr.
func Addr(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(EnvAddr); env != "" {
		return env
	}
	return DefaultAddr
}

// ErrNotRunning means nothing answers at the API address.
var ErrNotRunning = errors.New("no lab is running")

// Client talks to a running lab daemon.
type Client struct {
	Addr  string
	Token string // the lab's token (ReadToken), sent as a bearer token
	HTTP  *http.Client
}

// NewClient returns a client for the daemon at addr that sends token.
func NewClient(addr, token string) *Client {
	return &Client{Addr: addr, Token: token, HTTP: &http.Client{Timeout: 10 * time.Minute}}
}

// authorize adds what the daemon requires of every /api/v1 request.
func (c *Client) authorize(req *http.Request) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if changes(req.Method) {
		req.Header.Set("Content-Type", "application/json")
	}
}

func (c *Client) url(path string, q url.Values) string {
	u := "http://" + c.Addr + "/api/v1" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// Do sends a request with an optional JSON body and decodes a JSON answer
// into out (when out is not nil).
func (c *Client) Do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), rd)
	if err != nil {
		return err
	}
	c.authorize(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return c.wrap(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e Error
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return &StatusError{Code: resp.StatusCode, Msg: e.Error}
		}
		return &StatusError{Code: resp.StatusCode, Msg: string(b)}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Stream sends a GET and copies the answer's body to w (for captures).
func (c *Client) Stream(ctx context.Context, path string, q url.Values, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path, q), nil)
	if err != nil {
		return 0, err
	}
	c.authorize(req)
	hc := *c.HTTP
	hc.Timeout = 0 // a capture lasts as long as asked
	resp, err := hc.Do(req)
	if err != nil {
		return 0, c.wrap(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e Error
		json.NewDecoder(resp.Body).Decode(&e)
		return 0, &StatusError{Code: resp.StatusCode, Msg: e.Error}
	}
	return io.Copy(w, resp.Body)
}

func (c *Client) wrap(err error) error {
	var opErr *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &opErr) && opErr.Op == "dial") {
		return fmt.Errorf("%w (nothing answers on %s; start one with intercloud up)", ErrNotRunning, c.Addr)
	}
	return err
}

// Status fetches the daemon's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.Do(ctx, http.MethodGet, "/status", nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// OpenStack fetches what a client needs to use the clouds' OpenStack APIs.
func (c *Client) OpenStack(ctx context.Context) (*OpenStack, error) {
	var o OpenStack
	if err := c.Do(ctx, http.MethodGet, "/openstack", nil, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Shutdown asks the daemon to stop; it answers before it stops.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/shutdown", nil, nil, nil)
}

// Nodes lists the lab's routers.
func (c *Client) Nodes(ctx context.Context) ([]NodeInfo, error) {
	var out []NodeInfo
	return out, c.Do(ctx, http.MethodGet, "/nodes", nil, nil, &out)
}

// Show fetches one of a node's tables (words joined by spaces or '/',
// as lab.Tables spells them); vrf may be "". The answer's Data holds the
// table's wire type (RouteTable, []LFIBEntry, []BGPNeighbor, ...: see
// tableData), or the decoded JSON for a table this client does not know.
func (c *Client) Show(ctx context.Context, node, table, vrf string) (*Table, error) {
	var q url.Values
	if vrf != "" {
		q = url.Values{"vrf": {vrf}}
	}
	words := strings.FieldsFunc(table, func(r rune) bool { return r == '/' || r == ' ' })
	for i, w := range words {
		words[i] = url.PathEscape(w)
	}
	var raw struct {
		Node  string          `json:"node"`
		Table string          `json:"table"`
		Data  json.RawMessage `json:"data"`
		Text  string          `json:"text"`
	}
	if err := c.Do(ctx, http.MethodGet, "/nodes/"+url.PathEscape(node)+"/"+strings.Join(words, "/"), q, nil, &raw); err != nil {
		return nil, err
	}
	t := &Table{Node: raw.Node, Table: raw.Table, Text: raw.Text}
	if p := tableValue(table); p != nil {
		if err := json.Unmarshal(raw.Data, p); err != nil {
			return nil, fmt.Errorf("table %s of %s: %w", table, node, err)
		}
		t.Data = reflect.ValueOf(p).Elem().Interface()
		return t, nil
	}
	if err := json.Unmarshal(raw.Data, &t.Data); err != nil {
		return nil, fmt.Errorf("table %s of %s: %w", table, node, err)
	}
	return t, nil
}

// RestartBGP restarts a node's BGP gracefully (RFC 4724).
func (c *Client) RestartBGP(ctx context.Context, node string) (*RestartBGP, error) {
	var out RestartBGP
	if err := c.Do(ctx, http.MethodPost, "/nodes/"+url.PathEscape(node)+"/restart-bgp", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddSRPolicy installs an SR policy on the headend node and returns the
// headend's policies.
func (c *Client) AddSRPolicy(ctx context.Context, node string, p SRPolicy) ([]SRPolicyState, error) {
	var out []SRPolicyState
	return out, c.Do(ctx, http.MethodPost, "/nodes/"+url.PathEscape(node)+"/sr-policies", nil, p, &out)
}

// DeleteSRPolicy removes the headend's policy of that color and endpoint
// (a node or its loopback).
func (c *Client) DeleteSRPolicy(ctx context.Context, node string, color uint32, endpoint string) error {
	path := "/nodes/" + url.PathEscape(node) + "/sr-policies/" + strconv.FormatUint(uint64(color), 10) + "/" + url.PathEscape(endpoint)
	return c.Do(ctx, http.MethodDelete, path, nil, nil, nil)
}

// SRPolicies lists a headend's SR policies (its sr-policy table).
func (c *Client) SRPolicies(ctx context.Context, node string) ([]SRPolicyState, error) {
	t, err := c.Show(ctx, node, "sr-policy", "")
	if err != nil {
		return nil, err
	}
	ps, _ := t.Data.([]SRPolicyState)
	return ps, nil
}

// Links lists the lab's links with their state, impairment and counters.
func (c *Client) Links(ctx context.Context) ([]Link, error) {
	var out []Link
	return out, c.Do(ctx, http.MethodGet, "/links", nil, nil, &out)
}

// ChangeLink takes the links between a and b (NODE or NODE:INTERFACE)
// up or down, or changes their impairment, and returns them changed.
func (c *Client) ChangeLink(ctx context.Context, a, b string, ch LinkChange) ([]Link, error) {
	var out []Link
	return out, c.Do(ctx, http.MethodPut, "/links/"+url.PathEscape(a)+"/"+url.PathEscape(b), nil, ch, &out)
}

// Ping pings across the lab.
func (c *Client) Ping(ctx context.Context, req PingRequest) (*PingResponse, error) {
	var out PingResponse
	if err := c.Do(ctx, http.MethodPost, "/ping", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Trace traces a path across the lab.
func (c *Client) Trace(ctx context.Context, req TraceRequest) (*TraceResponse, error) {
	var out TraceResponse
	if err := c.Do(ctx, http.MethodPost, "/trace", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaptureRequest says what to capture: the links between A and B, or
// the link on interface A (NODE:INTERFACE) when B is "".
type CaptureRequest struct {
	A, B     string
	Duration time.Duration // 0: until ctx ends
	Count    int           // 0: no limit
}

// Capture writes a pcap of the link's frames to w and returns how many
// bytes it wrote.
func (c *Client) Capture(ctx context.Context, r CaptureRequest, w io.Writer) (int64, error) {
	q := url.Values{"a": {r.A}}
	if r.B != "" {
		q.Set("b", r.B)
	}
	if r.Duration > 0 {
		q.Set("duration", r.Duration.String())
	}
	if r.Count > 0 {
		q.Set("count", strconv.Itoa(r.Count))
	}
	return c.Stream(ctx, "/capture", q, w)
}

// Events fetches the lab's events after since (all of them when since
// is zero).
func (c *Client) Events(ctx context.Context, since time.Time) ([]Event, error) {
	var q url.Values
	if !since.IsZero() {
		q = url.Values{"since": {since.Format(time.RFC3339Nano)}}
	}
	var out []Event
	return out, c.Do(ctx, http.MethodGet, "/events", q, nil, &out)
}

// Topology fetches the model laid out for drawing, the picture `graph`
// draws.
func (c *Client) Topology(ctx context.Context) (*Topology, error) {
	var out Topology
	if err := c.Do(ctx, http.MethodGet, "/topology", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Sessions fetches the BGP sessions' states.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var out []Session
	return out, c.Do(ctx, http.MethodGet, "/sessions", nil, nil, &out)
}

// Clouds fetches each cloud's OpenStack resources.
func (c *Client) Clouds(ctx context.Context) ([]CloudSummary, error) {
	var out []CloudSummary
	return out, c.Do(ctx, http.MethodGet, "/clouds", nil, nil, &out)
}

// Metrics fetches the Prometheus metrics, in the text format.
func (c *Client) Metrics(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Addr+"/metrics", nil)
	if err != nil {
		return "", err
	}
	return c.text(req)
}

// OpenAPIDocument fetches the daemon's OpenAPI document.
func (c *Client) OpenAPIDocument(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Addr+OpenAPIPath, nil)
	if err != nil {
		return nil, err
	}
	s, err := c.text(req)
	return []byte(s), err
}

// text sends req and returns the body of a 2xx answer.
func (c *Client) text(req *http.Request) (string, error) {
	c.authorize(req)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", c.wrap(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return "", &StatusError{Code: resp.StatusCode, Msg: e.Error}
		}
		return "", &StatusError{Code: resp.StatusCode, Msg: string(b)}
	}
	return string(b), err
}

// StatusError is an API answer with an error status.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string { return e.Msg }
