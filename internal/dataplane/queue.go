package dataplane

// Queue reports what this port has sent that the link has not yet
// delivered: frames in flight (queued, serializing or propagating) and
// the bytes still waiting for a rate-limited line. Read at scrape time by
// metrics, so nothing extra is counted per frame.
func (p *Port) Queue() (frames int, backlog uint64) {
	d := p.out
	d.mu.Lock()
	defer d.mu.Unlock()
	frames = d.flight.len()
	if d.imp.Rate > 0 {
		backlog = bytesIn(d.busyUntil.Sub(d.link.clk.Now()), d.imp.Rate)
	}
	return frames, backlog
}
