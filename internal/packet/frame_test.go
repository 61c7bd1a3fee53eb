package packet

import (
	"bytes"
	"errors"
	"testing"
)

func TestFramePushPull(t *testing.T) {
	f := NewFrame(8, 16)
	if err := f.Append([]byte("payload")); err != nil {
		t.Fatal(err)
	}
	h, err := f.Push(3)
	if err != nil {
		t.Fatal(err)
	}
	copy(h, "hdr")
	if got := string(f.Bytes()); got != "hdrpayload" {
		t.Fatalf("after push: %q", got)
	}
	if f.Headroom() != 5 {
		t.Errorf("Headroom = %d, want 5", f.Headroom())
	}
	if _, err := f.Push(6); !errors.Is(err, ErrNoHeadroom) {
		t.Errorf("Push beyond headroom: err = %v, want ErrNoHeadroom", err)
	}
	p, err := f.Pull(3)
	if err != nil || string(p) != "hdr" {
		t.Fatalf("Pull = %q, %v", p, err)
	}
	if _, err := f.Pull(8); !errors.Is(err, ErrTruncated) {
		t.Errorf("Pull beyond data: err = %v, want ErrTruncated", err)
	}
	if err := f.Truncate(3); err != nil || string(f.Bytes()) != "pay" {
		t.Fatalf("Truncate: %q, %v", f.Bytes(), err)
	}
	if _, err := f.Extend(14); !errors.Is(err, ErrNoHeadroom) {
		t.Errorf("Extend beyond tailroom: err = %v, want ErrNoHeadroom", err)
	}
	f.Reset()
	if f.Len() != 0 || f.Headroom() != 8 || f.Tailroom() != 16 {
		t.Errorf("after Reset: len %d headroom %d tailroom %d", f.Len(), f.Headroom(), f.Tailroom())
	}
}

func TestFrameBytesDoesNotExposeTailroom(t *testing.T) {
	f := NewFrame(0, 16)
	_ = f.SetBytes([]byte("ab"))
	b := append(f.Bytes(), 'c') // must copy, not write into the frame
	_ = f.Append([]byte("x"))
	if string(b) != "abc" || string(f.Bytes()) != "abx" {
		t.Fatalf("append through Bytes wrote into the frame: %q %q", b, f.Bytes())
	}
}

func TestFramePoolRecycles(t *testing.T) {
	p := NewFramePool(DefaultHeadroom, 64)
	f := p.Get()
	_ = f.SetBytes([]byte("hello"))
	_, _ = f.Push(4)
	c := f.Clone()
	if !bytes.Equal(c.Bytes(), f.Bytes()) || c == f {
		t.Fatalf("Clone = %q, want a copy of %q", c.Bytes(), f.Bytes())
	}
	f.Release()
	c.Release()
	g := p.Get()
	if g.Len() != 0 || g.Headroom() != DefaultHeadroom {
		t.Errorf("pooled frame not reset: len %d headroom %d", g.Len(), g.Headroom())
	}
	g.Release()
}

func TestFrameDoubleReleasePanics(t *testing.T) {
	for _, f := range []*Frame{NewFramePool(0, 8).Get(), NewFrame(0, 8)} {
		f.Release()
		func() {
			defer func() {
				if recover() == nil {
					t.Error("second Release did not panic")
				}
			}()
			f.Release()
		}()
	}
}
