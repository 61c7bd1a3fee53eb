package neutron

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWritesQueuedTogetherCommitAsOneGroup: port creates queued behind
// another transaction (and a network create of the other region on the
// same store) are committed as one group, one after another on the
// state the previous one left: each create gets the next free address
// and its own MAC, a create refused in the middle (a duplicate MAC, a
// bulk create with a bad last item) answers as alone and keeps nothing,
// and the state the Service answers from afterwards is the database's.
func TestWritesQueuedTogetherCommitAsOneGroup(t *testing.T) {
	lb := startLab(t)
	admin := lb.admin(t)
	_, body := raw(t, lb, admin, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"].(string)
	raw(t, lb, admin, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "ip_version": 4, "cidr": "10.3.0.0/24"}})
	if code, body := raw(t, lb, admin, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": netID, "mac_address": "fa:16:3e:00:00:01", "name": "first"}}); code != 201 {
		t.Fatalf("create port: %d %v", code, body)
	}

	// Hold the store's writer lock so that the writes below queue.
	holding, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- lb.st.Tx(context.Background(), func(*sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding

	type result struct {
		code int
		body map[string]any
	}
	const plain = 10
	requests := []struct {
		path string
		body map[string]any
		want int
	}{
		{"/cloud1/network/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "mac_address": "fa:16:3e:00:00:01"}}, 409},
		{"/cloud1/network/v2.0/ports", map[string]any{"ports": []any{
			map[string]any{"network_id": netID, "name": "bulk-a"},
			map[string]any{"network_id": netID, "fixed_ips": []any{map[string]any{"ip_address": "10.3.0.2"}}}}}, 409},
		{"/cloud2/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "other-region"}}, 201},
	}
	for i := range plain {
		requests = append(requests, struct {
			path string
			body map[string]any
			want int
		}{"/cloud1/network/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "name": fmt.Sprintf("p%d", i)}}, 201})
	}
	results := make([]result, len(requests))
	token := admin.Token()
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, out := postJSON(lb.URL+r.path, token, r.body)
			results[i] = result{code, out}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for lb.st.GroupWaiting() < len(requests) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes queued after 30 s", lb.st.GroupWaiting(), len(requests))
		}
		time.Sleep(time.Millisecond)
	}
	commits := lb.st.WriterCommits()
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := lb.st.WriterCommits() - commits; got != 2 { // the holding Tx's and the group's
		t.Errorf("the queued writes took %d commits, want 1", got-1)
	}

	var addrs, macs []string
	for i, r := range requests {
		if results[i].code != r.want {
			t.Errorf("%s %v: %d %v, want %d", r.path, r.body, results[i].code, results[i].body, r.want)
			continue
		}
		if p, ok := results[i].body["port"].(map[string]any); ok {
			addrs = append(addrs, p["fixed_ips"].([]any)[0].(map[string]any)["ip_address"].(string))
			macs = append(macs, p["mac_address"].(string))
		}
	}
	// Lowest first from .3 (.2 is first's): the refused creates kept none.
	var want []string
	for i := range plain {
		want = append(want, fmt.Sprintf("10.3.0.%d", 3+i))
	}
	slices.Sort(addrs)
	slices.Sort(want)
	if !reflect.DeepEqual(addrs, want) {
		t.Errorf("addresses of the grouped creates: %v, want %v", addrs, want)
	}
	slices.Sort(macs)
	if len(slices.Compact(macs)) != plain {
		t.Errorf("MACs of the grouped creates are not distinct: %v", macs)
	}

	ctx := context.Background()
	for _, region := range testClouds {
		cached, err := lb.neutron[region].Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := New(ctx, lb.st, lb.ks, Config{Region: region})
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := fresh.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cached, loaded) {
			a, _ := json.Marshal(cached)
			b, _ := json.Marshal(loaded)
			t.Errorf("%s: cached state differs from the database's:\n%s\n%s", region, a, b)
		}
	}
}

// postJSON posts body with token and returns the status and the decoded
// answer (status 0 and the error's text when the request failed); safe
// to call from any goroutine.
func postJSON(url, token string, body any) (int, map[string]any) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(data))
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", token)
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
