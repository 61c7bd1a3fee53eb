package api

import (
	"reflect"
	"strings"
)

// tableData are the wire types of the tables' data, by the names
// lab.Tables gives them, for the OpenAPI document (x-table-data).
var tableData = map[string]any{
	"route":                     RouteTable{},
	"fib":                       RouteTable{},
	"lfib":                      []LFIBEntry{},
	"interfaces":                []Interface{},
	"igp neighbors":             []IGPNeighbor{},
	"igp database":              []IGPDatabaseScope{},
	"igp database detail":       []IGPDatabaseScope{},
	"igp routes":                []IGPRoute{},
	"igp status":                IGPStatus{},
	"igp ranges":                []IGPRange{},
	"ldp bindings":              []LDPBinding{},
	"ldp neighbors":             []LDPNeighbor{},
	"sr":                        []SRBinding{},
	"frr":                       FRRReport{},
	"bgp summary":               []BGPNeighbor{},
	"bgp vpnv4":                 []BGPRoute{},
	"bgp ipv4 unicast":          []BGPRoute{},
	"bgp evpn":                  []BGPRoute{},
	"bgp neighbor ADDRESS|NODE": BGPNeighborDetail{},
	"vrf [NAME]":                []VRF{},
	"vrf NAME routes":           RouteTable{},
	"events":                    []Event{},
	"security-groups":           SecurityGroups{},
	"sr-policy":                 []SRPolicyState{},
	"advertised":                Advertised{},
	"tunnels":                   TunnelCounters{},
}

// tableName is the name tableData gives the table requested as table
// (words joined by '/' or spaces, any spelling lab.Show takes); "" for
// one this version of the API does not know.
func tableName(table string) string {
	w := strings.FieldsFunc(table, func(r rune) bool { return r == '/' || r == ' ' })
	if len(w) == 0 {
		return ""
	}
	switch strings.Join(w, " ") {
	case "route", "fib", "lfib", "interfaces", "events", "advertised", "igp database", "igp database detail", "igp status",
		"sr", "frr", "bgp summary", "bgp vpnv4", "bgp ipv4 unicast", "bgp evpn", "security-groups", "sr-policy", "tunnels":
		return strings.Join(w, " ")
	case "tunnel":
		return "tunnels"
	case "mpls table":
		return "lfib"
	case "interface":
		return "interfaces"
	case "security groups":
		return "security-groups"
	case "sr-policies", "sr policy":
		return "sr-policy"
	case "igp neighbors", "igp neighbor":
		return "igp neighbors"
	case "igp routes", "igp route":
		return "igp routes"
	case "igp ranges", "igp range":
		return "igp ranges"
	case "ldp bindings", "ldp binding":
		return "ldp bindings"
	case "ldp neighbors", "ldp neighbor":
		return "ldp neighbors"
	case "bgp ipv4 vpn":
		return "bgp vpnv4"
	case "bgp ipv4":
		return "bgp ipv4 unicast"
	case "bgp l2vpn evpn":
		return "bgp evpn"
	}
	switch {
	case len(w) == 3 && w[0] == "bgp" && (w[1] == "neighbor" || w[1] == "neighbors"):
		return "bgp neighbor ADDRESS|NODE"
	case len(w) == 3 && w[0] == "vrf" && w[2] == "routes":
		return "vrf NAME routes"
	case len(w) <= 2 && w[0] == "vrf":
		return "vrf [NAME]"
	}
	return ""
}

// tableValue returns a pointer to a new value of the wire type of the
// table requested as table, into which a client decodes its data; nil
// for a table this version of the API does not know.
func tableValue(table string) any {
	v, ok := tableData[tableName(table)]
	if !ok {
		return nil
	}
	return reflect.New(reflect.TypeOf(v)).Interface()
}
