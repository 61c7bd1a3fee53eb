package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
)

// KeepAlive is how often a quiet event stream sends a comment, so that
// proxies keep it open and a departed client is noticed.
var KeepAlive = 15 * time.Second

// follows says whether r asks for the event stream rather than the log:
// ?follow=1, or a browser's EventSource (Accept: text/event-stream).
func follows(r *http.Request) bool {
	if v := r.URL.Query().Get("follow"); v != "" && v != "0" && v != "false" {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// followEvents streams the lab's events as Server-Sent Events, each a
// JSON object with its id, until the client leaves or the lab stops. It
// starts after Last-Event-ID (what EventSource sends on reconnecting) or
// ?after=ID; with ?since=TIME at the first event after it; otherwise
// with the next event.
func (s *Server) followEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after := s.lab.LastEventID()
	var since time.Time
	resume := r.Header.Get("Last-Event-ID")
	if resume == "" {
		resume = q.Get("after")
	}
	switch {
	case resume != "":
		id, err := strconv.ParseUint(resume, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad event id %q: want the id of an event", resume))
			return
		}
		after = id
	case q.Get("since") != "":
		t, err := time.Parse(time.RFC3339Nano, q.Get("since"))
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad since %q: want RFC 3339", q.Get("since")))
			return
		}
		after, since = 0, t
	}
	f, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("this connection cannot stream"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f.Flush()
	s.followers.Add(1)
	defer s.followers.Add(-1)
	tick := time.NewTicker(KeepAlive)
	defer tick.Stop()
	for {
		evs, next, open := s.lab.EventsAfter(after)
		for _, e := range evs {
			after = e.ID
			if e.Time.After(since) {
				if err := writeEvent(w, e); err != nil {
					return
				}
			}
		}
		f.Flush()
		if !open {
			return
		}
		select {
		case <-next:
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.shutdown:
			return
		case <-s.closing:
			return
		}
	}
}

// Followers is how many clients follow the event stream now.
func (s *Server) Followers() int { return int(s.followers.Load()) }

func writeEvent(w http.ResponseWriter, e lab.NumberedEvent) error {
	b, err := json.Marshal(wireNumberedEvent(e))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.ID, b)
	return err
}
