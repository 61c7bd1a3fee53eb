package diagram

// The SVG is laid out without a font engine, so text width is estimated
// from advance widths (in em) close to DejaVu Sans, the widest of the usual
// sans-serif defaults: an estimate on the wide side makes boxes a little
// roomy with Helvetica or Arial but never lets text spill out of them.

var asciiEm = func() [128]float64 {
	var t [128]float64
	for i := range t {
		t[i] = 0.62
	}
	set := func(chars string, w float64) {
		for _, c := range chars {
			t[c] = w
		}
	}
	set("0123456789", 0.64)
	set(" .,:;'|!il", 0.32)
	set("jI", 0.30)
	set("ft", 0.40)
	set("r", 0.42)
	set("-()[]/\\", 0.40)
	set("sz", 0.53)
	set("c", 0.56)
	set("kvxy", 0.60)
	set("abdeghnopqu", 0.64)
	set("mw", 0.98)
	set("ABCDEFGHKNPRSTUVXYZ", 0.72)
	set("OQ", 0.79)
	set("JL", 0.57)
	set("MW", 0.99)
	set("_", 0.50)
	return t
}()

// textWidth estimates the rendered width in pixels of s at size px.
func textWidth(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r < 128:
			w += asciiEm[r]
		case r == '·':
			w += 0.32
		default:
			w += 0.70
		}
	}
	if bold {
		w *= 1.09
	}
	return w * size
}
