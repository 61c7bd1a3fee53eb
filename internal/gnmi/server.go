// Package gnmi serves a running lab over gNMI: one target per router (the
// request prefix's target names it), answering with OpenConfig's
// interfaces and network-instance trees (tree.go, bgptree.go: state,
// counters, protocols, AFTs) as ygot-generated structs (package oc, from
// the YANG modules in yang/), so every answer is rendered, and can be
// validated, against the schema. Capabilities, Get, Subscribe in ONCE,
// POLL and STREAM (SAMPLE and ON_CHANGE), and Set (set.go) of what an
// operator changes at run time are served.
package gnmi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/goyang/pkg/yang"
	"github.com/openconfig/ygot/util"
	"github.com/openconfig/ygot/ygot"
	"github.com/openconfig/ygot/ytypes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
)

const gnmiVersion = "0.10.0"

// models are what Capabilities declares: the modules the Go types were
// generated from (OpenConfig's with their openconfig-version, the IETF
// ones they build on, intercloud's augmentations and deviations), less
// those whose data ygot was told to leave out (gen.go's -exclude_modules)
// and ietf-interfaces, whose tree openconfig-interfaces replaces.
var models = servedModels()

// ownVersions are the versions of intercloud's modules (the reference of
// their latest revision): they carry no openconfig-version.
var ownVersions = map[string]string{"intercloud-augments": "0.2.0", "intercloud-deviations": "0.1.0"}

func servedModels() []*gpb.ModelData {
	excluded := map[string]bool{"ietf-interfaces": true}
	for _, m := range strings.Split(excludedModules, ",") {
		excluded[m] = true
	}
	var out []*gpb.ModelData
	for _, m := range oc.ΓModelData {
		if excluded[m.GetName()] {
			continue
		}
		md := &gpb.ModelData{Name: m.GetName(), Organization: m.GetOrganization(), Version: m.GetVersion()}
		if v, ok := ownVersions[md.Name]; ok {
			md.Version = v
		}
		out = append(out, md)
	}
	return out
}

// Server answers gNMI requests about the routers of one lab.
type Server struct {
	gpb.UnimplementedGNMIServer
	lab   *lab.Lab
	token string
	grpc  *grpc.Server
	admin *adminState
	setMu sync.Mutex // one Set at a time: each is all or nothing
}

// UnzipSchemaAhead unzips the schema the server answers from on another
// goroutine, so that the first request need not wait for it.
func UnzipSchemaAhead() { go oc.SchemaTree() }

// New returns a server for l. Every RPC must carry token, as gRPC
// metadata "password" (gnmi_cli -with_user_pass, gnmic -p; any username)
// or "authorization: Bearer TOKEN"; an empty token turns the check off.
func New(l *lab.Lab, token string) *Server {
	s := &Server{lab: l, token: token, admin: newAdminState()}
	s.grpc = grpc.NewServer(grpc.UnaryInterceptor(s.unaryAuth), grpc.StreamInterceptor(s.streamAuth))
	gpb.RegisterGNMIServer(s.grpc, s)
	return s
}

// Serve answers on ln until Stop.
func (s *Server) Serve(ln net.Listener) error { return s.grpc.Serve(ln) }

// Stop closes the listener and every stream at once.
func (s *Server) Stop() { s.grpc.Stop() }

// schema is the root of the schema the server answers from: the
// generated package's own copy, read only here as there, unzipped at the
// first request that needs it (or ahead, UnzipSchemaAhead), not when a
// lab starts.
func (s *Server) schema() *yang.Entry { return oc.SchemaTree()["Device"] }

