package glance

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/osmux"
)

// TokenValidator checks an X-Auth-Token; *keystone.Service is one.
type TokenValidator interface {
	Validate(ctx context.Context, token string) (keystone.Identity, error)
}

// Config describes one cloud's Glance.
type Config struct {
	// Owner is the project owning the seeded images (the admin project).
	Owner string
	// Created stamps the images' created_at and updated_at.
	Created time.Time
	// AuthURI is the Keystone URL a 401 names in WWW-Authenticate.
	AuthURI string
	Logger  *slog.Logger
}

// Service serves the seeded images.
type Service struct {
	ks  TokenValidator
	cfg Config
	log *slog.Logger
}

// New returns a Glance validating tokens with ks.
func New(ks TokenValidator, cfg Config) (*Service, error) {
	if ks == nil {
		return nil, errors.New("glance: no token validator")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Created.IsZero() {
		cfg.Created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Service{ks: ks, cfg: cfg, log: log}, nil
}

// Handler serves the Image API relative to the cloud's image endpoint:
// "/" (versions), "/v2/images" and "/v2/images/{id}".
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /versions", s.versions)
	mux.HandleFunc("GET /v2/images", s.authed(s.list))
	mux.HandleFunc("GET /v2/images/{id}", s.authed(s.show))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The catalog's URL without a slash, as clients' discovery asks
		// for it, is the root.
		if r.URL.Path == "" {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = "/", ""
			r = r2
		}
		if code, _, unrouted := osmux.Unrouted(mux, r); unrouted {
			osmux.WebobUnrouted(w, code)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// authed checks the token as keystonemiddleware does in front of Glance.
func (s *Service) authed(h func(http.ResponseWriter, *http.Request, keystone.Identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Auth-Token")
		var id keystone.Identity
		err := errors.New("no token")
		if token != "" {
			id, err = s.ks.Validate(r.Context(), token)
		}
		if err != nil {
			if token != "" && !errors.Is(err, keystone.ErrUnauthorized) {
				s.log.Error("token validation failed", "err", err)
				osmux.Webob(w, http.StatusInternalServerError, "500 Internal Server Error", "The server has either erred or is incapable of performing the requested operation.")
				return
			}
			uri := s.cfg.AuthURI
			if uri == "" {
				uri = "http://" + r.Host
			}
			w.Header().Set("WWW-Authenticate", `Keystone uri="`+uri+`"`)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication.",
			}})
			return
		}
		h(w, r, id)
	}
}

// versions is Glance's version document: 300 Multiple Choices at the
// root, as Glance answers it.
func (s *Service) versions(w http.ResponseWriter, r *http.Request) {
	base := osmux.Endpoint(r)
	var vs []any
	for _, v := range []struct{ id, status string }{
		{"v2.17", "CURRENT"}, {"v2.16", "SUPPORTED"}, {"v2.15", "SUPPORTED"}, {"v2.9", "SUPPORTED"},
		{"v2.7", "SUPPORTED"}, {"v2.6", "SUPPORTED"}, {"v2.5", "SUPPORTED"}, {"v2.4", "SUPPORTED"},
		{"v2.3", "SUPPORTED"}, {"v2.2", "SUPPORTED"}, {"v2.1", "SUPPORTED"}, {"v2.0", "SUPPORTED"},
	} {
		vs = append(vs, map[string]any{"id": v.id, "status": v.status,
			"links": []any{map[string]any{"rel": "self", "href": base + "/v2/"}}})
	}
	code := http.StatusMultipleChoices
	if r.URL.Path == "/versions" {
		code = http.StatusOK
	}
	writeJSON(w, code, map[string]any{"versions": vs})
}

// view is an image as GET /v2/images/{id} shows it.
func (s *Service) view(im Image) map[string]any {
	md5hex, sha := im.checksums()
	ts := s.cfg.Created.UTC().Format("2006-01-02T15:04:05Z")
	return map[string]any{
		"id": im.ID, "name": im.Name, "status": "active", "visibility": "public",
		"protected": false, "os_hidden": false, "owner": s.cfg.Owner,
		"checksum": md5hex, "os_hash_algo": "sha512", "os_hash_value": sha,
		"size": im.Size, "virtual_size": nil, "min_ram": im.MinRAM, "min_disk": im.MinDisk,
		"disk_format": im.DiskFormat, "container_format": im.ContainerFormat,
		"os_distro": im.OS, "hw_rng_model": "virtio",
		"created_at": ts, "updated_at": ts, "tags": []string{},
		"self": "/v2/images/" + im.ID, "file": "/v2/images/" + im.ID + "/file", "schema": "/v2/schemas/image",
	}
}

func (s *Service) show(w http.ResponseWriter, r *http.Request, _ keystone.Identity) {
	id := r.PathValue("id")
	im, ok := Lookup(id)
	if !ok {
		osmux.Webob(w, http.StatusNotFound, "404 Not Found", "No image found with ID "+id)
		return
	}
	writeJSON(w, http.StatusOK, s.view(im))
}

// list answers GET /v2/images with Glance's filters on what the images
// have (name, status, visibility, os_distro...) and limit/marker paging.
func (s *Service) list(w http.ResponseWriter, r *http.Request, _ keystone.Identity) {
	q := r.URL.Query()
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			osmux.Webob(w, http.StatusBadRequest, "400 Bad Request", "limit param must be an integer")
			return
		}
		limit = n
	}
	images := Images()
	if m := q.Get("marker"); m != "" {
		i := 0
		for i < len(images) && images[i].ID != m {
			i++
		}
		if i == len(images) {
			osmux.Webob(w, http.StatusBadRequest, "400 Bad Request", "marker not found")
			return
		}
		images = images[i+1:]
	}
	out := []any{}
	for _, im := range images {
		v := s.view(im)
		if !matches(v, q) {
			continue
		}
		if limit >= 0 && len(out) == limit {
			break
		}
		out = append(out, v)
	}
	body := map[string]any{"images": out, "schema": "/v2/schemas/images", "first": "/v2/images"}
	writeJSON(w, http.StatusOK, body)
}

// matches applies the query's attribute filters; visibility=all and the
// paging and sorting parameters filter nothing.
func matches(v map[string]any, q map[string][]string) bool {
	for k, vals := range q {
		switch k {
		case "limit", "marker", "sort", "sort_key", "sort_dir", "member_status":
			continue
		case "visibility":
			if vals[0] == "all" {
				continue
			}
		}
		have, ok := v[k]
		if !ok {
			return false
		}
		want := vals[0]
		if s, ok := strings.CutPrefix(want, "in:"); ok {
			found := false
			for _, x := range strings.Split(s, ",") {
				found = found || x == toString(have)
			}
			if !found {
				return false
			}
			continue
		}
		if want != toString(have) {
			return false
		}
	}
	return true
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
