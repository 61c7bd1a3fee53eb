package neutron

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

func networkNamesWhere(t *testing.T, c *gophercloud.ServiceClient, opts networks.ListOpts) []string {
	t.Helper()
	pages, err := networks.List(c, opts).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	all, err := networks.ExtractNetworks(pages)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names
}

func TestTagsAreSetReplacedAndRemovedThroughGophercloudAndFilterLists(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	ctx := testCtx(t)
	ids := map[string]string{}
	revs := map[string]int{}
	for _, name := range []string{"red", "redblue", "none"} {
		n, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
		if err != nil {
			t.Fatal(err)
		}
		ids[name], revs[name] = n.ID, n.RevisionNumber
	}
	tags, err := attributestags.ReplaceAll(ctx, demo, "networks", ids["redblue"], attributestags.ReplaceAllOpts{Tags: []string{"red", "blue"}}).Extract()
	if err != nil || !slices.Equal(tags, []string{"red", "blue"}) {
		t.Fatalf("replace all: %v %v", tags, err)
	}
	if err := attributestags.Add(ctx, demo, "networks", ids["red"], "red").ExtractErr(); err != nil {
		t.Fatalf("add: %v", err)
	}
	// Adding a tag the resource has is no error and no change.
	if err := attributestags.Add(ctx, demo, "networks", ids["red"], "red").ExtractErr(); err != nil {
		t.Fatalf("add again: %v", err)
	}
	n, err := networks.Get(ctx, demo, ids["red"]).Extract()
	if err != nil || !slices.Equal(n.Tags, []string{"red"}) || n.RevisionNumber != revs["red"]+1 {
		t.Errorf("network after a tag was added twice: tags %v revision %d (%v), want [red] and %d", n.Tags, n.RevisionNumber, err, revs["red"]+1)
	}
	if ok, err := attributestags.Confirm(ctx, demo, "networks", ids["red"], "red").Extract(); !ok || err != nil {
		t.Errorf("confirm red: %v %v", ok, err)
	}
	if ok, err := attributestags.Confirm(ctx, demo, "networks", ids["red"], "blue").Extract(); ok || err != nil {
		t.Errorf("confirm blue: %v %v", ok, err)
	}
	got, err := attributestags.List(ctx, demo, "networks", ids["redblue"]).Extract()
	if slices.Sort(got); err != nil || !slices.Equal(got, []string{"blue", "red"}) {
		t.Errorf("list: %v %v", got, err)
	}

	for _, c := range []struct {
		opts networks.ListOpts
		want []string
	}{
		{networks.ListOpts{Tags: "red"}, []string{"red", "redblue"}},
		{networks.ListOpts{Tags: "red,blue"}, []string{"redblue"}},
		{networks.ListOpts{TagsAny: "blue,green"}, []string{"redblue"}},
		{networks.ListOpts{NotTags: "red,blue"}, []string{"none", "red"}},
		{networks.ListOpts{NotTagsAny: "blue"}, []string{"none", "red"}},
		{networks.ListOpts{Tags: "red", NotTagsAny: "blue"}, []string{"red"}},
	} {
		if got := networkNamesWhere(t, demo, c.opts); !slices.Equal(got, c.want) {
			t.Errorf("list %+v: %v, want %v", c.opts, got, c.want)
		}
	}

	err = attributestags.Delete(ctx, demo, "networks", ids["red"], "blue").ExtractErr()
	gcError(t, "delete a tag the network lacks", err, http.StatusNotFound, "TagNotFound", "Tag blue could not be found.")
	if err := attributestags.Delete(ctx, demo, "networks", ids["red"], "red").ExtractErr(); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := attributestags.DeleteAll(ctx, demo, "networks", ids["redblue"]).ExtractErr(); err != nil {
		t.Errorf("delete all: %v", err)
	}
	if got := networkNamesWhere(t, demo, networks.ListOpts{TagsAny: "red,blue"}); len(got) != 0 {
		t.Errorf("tagged networks after deleting every tag: %v", got)
	}

	// Neutron's refusals.
	_, err = attributestags.ReplaceAll(ctx, demo, "networks", ids["red"], attributestags.ReplaceAllOpts{Tags: []string{"a", "a"}}).Extract()
	gcError(t, "duplicate tags", err, http.StatusBadRequest, "InvalidInput", "Invalid input for operation: Duplicate items in the list: 'a, a'.")
	long := strings.Repeat("x", 256)
	err = attributestags.Add(ctx, demo, "networks", ids["red"], long).ExtractErr()
	gcError(t, "a 256-character tag", err, http.StatusBadRequest, "InvalidInput", "Invalid input for operation: '"+long+"' exceeds maximum length of 255.")
	code, body := raw(t, lb, demo, "PUT", "/v2.0/networks/"+ids["red"]+"/tags", map[string]any{"tag": []string{"a"}})
	wantNeutronError(t, "a body without tags", code, body, http.StatusBadRequest, "InvalidInput", "Invalid input for operation: Invalid tags body.")
	missing := "00000000-0000-0000-0000-000000000000"
	_, err = attributestags.List(ctx, demo, "networks", missing).Extract()
	gcError(t, "tags of a missing network", err, http.StatusNotFound, "TagResourceNotFound", "Resource networks "+missing+" could not be found.")
	// Another project's network is not there for this one.
	other := lb.demo(t, "cloud2")
	err = attributestags.Add(ctx, other, "networks", ids["red"], "mine").ExtractErr()
	gcError(t, "tag another project's network", err, http.StatusNotFound, "TagResourceNotFound", "Resource networks "+ids["red"]+" could not be found.")
}