func (s *Server) unaryAuth(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := s.authorize(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) streamAuth(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.authorize(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

func (s *Server) authorize(ctx context.Context) error {
	if s.token == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	var offered []string
	offered = append(offered, md.Get("password")...)
	for _, a := range md.Get("authorization") {
		if t, ok := strings.CutPrefix(a, "Bearer "); ok {
			offered = append(offered, t)
		}
	}
	if len(offered) == 0 {
		return status.Error(codes.Unauthenticated, "no credentials: send the lab's API token as the password (gnmi_cli -with_user_pass with GNMI_USER=any GNMI_PASS=TOKEN) or as authorization: Bearer TOKEN")
	}
	for _, t := range offered {
		if subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1 {
			return nil
		}
	}
	return status.Error(codes.Unauthenticated, "wrong token: the lab's API token is in the state directory's token file")
}

// Capabilities names the model and the encodings served.
func (s *Server) Capabilities(context.Context, *gpb.CapabilityRequest) (*gpb.CapabilityResponse, error) {
	return &gpb.CapabilityResponse{
		SupportedModels:    models,
		SupportedEncodings: []gpb.Encoding{gpb.Encoding_JSON, gpb.Encoding_JSON_IETF, gpb.Encoding_PROTO},
		GNMIVersion:        gnmiVersion,
	}, nil
}

// node returns the router a prefix's target names.
func (s *Server) node(prefix *gpb.Path) (*lab.Node, error) {
	t := prefix.GetTarget()
	if t == "" {
		return nil, status.Errorf(codes.InvalidArgument, "no target: name a router in the prefix's target (one of: %s)", s.routerNames())
	}
	n, ok := s.lab.Node(t)
	if !ok {
		return nil, status.Errorf(codes.NotFound, "target %q is not a router of lab %s (want one of: %s)", t, s.lab.Model.Name, s.routerNames())
	}
	return n, nil
}

func (s *Server) routerNames() string {
	var ns []string
	for _, n := range s.lab.Nodes() {
		ns = append(ns, n.Model.Name)
	}
	return strings.Join(ns, ", ")
}

// snapshot is a router's tree under the scope's paths at one lab instant.
func (s *Server) snapshot(n *lab.Node, sc scope) (*oc.Device, int64) {
	ts := s.lab.Clock().Now().UnixNano()
	return s.device(n, sc), ts
}

// Get answers each path with the subtrees or leaves under it, a list
// key of "*" (or none) standing for every entry.
func (s *Server) Get(_ context.Context, req *gpb.GetRequest) (*gpb.GetResponse, error) {
	enc := req.GetEncoding()
	if !slices.Contains([]gpb.Encoding{gpb.Encoding_JSON, gpb.Encoding_JSON_IETF, gpb.Encoding_PROTO}, enc) {
		return nil, status.Errorf(codes.Unimplemented, "encoding %v is not served (want JSON, JSON_IETF or PROTO)", enc)
	}
	n, err := s.node(req.GetPrefix())
	if err != nil {
		return nil, err
	}
	paths := req.GetPath()
	if len(paths) == 0 {
		paths = []*gpb.Path{{}}
	}
	var fulls scope
	for i, p := range paths {
		full, err := fullPath(req.GetPrefix(), p)
		if err != nil {
			return nil, fieldError(err, fmt.Sprintf("path[%d]", i), nil)
		}
		if err := checkPath(s.schema(), full, codes.InvalidArgument); err != nil {
			return nil, fieldError(err, fmt.Sprintf("path[%d]", i), full)
		}
		fulls = append(fulls, full)
	}
	d, ts := s.snapshot(n, fulls)
	if err := keepOnly(s.schema(), d, req.GetType()); err != nil {
		return nil, status.Errorf(codes.Internal, "pruning to %v: %v", req.GetType(), err)
	}
	prefix := &gpb.Path{Target: req.GetPrefix().GetTarget()}
	var nots []*gpb.Notification
	for i, full := range fulls {
		us, err := s.answer(d, full, enc)
		if err != nil {
			return nil, fieldError(err, fmt.Sprintf("path[%d]", i), full)
		}
		if len(us) == 0 {
			return nil, fieldError(status.Errorf(codes.NotFound, "%s has no data there", n.Model.Name), fmt.Sprintf("path[%d]", i), full)
		}
		no := &gpb.Notification{Timestamp: ts, Prefix: prefix, Update: us}
		nots = append(nots, no)
	}
	return &gpb.GetResponse{Notification: nots}, nil
}

// answer renders what d holds at the checked path p; none is no update.
func (s *Server) answer(d *oc.Device, p *gpb.Path, enc gpb.Encoding) ([]*gpb.Update, error) {
	found, err := ytypes.GetNode(s.schema(), d, p, &ytypes.GetHandleWildcards{}, &ytypes.GetPartialKeyMatch{})
	if err != nil {
		return nil, nil // an absent list entry
	}
	var us []*gpb.Update
	for _, tn := range found {
		if util.IsValueNil(tn.Data) {
			continue // GetNode also returns absent containers
		}
		u, err := render(tn, enc)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "rendering %s: %v", pathString(tn.Path), err)
		}
		us = append(us, u...)
	}
	return us, nil
}

// keepOnly prunes d to the data type a Get asked for: configuration is
// what the schema marks config (under config/ containers), state all the
// tree but the config/ containers.
func keepOnly(schema *yang.Entry, d *oc.Device, t gpb.GetRequest_DataType) error {
	switch t {
	case gpb.GetRequest_CONFIG:
		return ygot.PruneConfigFalse(schema, d)
	case gpb.GetRequest_STATE, gpb.GetRequest_OPERATIONAL:
		dropConfig(reflect.ValueOf(d))
	}
	return nil
}

// dropConfig clears every Config container under v.
func dropConfig(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropConfig(v.Elem())
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			dropConfig(it.Value())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if v.Type().Field(i).Name == "Config" && f.Kind() == reflect.Pointer {
				f.SetZero()
				continue
			}
			dropConfig(f)
		}
	}
}

