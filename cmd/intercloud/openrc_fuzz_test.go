package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/intercloud/intercloud/internal/api"
)

// FuzzCloudsYAMLMergeKeepsOrRefuses feeds any existing clouds.yaml to
// `openrc --clouds-yaml=FILE`: either the file is left byte for byte as it
// was, or it becomes YAML holding the lab's entries exactly and every
// other cloud the file had.
func FuzzCloudsYAMLMergeKeepsOrRefuses(f *testing.F) {
	for _, seed := range []string{
		"",
		"# comment only\n",
		"clouds:\n  prod:\n    auth: {auth_url: 'https://k.example/v3'}\n",
		"clouds:\n  cloud1: {region_name: old}\n  other: {}\n",
		"clouds: [a]\n",
		"- a\n",
		"a: &x {b: 1}\nclouds: *x\n",
		"clouds: {}\n---\nclouds: {}\n",
		"clouds: {a: [\n",
		"public-clouds: {}\nclouds:\n  x: 1\n",
	} {
		f.Add([]byte(seed))
	}
	o := &api.OpenStack{AuthURL: "http://127.0.0.1:4950/identity/v3", Password: "intercloud", AdminUser: "admin",
		AdminProject: "admin", AdminProjectID: "a1", Regions: []api.OpenStackRegion{
			{Name: "cloud1", User: "demo-cloud1", Project: "demo-cloud1", ProjectID: "p1"}}}
	entries := cloudEntries(o, o.Regions)
	f.Fuzz(func(t *testing.T, old []byte) {
		path := filepath.Join(t.TempDir(), "clouds.yaml")
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err := writeCloudsYAML(&out, path, entries)
		got, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if !bytes.Equal(got, old) {
				t.Fatalf("refused (%v) but changed the file:\n%q\nto\n%q", err, old, got)
			}
			return
		}
		var written struct {
			Clouds map[string]yaml.Node `yaml:"clouds"`
		}
		if err := yaml.Unmarshal(got, &written); err != nil {
			t.Fatalf("wrote what does not parse: %v\n%s", err, got)
		}
		for _, e := range entries {
			n, ok := written.Clouds[e.name]
			var back cloudEntry
			if !ok || n.Decode(&back) != nil || !reflect.DeepEqual(back, e.entry) {
				t.Fatalf("entry %s is not as written:\n%s", e.name, got)
			}
		}
		var before struct {
			Clouds map[string]any `yaml:"clouds"`
		}
		if yaml.Unmarshal(old, &before) == nil {
			for name := range before.Clouds {
				if _, ok := written.Clouds[name]; !ok {
					t.Fatalf("cloud %q was lost:\n%s\nbecame\n%s", name, old, got)
				}
			}
		}
	})
}
