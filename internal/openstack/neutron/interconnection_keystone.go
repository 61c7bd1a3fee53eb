package neutron

import (
	"net"
	"net/url"
	"strings"
)

// A half's remote_keystone is kept as the tenant sent it: Neutron shows
// it back unchanged. When it names this lab's own Keystone (every cloud
// of a lab is a region of the one Keystone the daemon serves), it names
// the daemon's address at the time of the create, which a restart on
// another address (up --api) changes. Such a half is marked when it is
// made, and the engine reaches the lab's Keystone where it is now.

// sameKeystone reports whether Keystone URLs a and b name the same
// Keystone: same scheme and host:port (default ports made explicit, case
// ignored), same path once trailing slashes and a trailing /v3 are
// taken off, no query.
func sameKeystone(a, b string) bool {
	ka, oka := keystoneKey(a)
	kb, okb := keystoneKey(b)
	return oka && okb && ka == kb
}

func keystoneKey(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		default:
			return "", false
		}
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimRight(strings.TrimSuffix(path, "/v3"), "/")
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port) + path, true
}

// InterconnectionKeystone is the Keystone URL the engine signs in on for
// ic: the lab's Keystone at its current address when ic names this lab's
// own, ic's remote_keystone otherwise.
func (s *Service) InterconnectionKeystone(ic Interconnection) string {
	if ic.RemoteKeystoneIsLab && s.cfg.AuthURI != "" {
		return s.cfg.AuthURI
	}
	return ic.RemoteKeystone
}
