package daemon

import (
	"context"
	"testing"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// With GNMIAddr the daemon serves gNMI beside its API, behind the same
// token, until it stops.
func TestRunServesGNMIWithTheLabsToken(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Up, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Model: m, StateDir: t.TempDir(), Addr: "127.0.0.1:0", GNMIAddr: "127.0.0.1:0",
			Lab: lab.Options{BGPTransport: "memory"}, Timeout: time.Minute, Stderr: &syncBuffer{}, Ready: func(u Up) { ready <- u }})
	}()
	var up Up
	select {
	case up = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("the seed lab did not come up within 90s")
	}
	if up.GNMI == "" {
		t.Fatal("Up names no gNMI address")
	}
	cc, err := grpc.NewClient(up.GNMI, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	rctx, stop := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), "password", up.Token), 30*time.Second)
	defer stop()
	resp, err := gpb.NewGNMIClient(cc).Get(rctx, &gpb.GetRequest{Prefix: &gpb.Path{Target: m.Nodes[0].Name},
		Path: []*gpb.Path{{Elem: []*gpb.PathElem{{Name: "interfaces"}}}}, Encoding: gpb.Encoding_JSON_IETF})
	if err != nil || len(resp.Notification) != 1 {
		t.Fatalf("gNMI Get of %s's interfaces: %v %v", m.Nodes[0].Name, resp, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of its context ending")
	}
	if _, err := gpb.NewGNMIClient(cc).Capabilities(rctx, &gpb.CapabilityRequest{}); err == nil {
		t.Error("gNMI still answers after Run returned")
	}
}