func TestTagsOfEveryTaggableKindAreServed(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	for _, c := range []struct{ path, member string }{
		{"/v2.0/routers", "router"},
		{"/v2.0/subnetpools", "subnetpool"},
		{"/v2.0/security-groups", "security_group"},
	} {
		body := map[string]any{c.member: map[string]any{"name": "x"}}
		if c.member == "subnetpool" {
			body[c.member].(map[string]any)["prefixes"] = []string{"10.0.0.0/8"}
		}
		code, out := raw(t, lb, demo, "POST", c.path, body)
		if code != http.StatusCreated {
			t.Fatalf("create %s: %d %v", c.member, code, out)
		}
		id := out[c.member].(map[string]any)["id"].(string)
		if code, out := raw(t, lb, demo, "PUT", c.path+"/"+id+"/tags/t1", nil); code != http.StatusCreated || out != nil {
			t.Errorf("%s: add a tag: %d %v", c.member, code, out)
		}
		code, out = raw(t, lb, demo, "GET", c.path+"/"+id, nil)
		if tags, _ := out[c.member].(map[string]any)["tags"].([]any); code != http.StatusOK || len(tags) != 1 || tags[0] != "t1" {
			t.Errorf("%s: shown with tags %v (%d)", c.member, out, code)
		}
	}
	code, out := raw(t, lb, demo, "GET", "/v2.0/address-scopes?tags=x", nil)
	wantNeutronError(t, "tag filter on address scopes", code, out, http.StatusBadRequest, "HTTPBadRequest", "['tags'] is invalid attribute for filtering")
}

// FuzzTagsBody: a tags body is taken only as unique strings of at most
// 255 characters, and nothing panics on the way.
func FuzzTagsBody(f *testing.F) {
	for _, s := range []string{`{"tags": ["a", "b"]}`, `{"tags": ["a", "a"]}`, `{"tags": [1]}`, `{"tags": null}`, `[]`, `{"tag": []}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := parseBody(raw)
		if err != nil {
			return
		}
		tags, err := parseTags(v)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, tag := range tags {
			if seen[tag] || len([]rune(tag)) > maxTagLen {
				t.Errorf("%s: accepted %q", raw, tags)
			}
			seen[tag] = true
		}
	})
}
