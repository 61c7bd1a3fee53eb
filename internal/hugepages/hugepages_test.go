package hugepages

import "testing"

func TestTheSystemsSettingIsTheBracketedChoice(t *testing.T) {
	for s, want := range map[string]Mode{
		"always [madvise] never\n":                     Madvise,
		"[always] madvise never\n":                     Always,
		"always madvise [never]\n":                     Never,
		"always defer defer+madvise [madvise] never\n": Madvise, // the defrag file's shape
	} {
		if got, ok := parseMode(s); !ok || got != want {
			t.Errorf("parseMode(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	if got, ok := parseMode("always madvise never"); ok {
		t.Errorf("parseMode with no choice = %q, want none", got)
	}
}
