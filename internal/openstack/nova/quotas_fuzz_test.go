package nova

import (
	"encoding/json"
	"testing"
)

// FuzzQuotaValue: any JSON value for a quota is a limit in [-1,
// 2147483647] or Nova's 400, never a panic.
func FuzzQuotaValue(f *testing.F) {
	for _, s := range []string{`5`, `-1`, `-2`, `"7"`, `"-1"`, `"1e3"`, `1.5`, `2147483648`, `"99999999999999999999"`, `true`, `null`, `[]`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			return
		}
		n, err := parseQuota("instances", v)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || ae.status != 400 {
				t.Fatalf("%s: %v", raw, err)
			}
			return
		}
		if n < -1 || n > 0x7FFFFFFF {
			t.Fatalf("%s: limit %d", raw, n)
		}
	})
}
