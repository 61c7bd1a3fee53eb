package bgp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// chunked reads its stream in pieces of sizes the test picks, never more
// than the reader asks for, and records how much each read asked for.
type chunked struct {
	data  []byte
	size  func(asked int) int
	asked []int
}

func (c *chunked) Read(p []byte) (int, error) {
	c.asked = append(c.asked, len(p))
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(c.size(len(p)), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// stream is msgs as BGP messages (marker, length, type, body).
func stream(rng *rand.Rand, count int) ([]byte, [][]byte) {
	var all []byte
	var msgs [][]byte
	for range count {
		n := headerLen + rng.IntN(maxMessageLen-headerLen+1)
		if rng.IntN(2) == 0 {
			n = headerLen + rng.IntN(64) // many small ones, as a keepalive or a short UPDATE
		}
		m := make([]byte, n)
		for i := range 16 {
			m[i] = 0xff
		}
		binary.BigEndian.PutUint16(m[16:18], uint16(n))
		m[18] = 2
		for i := headerLen; i < n; i++ {
			m[i] = byte(rng.IntN(256))
		}
		msgs = append(msgs, m)
		all = append(all, m...)
	}
	return all, msgs
}

// frames reads whole messages from f as tcpConn's reader does.
func frames(t *testing.T, f *frameReader) ([][]byte, error) {
	t.Helper()
	var out [][]byte
	for {
		hdr, err := f.next(headerLen, false)
		if err != nil {
			return out, err
		}
		n := int(binary.BigEndian.Uint16(hdr[16:18]))
		msg := append([]byte(nil), hdr...)
		body, err := f.next(n-headerLen, true)
		if err != nil {
			return out, err
		}
		out = append(out, append(msg, body...))
	}
}

func TestFramesComeOutWholeWhateverTheReadSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		data, msgs := stream(rng, 1+rng.IntN(300))
		src := &chunked{data: data, size: func(asked int) int {
			switch rng.IntN(3) {
			case 0:
				return asked // fills the buffer: a burst
			case 1:
				return 1 + rng.IntN(40)
			default:
				return 1 + rng.IntN(9000)
			}
		}}
		f := newFrameReader(src)
		got, err := frames(t, f)
		f.release()
		if err != io.EOF {
			t.Fatalf("round %d: stream ended with %v, want EOF", round, err)
		}
		if len(got) != len(msgs) {
			t.Fatalf("round %d: %d messages, want %d", round, len(got), len(msgs))
		}
		for i := range msgs {
			if !bytes.Equal(got[i], msgs[i]) {
				t.Fatalf("round %d: message %d differs", round, i)
			}
		}
	}
}

func TestAStreamEndingWithinAMessageIsAnUnexpectedEOF(t *testing.T) {
	data, _ := stream(rand.New(rand.NewPCG(3, 4)), 3)
	for _, cut := range []int{len(data) - 1, len(data) - 30, 5} {
		src := &chunked{data: data[:cut], size: func(asked int) int { return asked }}
		if _, err := frames(t, newFrameReader(src)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("stream cut at %d of %d: %v, want an unexpected EOF", cut, len(data), err)
		}
	}
}

// TestAQuietSessionWaitsOnASmallBuffer: a burst that fills reads is read
// into the large buffer, and once a read leaves room (the socket drained)
// the next read, the one that waits for the peer, is into one message's
// worth again.
func TestAQuietSessionWaitsOnASmallBuffer(t *testing.T) {
	data, msgs := stream(rand.New(rand.NewPCG(5, 6)), 400)
	burst := len(data) - 100 // all but the last 100 bytes come in full reads
	sent := 0
	src := &chunked{data: data, size: func(asked int) int {
		n := asked
		if sent < burst {
			n = min(asked, burst-sent)
		}
		sent += n
		return n
	}}
	f := newFrameReader(src)
	got, err := frames(t, f)
	if err != io.EOF || len(got) != len(msgs) {
		t.Fatalf("%d of %d messages, then %v", len(got), len(msgs), err)
	}
	if !slices.ContainsFunc(src.asked, func(n int) bool { return n > maxMessageLen }) {
		t.Errorf("no read into the large buffer during the burst: %v", src.asked)
	}
	if last := src.asked[len(src.asked)-1]; last > maxMessageLen {
		t.Errorf("the read that waits for more asked for %d bytes, want at most %d", last, maxMessageLen)
	}
	if f.big != nil {
		t.Error("the large buffer is still held once the stream is drained")
	}
}

// FuzzFrameReader: whatever bytes arrive, in whatever pieces, the frame
// reader cuts them as reading header then body with io.ReadFull would,
// and stops at a header whose length no message may have.
func FuzzFrameReader(f *testing.F) {
	data, _ := stream(rand.New(rand.NewPCG(9, 10)), 5)
	f.Add(data, []byte{0, 3, 255})
	f.Add([]byte{0xff, 0xff, 0, 3}, []byte{1})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		i := 0
		src := &chunked{data: data, size: func(asked int) int {
			if len(sizes) == 0 {
				return asked
			}
			i++
			if s := int(sizes[i%len(sizes)]) * 64; s > 0 {
				return s
			}
			return asked
		}}
		fr := newFrameReader(src)
		defer fr.release()
		want := bytes.NewReader(data)
		for {
			hdr, err := fr.next(headerLen, false)
			var wantHdr [headerLen]byte
			_, wantErr := io.ReadFull(want, wantHdr[:])
			if !errors.Is(err, wantErr) || err == nil && !bytes.Equal(hdr, wantHdr[:]) {
				t.Fatalf("header: %v %x, io.ReadFull: %v %x", err, hdr, wantErr, wantHdr)
			}
			if err != nil {
				return
			}
			n := int(binary.BigEndian.Uint16(hdr[16:18]))
			if n < headerLen || n > maxMessageLen {
				return // handed to the FSM, which closes the session
			}
			body, err := fr.next(n-headerLen, true)
			wantBody := make([]byte, n-headerLen)
			_, wantErr = io.ReadFull(want, wantBody)
			if errors.Is(wantErr, io.EOF) {
				wantErr = io.ErrUnexpectedEOF // the message was begun
			}
			if !errors.Is(err, wantErr) || err == nil && !bytes.Equal(body, wantBody) {
				t.Fatalf("body of %d bytes: %v, io.ReadFull: %v", n, err, wantErr)
			}
			if err != nil {
				return
			}
		}
	})
}
