package api

import (
	"strings"
	"testing"
)

// FuzzReadSSE feeds the event-stream reader what a server (or anything
// answering on the lab's address) might send: it must not panic, and no
// event's data may exceed the bound.
func FuzzReadSSE(f *testing.F) {
	f.Add("id: 1\ndata: {}\n\n")
	f.Add(": c\r\ndata:a\r\ndata: b\r\n\r\nid\n\nretry: 5\nevent: x\ndata\n\n")
	f.Add("id: \x00\ndata: x\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		ReadSSE(strings.NewReader(in), func(id, data string) error {
			if len(data) > MaxEventBytes {
				t.Fatalf("event of %d bytes", len(data))
			}
			return nil
		})
	})
}
