package topology

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads a latency or jitter: "30ms", "1.5s", "250us", or 0.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return d, nil
}

// parseLoss reads a loss rate as tc writes it: "1%", "0.5%". A bare number
// is a percentage too. The result is a fraction.
func parseLoss(s string) (float64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	return v / 100, nil
}

// rateUnits are tc's: "bit" units count bits, "bps" units count bytes.
var rateUnits = []struct {
	suffix string
	mult   float64
}{
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3},
	{"tbps", 8e12}, {"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3},
	{"bit", 1}, {"bps", 8},
}

// ParseRate reads a rate as tc does ("100mbit", "1gbit", "10mbps" meaning
// megabytes per second) and returns bits per second.
func ParseRate(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, u := range rateUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil {
				break
			}
			if v < 0 {
				return 0, fmt.Errorf("rate %q is negative", s)
			}
			return uint64(v * u.mult), nil
		}
	}
	return 0, fmt.Errorf("%q is not a rate", s)
}

// FormatRate writes bits per second the way tc prints them.
func FormatRate(bps uint64) string {
	switch {
	case bps == 0:
		return "unlimited"
	case bps%1_000_000_000 == 0:
		return fmt.Sprintf("%dgbit", bps/1_000_000_000)
	case bps%1_000_000 == 0:
		return fmt.Sprintf("%dmbit", bps/1_000_000)
	case bps%1_000 == 0:
		return fmt.Sprintf("%dkbit", bps/1_000)
	}
	return fmt.Sprintf("%dbit", bps)
}

func parseUint32(s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	return uint32(v), err
}
