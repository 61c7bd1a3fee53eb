// Package kslab is test support for the services behind Keystone
// (Neutron, Nova): a Keystone over a store of the test's, seeded for a
// model's clouds and served on loopback, with the services mounted beside
// it as the daemon mounts them. It stands apart from ostest because
// Keystone's own tests use ostest, and this package uses Keystone.
package kslab

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

// Lab is a Keystone at the root of a loopback listener, not yet served:
// the test mounts its services on Mux, then calls Serve.
type Lab struct {
	URL      string // http://127.0.0.1:PORT, Keystone's root and the catalog's base
	Store    *store.Store
	Keystone *keystone.Service
	Mux      *http.ServeMux // Keystone's handler at "/"
	listener net.Listener
}

// New opens a store in dir with opts, makes a Keystone on it and seeds
// it for model's clouds with password, its catalog naming a loopback
// listener taken now. The store and the listener are closed when the
// test ends.
func New(t testing.TB, dir string, opts store.Options, model *topology.Model, password string) *Lab {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ks, err := keystone.New(ctx, st, keystone.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Closing a listener Serve's server has closed already is harmless.
	t.Cleanup(func() { l.Close() })
	base := "http://" + l.Addr().String()
	if err := ks.Bootstrap(ctx, keystone.SeedFromModel(model, base, password)); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", ks.Handler())
	return &Lab{URL: base, Store: st, Keystone: ks, Mux: mux, listener: l}
}

// Serve serves Mux on the lab's listener until the test ends.
func (lb *Lab) Serve(t testing.TB) {
	srv := httptest.NewUnstartedServer(lb.Mux)
	srv.Listener.Close()
	srv.Listener = lb.listener
	srv.Start()
	t.Cleanup(srv.Close)
}
