package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MaxEventBytes bounds one event of a stream the client reads, so a
// misbehaving server cannot make it buffer without end.
const MaxEventBytes = 1 << 20

// Follow streams the lab's events (GET /api/v1/events?follow=1) to fn as
// they come, until ctx ends, the lab stops (nil) or fn fails. q may hold
// since or after.
func (c *Client) Follow(ctx context.Context, q url.Values, fn func(NumberedEvent) error) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("follow", "1")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("/events", q), nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	req.Header.Set("Accept", "text/event-stream")
	hc := *c.HTTP
	hc.Timeout = 0 // a stream lasts as long as the lab
	resp, err := hc.Do(req)
	if err != nil {
		return c.wrap(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e Error
		json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return &StatusError{Code: resp.StatusCode, Msg: e.Error}
	}
	err = ReadSSE(resp.Body, func(id, data string) error {
		var e NumberedEvent
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return fmt.Errorf("event %s: %w", id, err)
		}
		return fn(e)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// ReadSSE reads a text/event-stream and calls fn with each event's id
// and data (data lines joined by newlines), as the WHATWG rules say:
// comments and unknown fields are skipped, an event without data is not
// dispatched, the id carries over to later events.
func ReadSSE(r io.Reader, fn func(id, data string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), MaxEventBytes)
	var id string
	var data strings.Builder
	has := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if has {
				if err := fn(id, data.String()); err != nil {
					return err
				}
			}
			data.Reset()
			has = false
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			if !strings.ContainsRune(value, 0) {
				id = value
			}
		case "data":
			if has {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			has = true
			if data.Len() > MaxEventBytes {
				return fmt.Errorf("event larger than %d bytes", MaxEventBytes)
			}
		}
	}
	return sc.Err()
}