// render turns one node of the tree into updates: a subtree as one RFC 7951
// JSON value (JSON, JSON_IETF) or as its leaves (PROTO); a leaf as its
// scalar value.
func render(tn *ytypes.TreeNode, enc gpb.Encoding) ([]*gpb.Update, error) {
	gs, isStruct := tn.Data.(ygot.GoStruct)
	if !isStruct {
		v, err := ygot.EncodeTypedValue(tn.Data, enc)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		return []*gpb.Update{{Path: tn.Path, Val: v}}, nil
	}
	if enc == gpb.Encoding_PROTO {
		ns, err := ygot.TogNMINotifications(gs, 0, ygot.GNMINotificationsConfig{UsePathElem: true, PathElemPrefix: tn.Path.GetElem()})
		if err != nil {
			return nil, err
		}
		var us []*gpb.Update
		for _, n := range ns {
			for _, u := range n.GetUpdate() {
				us = append(us, &gpb.Update{Path: join(n.GetPrefix(), u.GetPath()), Val: u.GetVal()})
			}
		}
		return us, nil
	}
	js, err := ietfJSON(gs)
	if err != nil {
		return nil, err
	}
	v := &gpb.TypedValue{Value: &gpb.TypedValue_JsonIetfVal{JsonIetfVal: js}}
	if enc == gpb.Encoding_JSON {
		v = &gpb.TypedValue{Value: &gpb.TypedValue_JsonVal{JsonVal: js}}
	}
	return []*gpb.Update{{Path: tn.Path, Val: v}}, nil
}

// ietfJSON is gs as RFC 7951 JSON: by appendIETFJSON, or by ygot for a
// shape it has no plan for (the same bytes, slower). Any error of the
// fast encoder falls back too, so ygot's own errors are the ones seen.
func ietfJSON(gs ygot.GoStruct) ([]byte, error) {
	if js, err := appendIETFJSON(nil, gs); err == nil {
		return js, nil
	}
	return ygotIETFJSON(gs)
}

// ygotIETFJSON is gs rendered by ygot itself: RFC 7951 names a member
// by its module where the module changes (and at the top), and an
// identity by its module.
func ygotIETFJSON(gs ygot.GoStruct) ([]byte, error) {
	m, err := ygot.ConstructIETFJSON(gs, &ygot.RFC7951JSONConfig{AppendModuleName: true})
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

func join(a, b *gpb.Path) *gpb.Path {
	return &gpb.Path{Elem: append(slices.Clone(a.GetElem()), b.GetElem()...)}
}
