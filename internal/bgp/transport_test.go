package bgp

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestTCPCarriesABurstWholeAndInOrder sends 5,000 messages of every length
// from a header alone to the largest BGP allows, queued faster than the
// writer drains them, so that they leave in batches (one writev each) and
// arrive many to a read: each must come out whole, in order.
func TestTCPCarriesABurstWholeAndInOrder(t *testing.T) {
	accepted := make(chan Conn, 1)
	bound, stop, err := TCP{}.Listen(netip.MustParseAddrPort("127.0.0.1:0"), func(c Conn) { accepted <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dialled := make(chan Conn, 1)
	TCP{}.Dial(netip.Addr{}, bound, func(c Conn, err error) {
		if err != nil {
			t.Error(err)
		}
		dialled <- c
	})
	var a, b Conn
	for range 2 {
		select {
		case a = <-dialled:
		case b = <-accepted:
		case <-time.After(5 * time.Second):
			t.Fatal("no connection")
		}
	}
	if a == nil || b == nil {
		t.Fatal("the dial failed")
	}
	const n = 5000
	msg := func(i int) []byte {
		l := headerLen + i*7919%(maxMessageLen-headerLen+1)
		m := bytes.Repeat([]byte{byte(i)}, l)
		binary.BigEndian.PutUint16(m[16:18], uint16(l))
		binary.BigEndian.PutUint32(m[0:4], uint32(i))
		return m
	}
	var mu sync.Mutex
	var got [][]byte
	done := make(chan struct{})
	b.Start(func(m []byte) {
		mu.Lock()
		got = append(got, m)
		if len(got) == n {
			close(done)
		}
		mu.Unlock()
	}, func(error) {})
	a.Start(func([]byte) {}, func(error) {})
	for i := range n {
		if err := a.Send(msg(i)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		mu.Lock()
		t.Fatalf("%d of %d messages arrived", len(got), n)
	}
	for i, m := range got {
		if !bytes.Equal(m, msg(i)) {
			t.Fatalf("message %d arrived as %d bytes starting %x, want %d bytes starting %x", i, len(m), m[:4], len(msg(i)), msg(i)[:4])
		}
	}
	a.Close()
	b.Close()
}
