package neutron

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

// fuzzService is a Service without a store: the fuzz target drives its
// request decoding and validation on an in-memory state.
func fuzzService() *Service {
	return &Service{
		cfg: Config{Region: "fuzz", PhysicalMTU: 1500, PhysicalNetworks: []string{"physnet1"}, VNIMin: 1, VNIMax: 4,
			Now: func() time.Time { return time.Unix(0, 0) }},
		log:    slog.New(slog.DiscardHandler),
		physet: map[string]bool{"physnet1": true},
	}
}

// fuzzState has one of each resource, made through the API's create
// functions, with fixed ids the fuzzed bodies can name.
func fuzzState(t testing.TB, s *Service) (*state, map[string]resource) {
	st := newState("fuzz")
	admin := &caller{project: "p-admin", admin: true}
	mk := func(col *collection, body string) resource {
		raw, err := parseBody([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := col.prepare(admin, raw, true)
		if err != nil {
			t.Fatal(err)
		}
		r, err := col.create(st, admin, b)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return r
	}
	objs := map[string]resource{}
	objs["public"] = mk(s.networkCollection(), `{"network": {"name": "public", "router:external": true, "provider:network_type": "flat", "provider:physical_network": "physnet1"}}`)
	objs["net"] = mk(s.networkCollection(), `{"network": {"name": "net"}}`)
	objs["pubsub"] = mk(s.subnetCollection(), `{"subnet": {"network_id": "`+objs["public"].base().ID+`", "ip_version": 4, "cidr": "203.0.113.0/28"}}`)
	objs["subnet"] = mk(s.subnetCollection(), `{"subnet": {"network_id": "`+objs["net"].base().ID+`", "ip_version": 4, "cidr": "10.0.0.0/29"}}`)
	objs["router"] = mk(s.routerCollection(), `{"router": {"name": "r", "external_gateway_info": {"network_id": "`+objs["public"].base().ID+`"}}}`)
	objs["port"] = mk(s.portCollection(), `{"port": {"network_id": "`+objs["net"].base().ID+`"}}`)
	objs["scope"] = mk(s.addressScopeCollection(), `{"address_scope": {"name": "s", "ip_version": 4}}`)
	objs["pool"] = mk(s.subnetPoolCollection(), `{"subnetpool": {"name": "p", "prefixes": ["10.8.0.0/16"], "address_scope_id": "`+objs["scope"].base().ID+`"}}`)
	s.ensureAgents(st)
	objs["agent"] = st.agents()[0]
	objs["speaker"] = mk(s.bgpSpeakerCollection(), `{"bgp_speaker": {"name": "s", "local_as": "65010", "ip_version": 4}}`)
	objs["peer"] = mk(s.bgpPeerCollection(), `{"bgp_peer": {"name": "p", "peer_ip": "192.0.2.1", "remote_as": 65000, "auth_type": "md5", "password": "x"}}`)
	return st, objs
}

// checkInvariants fails when state breaks a rule every request keeps.
func checkInvariants(t *testing.T, st *state) {
	used := map[string]bool{}
	for _, p := range st.ports() {
		if st.network(p.NetworkID) == nil {
			t.Fatalf("port %s on a missing network", p.ID)
		}
		for _, f := range p.FixedIPs {
			sn := st.subnet(f.SubnetID)
			a, err := netip.ParseAddr(f.IPAddress)
			if sn == nil || err != nil || !subnetPrefix(sn).Contains(a) || sn.NetworkID != p.NetworkID {
				t.Fatalf("port %s holds %v outside its subnets", p.ID, f)
			}
			if used[f.SubnetID+f.IPAddress] {
				t.Fatalf("address %s given twice", f.IPAddress)
			}
			used[f.SubnetID+f.IPAddress] = true
		}
	}
	for _, sp := range st.bgpSpeakers() {
		ips := map[string]bool{}
		for _, id := range sp.Peers {
			p := st.bgpPeer(id)
			if p == nil || ips[p.PeerIP] {
				t.Fatalf("speaker %s: peer %s missing or at a duplicate address", sp.ID, id)
			}
			ips[p.PeerIP] = true
		}
		nets := map[string]bool{}
		for _, id := range sp.Networks {
			if st.network(id) == nil || nets[id] {
				t.Fatalf("speaker %s: network %s missing or bound twice", sp.ID, id)
			}
			nets[id] = true
		}
		if sp.LocalAS < minASN || sp.LocalAS > maxASN || sp.IPVersion != 4 {
			t.Fatalf("speaker %+v", sp)
		}
		st.advertisedRoutes(sp)
	}
	for _, p := range st.bgpPeers() {
		// (An md5 peer's password may be set to null by an update, as
		// neutron-dynamic-routing allows.)
		if p.RemoteAS < minASN || p.RemoteAS > maxASN || (p.AuthType != authMD5 && p.AuthType != authNone) {
			t.Fatalf("peer %+v", p)
		}
	}
	for _, a := range st.agents() {
		if len(a.BGPSpeakers) > 1 {
			t.Fatalf("agent %s hosts %v", a.ID, a.BGPSpeakers)
		}
	}
	for _, sn := range st.subnets() {
		for _, o := range st.subnetsOf(sn.NetworkID) {
			if o.ID != sn.ID && overlaps(subnetPrefix(o), subnetPrefix(sn)) {
				t.Fatalf("subnets %s and %s overlap", sn.CIDR, o.CIDR)
			}
		}
	}
}

// FuzzRequestBody feeds arbitrary bodies to every collection's create and
// update, as an admin and as a member: they must answer a Neutron error or
// succeed leaving a consistent state, never panic.
func FuzzRequestBody(f *testing.F) {
	seeds := []string{
		`{"network": {"name": "n", "admin_state_up": true, "mtu": 1400}}`,
		`{"network": {"provider:network_type": "vlan", "provider:segmentation_id": 7}}`,
		`{"network": {"segments": [{"provider:network_type": "vxlan"}]}}`,
		`{"networks": [{"name": "a"}, {"name": "b"}]}`,
		`{"subnet": {"network_id": "NET", "ip_version": 4, "cidr": "10.1.0.0/24", "allocation_pools": [{"start": "10.1.0.5", "end": "10.1.0.9"}], "host_routes": [{"destination": "0.0.0.0/0", "nexthop": "10.1.0.1"}], "dns_nameservers": ["1.1.1.1"]}}`,
		`{"subnet": {"network_id": "NET", "ip_version": 4, "subnetpool_id": "POOL", "prefixlen": 24}}`,
		`{"subnet": {"gateway_ip": null, "allocation_pools": []}}`,
		`{"port": {"network_id": "NET", "fixed_ips": [{"subnet_id": "SUBNET", "ip_address": "10.0.0.3"}, {"subnet_id": "SUBNET"}], "mac_address": "fa:16:3e:00:00:01"}}`,
		`{"port": {"fixed_ips": [{"ip_address": "10.0.0.2"}], "device_id": "x"}}`,
		`{"router": {"external_gateway_info": {"network_id": "PUBLIC", "enable_snat": false, "external_fixed_ips": [{"ip_address": "203.0.113.9"}]}}}`,
		`{"router": {"routes": [{"destination": "10.9.0.0/16", "nexthop": "10.0.0.4"}]}}`,
		`{"floatingip": {"floating_network_id": "PUBLIC", "port_id": "PORT"}}`,
		`{"floatingip": {"port_id": null, "fixed_ip_address": "10.0.0.2"}}`,
		`{"subnetpool": {"name": "x", "prefixes": ["10.9.0.0/16", "10.10.0.0/16"], "min_prefixlen": 20, "default_prefixlen": 24}}`,
		`{"address_scope": {"name": "s", "ip_version": 4, "shared": true}}`,
		`{"network": {"name": 5, "foo": [1, {"a": null}], "tenant_id": "t", "project_id": "u"}}`,
		`{"bgp_speaker": {"name": "s", "local_as": "65010", "ip_version": 4, "advertise_tenant_networks": "false"}}`,
		`{"bgp_speaker": {"local_as": " +4_200_000_000 ", "advertise_floating_ip_host_routes": 0}}`,
		`{"bgp_speaker": {"local_as": 1e3, "ip_version": 6.0, "tenant_id": "t"}}`,
		`{"bgp_peer": {"peer_ip": "10.0.0.1", "remote_as": "65000", "auth_type": "none", "password": null}}`,
		`{"bgp_peer": {"peer_ip": "10.0.0.01", "remote_as": -1, "auth_type": "md5", "password": ""}}`,
		`{"bgp_peer": {"name": "n", "password": "new"}}`,
		`{"agent": {"admin_state_up": "false", "description": null}}`,
		`{"bgp_peer_id": "PEER"}`, `{"network_id": "PUBLIC"}`, `{"network_id": "NET", "bgp_peer_id": 7}`,
		`{"security_group": {"name": "web", "description": "d"}}`, `{"security_group": {"name": "default"}}`,
		`{"security_group_rule": {"security_group_id": "x", "direction": "ingress", "protocol": "TCP", "port_range_min": 1, "port_range_max": "65535", "remote_ip_prefix": "10.0.0.1"}}`,
		`{"security_group_rule": {"direction": "egress", "ethertype": "ipv6", "protocol": 58, "port_range_max": 300, "remote_group_id": null}}`,
		`{"address_group": {"name": "a", "addresses": ["10.0.0.1", "::/0", "x"]}}`,
		`{"port": {"network_id": "NET", "security_groups": ["x", null], "port_security_enabled": "false"}}`,
		`{"network": {"port_security_enabled": 0}}`,
		`[1, 2`, `null`, `"x"`, `{}`, `{"port": {"network_id": "NET", "fixed_ips": [{"ip_address": "10.0.0.2"}, {"ip_address": "10.0.0.2"}]}}`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
		f.Add([]byte(s), uint8(i)|0xc0) // as the admin, as an update
		f.Add([]byte(s), uint8(i)|0xa0) // as the admin, as a speaker's action
	}
	svc := fuzzService()
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		st, objs := fuzzState(t, svc)
		// Let bodies name the fixtures.
		for _, k := range []string{"net", "subnet", "public", "port", "pool", "router", "speaker", "peer", "agent"} {
			data = replaceAll(data, upper(k), objs[k].base().ID)
		}
		cols := svc.collections()
		col := cols[int(sel)%len(cols)]
		c := &caller{project: "p-member"}
		if sel&0x80 != 0 {
			c = &caller{project: "p-admin", admin: true}
		}
		raw, err := parseBody(data)
		if info, ok := raw.(map[string]any); ok && err == nil && sel&0x20 != 0 {
			// A speaker's member action on the fixture speaker.
			actions := []string{"add_bgp_peer", "remove_bgp_peer", "add_gateway_network", "remove_gateway_network"}
			sp := objs["speaker"].(*BGPSpeaker)
			if _, err = svc.actionSpeaker(st, c, sp.ID); err == nil {
				var answer any
				if answer, err = st.speakerAction(sp, actions[int(sel)%len(actions)], info); err == nil {
					if _, jerr := json.Marshal(answer); jerr != nil {
						t.Fatalf("answer: %v", jerr)
					}
				}
			}
		} else if err == nil {
			if sel&0x40 == 0 && col.create == nil {
				err = nil // agents register themselves: no create
			} else if sel&0x40 == 0 {
				var b *body
				if b, err = col.prepare(c, raw, true); err == nil {
					var r resource
					if r, err = col.create(st, c, b); err == nil {
						if _, jerr := json.Marshal(col.render(st, c, r)); jerr != nil {
							t.Fatalf("rendering: %v", jerr)
						}
					}
				}
			} else {
				var target resource
				for _, r := range objs {
					if st.kindOf(r.base().ID) == col.kind {
						target = r
					}
				}
				if target != nil {
					var b *body
					if b, err = col.prepare(c, raw, false); err == nil {
						err = col.update(st, c, target, b)
					}
				}
			}
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status < 400 || ae.Type == "" || ae.Message == "" {
				t.Fatalf("error %v is not a Neutron error", err)
			}
			return
		}
		checkInvariants(t, st)
	})
}

func upper(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] -= 'a' - 'A'
	}
	return string(b)
}

func replaceAll(data []byte, old, new string) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		if i+len(old) <= len(data) && string(data[i:i+len(old)]) == old {
			out = append(out, new...)
			i += len(old)
			continue
		}
		out = append(out, data[i])
		i++
	}
	return out
}
