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

// StatusError is an API answer with an error status.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string { return e.Msg }
