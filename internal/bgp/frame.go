package bgp

import (
	"errors"
	"io"
	"sync"
)

// readBuffer is how much of the stream a read may take at once during a
// burst: a full table at session start arrives in a few reads rather than
// two per message.
const readBuffer = 64 << 10

// bursts lends the readBuffer-sized buffers: only sessions in a burst
// hold one.
var bursts = sync.Pool{New: func() any { b := make([]byte, readBuffer); return &b }}

// frameReader cuts a stream into BGP messages. Between bursts it waits on
// a buffer of one message's size, its own; a read that fills it borrows a
// readBuffer until a read leaves room, that is until the socket is
// drained. A lab's thousands of quiet sessions then hold 4 KB each rather
// than 64: 180 MB less of a 1,000-router lab over TCP.
type frameReader struct {
	src   io.Reader
	small []byte
	big   *[]byte // borrowed from bursts while a burst lasts
	buf   []byte  // small or *big
	r, w  int     // buf[r:w] is read and not yet framed
	full  bool    // the last read filled the buffer: more is waiting
	err   error   // the read error, reported once buffered bytes run out
}

func newFrameReader(src io.Reader) *frameReader {
	small := make([]byte, maxMessageLen)
	return &frameReader{src: src, small: small, buf: small}
}

// next returns the stream's next n bytes (n at most maxMessageLen), valid
// until the following call. As io.ReadFull, it reports the stream ending
// within them as io.ErrUnexpectedEOF; mid says a message is already begun.
func (f *frameReader) next(n int, mid bool) ([]byte, error) {
	for f.w-f.r < n {
		if f.err != nil {
			if (mid || f.w > f.r) && errors.Is(f.err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, f.err
		}
		f.fill()
	}
	b := f.buf[f.r : f.r+n]
	f.r += n
	return b, nil
}

// fill reads once, into the buffer the burst calls for, the unframed
// bytes moved to its start.
func (f *frameReader) fill() {
	to := f.small
	if f.full {
		if f.big == nil {
			f.big = bursts.Get().(*[]byte)
		}
		to = *f.big
	}
	// What is unframed is less than one message, so it fits either.
	f.w = copy(to, f.buf[f.r:f.w])
	f.r = 0
	if f.big != nil && !f.full {
		bursts.Put(f.big)
		f.big = nil
	}
	f.buf = to
	n, err := f.src.Read(f.buf[f.w:])
	f.full = n == len(f.buf)-f.w
	f.w += n
	if err != nil {
		f.err = err
	}
}

// release gives back a borrowed buffer when the stream ends.
func (f *frameReader) release() {
	if f.big != nil {
		bursts.Put(f.big)
		f.big = nil
	}
}
