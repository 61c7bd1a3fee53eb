package nova

import (
	"net/http"
)

// flavor is a flavor as DevStack creates them.
type flavor struct {
	ID, Name        string
	RAM, VCPUs      int // MiB, count
	Disk, Ephemeral int // GiB
}

// seededFlavors are DevStack's: the m1 family (nova's historical defaults), the
// tiny m1.nano and m1.micro tempest uses, and its cirros256 and ds*
// flavors for small guests.
var seededFlavors = []flavor{
	{"1", "m1.tiny", 512, 1, 1, 0},
	{"2", "m1.small", 2048, 1, 20, 0},
	{"3", "m1.medium", 4096, 2, 40, 0},
	{"4", "m1.large", 8192, 4, 80, 0},
	{"42", "m1.nano", 192, 1, 1, 0},
	{"5", "m1.xlarge", 16384, 8, 160, 0},
	{"84", "m1.micro", 256, 1, 1, 0},
	{"c1", "cirros256", 256, 1, 1, 0},
	{"d1", "ds512M", 512, 1, 5, 0},
	{"d2", "ds1G", 1024, 1, 10, 0},
	{"d3", "ds2G", 2048, 2, 10, 0},
	{"d4", "ds4G", 4096, 4, 20, 0},
}

func lookupFlavor(id string) (flavor, bool) {
	for _, f := range seededFlavors {
		if f.ID == id {
			return f, true
		}
	}
	return flavor{}, false
}

// swap is the flavor's swap: "" for none before 2.75, 0 from it.
func swap(v version) any {
	if v.atLeast(2, 75) {
		return 0
	}
	return ""
}

func (s *Service) flavorView(r *http.Request, v version, f flavor, detail bool) map[string]any {
	m := map[string]any{"id": f.ID, "name": f.Name, "links": links(r, "flavors", f.ID)}
	if v.atLeast(2, 55) {
		m["description"] = nil
	}
	if !detail {
		return m
	}
	m["ram"], m["vcpus"], m["disk"] = f.RAM, f.VCPUs, f.Disk
	m["OS-FLV-EXT-DATA:ephemeral"] = f.Ephemeral
	m["OS-FLV-DISABLED:disabled"] = false
	m["os-flavor-access:is_public"] = true
	m["rxtx_factor"] = 1.0
	m["swap"] = swap(v)
	if v.atLeast(2, 61) {
		m["extra_specs"] = map[string]any{}
	}
	return m
}

func (s *Service) listFlavors(detail bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		q := r.URL.Query()
		out := []any{}
		for _, f := range seededFlavors {
			if x := q.Get("minRam"); x != "" && !atLeastStr(f.RAM, x) {
				continue
			}
			if x := q.Get("minDisk"); x != "" && !atLeastStr(f.Disk, x) {
				continue
			}
			out = append(out, s.flavorView(r, c.version, f, detail))
		}
		writeJSON(w, c.version, http.StatusOK, map[string]any{"flavors": out})
	}
}

func (s *Service) showFlavor(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	f, ok := lookupFlavor(id)
	if !ok {
		fail(w, c.version, notFound("Flavor %s could not be found.", id))
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"flavor": s.flavorView(r, c.version, f, true)})
}

// listExtraSpecs answers GET /flavors/{id}/os-extra_specs. The seeded
// flavors have none; clients such as Terraform's flavor data source and
// the openstack CLI's flavor list read them all the same.
func (s *Service) listExtraSpecs(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if _, ok := lookupFlavor(id); !ok {
		fail(w, c.version, notFound("Flavor %s could not be found.", id))
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"extra_specs": map[string]string{}})
}

// showExtraSpec answers GET /flavors/{id}/os-extra_specs/{key}: Nova's
// 404 for a key the flavor does not have, which is every key here.
func (s *Service) showExtraSpec(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if _, ok := lookupFlavor(id); !ok {
		fail(w, c.version, notFound("Flavor %s could not be found.", id))
		return
	}
	fail(w, c.version, notFound("Flavor %s has no extra specs with key %s.", id, r.PathValue("key")))
}
