package neutron

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPagination follows next and previous links as a client does.
func TestPagination(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("net-%d", i)
		code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": name}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, body)
		}
		want = append(want, name)
	}
	page := func(path string) (names []string, next, prev string) {
		t.Helper()
		code, body := raw(t, lb, demo, "GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %v", path, code, body)
		}
		for _, n := range body["networks"].([]any) {
			names = append(names, n.(map[string]any)["name"].(string))
			if len(n.(map[string]any)) != 1 {
				t.Errorf("fields=name gave %v", n)
			}
		}
		links, _ := body["networks_links"].([]any)
		for _, l := range links {
			m := l.(map[string]any)
			href := strings.TrimPrefix(m["href"].(string), lb.URL+"/cloud1/network")
			switch m["rel"] {
			case "next":
				next = href
			case "previous":
				prev = href
			}
		}
		return names, next, prev
	}
	var got []string
	path := "/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&fields=name"
	var pages [][]string
	var prevOfSecond string
	for i := 0; path != "" && i < 10; i++ {
		names, next, prev := page(path)
		if i == 1 {
			prevOfSecond = prev
		}
		pages = append(pages, names)
		got = append(got, names...)
		path = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v in order", pages, want)
	}
	// 2 + 2 + 1: the short last page has no next link.
	if len(pages) != 3 {
		t.Errorf("%d pages: %v", len(pages), pages)
	}
	if names, _, _ := page(prevOfSecond); !slices.Equal(names, want[:2]) {
		t.Errorf("previous of the second page: %v", names)
	}
	// Descending order, without pagination.
	code, body := raw(t, lb, demo, "GET", "/v2.0/networks?sort_key=name&sort_dir=desc&fields=name", nil)
	if list := body["networks"].([]any); code != 200 || list[0].(map[string]any)["name"] != "net-4" || body["networks_links"] != nil {
		t.Errorf("sorted desc: %v", body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/networks?limit=2&marker=6b1a6c1e-0000-4000-8000-000000000000", nil)
	wantNeutronError(t, "unknown marker", code, body, 404, "NetworkNotFound", "Network 6b1a6c1e-0000-4000-8000-000000000000 could not be found.")
}
