package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readme is the README, read from the repository's root.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// excerpt is what the README shows after "$ CMD", up to the next prompt
// or the end of the block.
func excerpt(t *testing.T, doc, cmd string) []string {
	t.Helper()
	_, after, ok := strings.Cut(doc, "$ "+cmd+"\n")
	if !ok {
		t.Fatalf("the README does not run %q", cmd)
	}
	var lines []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "$ ") || strings.HasPrefix(line, "```") {
			break
		}
		lines = append(lines, line)
	}
	return lines
}

// Every file under examples/ that the README uses is in the repository.
func TestTheREADMEsExampleFilesExist(t *testing.T) {
	doc := readme(t)
	files := regexp.MustCompile(`examples/[\w.-]+\.(?:yaml|conf)`).FindAllString(doc, -1)
	if len(files) == 0 {
		t.Fatal("the README names no example files")
	}
	for _, f := range files {
		if _, err := os.Stat("../../" + f); err != nil {
			t.Errorf("the README uses %s: %v", f, err)
		}
	}
}

// `intercloud validate examples/broken.yaml` prints exactly the errors
// the README shows, positions included.
func TestTheREADMEsBrokenFileGivesTheErrorsItShows(t *testing.T) {
	want := excerpt(t, readme(t), "intercloud validate examples/broken.yaml")
	t.Chdir("../..")
	out, errOut, code := run(t, "validate", "examples/broken.yaml")
	if code != 1 {
		t.Errorf("validate examples/broken.yaml exits %d, want 1", code)
	}
	got := strings.Split(strings.TrimRight(out+errOut, "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("validate examples/broken.yaml prints\n%s\nthe README shows\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The README's validate of the seed lab counts what up runs.
func TestTheREADMEsValidateLineMatches(t *testing.T) {
	want := excerpt(t, readme(t), "intercloud validate")
	out, errOut, code := run(t, "validate")
	if code != 0 || strings.TrimSpace(out+errOut) != want[0] {
		t.Errorf("validate prints %q (exit %d), the README shows %q", out+errOut, code, want[0])
	}
}
