package dataplane

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Tap observes the frames a link carries.
//
// A link calls its taps for every frame a port puts on the wire — after the
// admin, MTU and queue checks, before loss — with the clock's time at the
// send: what a capture on the sending interface shows. Frames the random
// loss then takes are captured (they were sent); frames dropped before the
// wire are not. The call happens with the link direction locked, so a tap
// must be quick, must not call back into the link, and must copy what it
// keeps of frame.
type Tap interface {
	Tap(at time.Time, from *Port, frame []byte)
}

// TapFunc adapts a function to a Tap.
type TapFunc func(at time.Time, from *Port, frame []byte)

// Tap calls f.
func (f TapFunc) Tap(at time.Time, from *Port, frame []byte) { f(at, from, frame) }

// AddTap starts t observing both directions of the link and returns a
// function that stops it. One tap may watch many links, to capture a whole
// path into one file.
func (l *Link) AddTap(t Tap) (remove func()) {
	// Copy on write: the per-frame path only loads a pointer. Taps are
	// held by pointer so that one can be removed even when it is a func
	// (funcs are not comparable).
	entry := &tapEntry{t}
	l.mu.Lock()
	defer l.mu.Unlock()
	var taps []*tapEntry
	if old := l.taps.Load(); old != nil {
		taps = slices.Clone(*old)
	}
	taps = append(taps, entry)
	l.taps.Store(&taps)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			old := *l.taps.Load()
			i := slices.Index(old, entry)
			taps := slices.Delete(slices.Clone(old), i, i+1)
			l.taps.Store(&taps)
		})
	}
}

type tapEntry struct{ t Tap }

func (l *Link) tap(at time.Time, from *Port, frame []byte) {
	taps := l.taps.Load()
	if taps == nil {
		return
	}
	for _, t := range *taps {
		t.t.Tap(at, from, frame)
	}
}

// snapLen is the capture length in the pcap header; frames are never cut.
const snapLen = 262144

// PcapWriter is a Tap that writes the frames it sees to a pcap file with
// link type Ethernet and nanosecond timestamps from the link's clock, so
// Wireshark and tshark decode the Ethernet, MPLS, IPv4, ICMP and UDP in it
// directly. It buffers: call Flush before reading the file. It is safe for
// concurrent use by many links.
type PcapWriter struct {
	mu     sync.Mutex
	buf    *bufio.Writer
	pcap   *pcapgo.Writer
	frames int
	err    error
}

// NewPcapWriter writes a pcap file header to w and returns a writer for the
// frames.
func NewPcapWriter(w io.Writer) (*PcapWriter, error) {
	buf := bufio.NewWriter(w)
	pw := pcapgo.NewWriterNanos(buf)
	if err := pw.WriteFileHeader(snapLen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	return &PcapWriter{buf: buf, pcap: pw}, nil
}

// Tap writes one frame. After a write error it writes nothing more; Flush
// and Err report the error.
func (w *PcapWriter) Tap(at time.Time, _ *Port, frame []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(frame), Length: len(frame)}
	if err := w.pcap.WritePacket(ci, frame); err != nil {
		w.err = fmt.Errorf("pcap: %w", err)
		return
	}
	w.frames++
}

// Frames returns how many frames have been written.
func (w *PcapWriter) Frames() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.frames
}

// Flush writes buffered frames through to the underlying writer.
func (w *PcapWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := w.buf.Flush(); err != nil {
		w.err = fmt.Errorf("pcap: %w", err)
	}
	return w.err
}

// Err returns the first error writing frames, if any.
func (w *PcapWriter) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
