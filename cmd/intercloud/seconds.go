package main

import (
	"fmt"
	"strconv"
	"time"
)

// seconds is a duration flag that also takes a bare number of seconds,
// as ping(8) and traceroute(8) do: -i 0.2 is 200ms, and so is -i 200ms.
type seconds struct{ d *time.Duration }

func secondsFlag(d *time.Duration, def time.Duration) seconds {
	*d = def
	return seconds{d}
}

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return s.d.String()
}

func (s seconds) Set(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || f > 1e6 {
			return fmt.Errorf("%s seconds is out of range (0 to 1000000)", v)
		}
		*s.d = time.Duration(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want seconds (0.2) or a duration (200ms), not %q", v)
	}
	if d < 0 {
		return fmt.Errorf("%s is negative", v)
	}
	*s.d = d
	return nil
}

func (s seconds) Type() string { return "seconds" }
