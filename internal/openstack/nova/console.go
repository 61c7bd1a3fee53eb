package nova

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/glance"
)

// consoleOutput answers os-getConsoleOutput: the last length lines (all
// when null or -1) of the guest's boot, once it is ACTIVE.
func (s *Service) consoleOutput(w http.ResponseWriter, r *http.Request, c *caller, sv *server, args any) {
	m, ok := args.(map[string]any)
	if !ok {
		fail(w, c.version, invalid("os-getConsoleOutput", args, "is not of type 'object'"))
		return
	}
	length := -1
	switch l := m["length"].(type) {
	case nil:
	case float64:
		length = int(l)
		if float64(length) != l || length < -1 {
			fail(w, c.version, invalid("length", l, "is less than the minimum of -1"))
			return
		}
	case string:
		n, err := strconv.Atoi(l)
		if err != nil || n < -1 {
			b, _ := json.Marshal(l)
			fail(w, c.version, invalid("length", l, fmt.Sprintf("%s does not match '^-?[0-9]+$'", b)))
			return
		}
		length = n
	default:
		fail(w, c.version, invalid("length", l, "is not valid under any of the given schemas"))
		return
	}
	if !s.active(sv) {
		fail(w, c.version, conflicting("Cannot 'get_console_output' instance %s while it is in vm_state building", sv.ID))
		return
	}
	nv, err := s.network(r.Context(), c.token)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	lines := s.bootLines(sv, nv)
	if length >= 0 && length < len(lines) {
		lines = lines[len(lines)-length:]
	}
	out := strings.Join(lines, "\n")
	if len(lines) > 0 {
		out += "\n"
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"output": out})
}

// iface is one of the guest's network interfaces as it would see it.
type iface struct {
	name, mac, addr, mask, gateway string
}

func (s *Service) ifaces(sv *server, nv *netView) []iface {
	var out []iface
	for _, p := range nv.ports {
		if str(p["device_id"]) != sv.ID {
			continue
		}
		fixed, _ := p["fixed_ips"].([]any)
		for _, f := range fixed {
			fm, _ := f.(map[string]any)
			i := iface{name: fmt.Sprintf("eth%d", len(out)), mac: str(p["mac_address"]), addr: str(fm["ip_address"]), mask: "255.255.255.0"}
			if sn, ok := nv.subnets[str(fm["subnet_id"])]; ok {
				if pf, err := netip.ParsePrefix(str(sn["cidr"])); err == nil && pf.Addr().Is4() {
					b := uint32(0xffffffff) << (32 - pf.Bits())
					i.mask = fmt.Sprintf("%d.%d.%d.%d", b>>24, b>>16&0xff, b>>8&0xff, b&0xff)
				}
				i.gateway = str(sn["gateway_ip"])
			}
			out = append(out, i)
		}
	}
	return out
}

// bootLines are what the guest prints on its serial console while it
// boots: the kernel, DHCP on each interface with the address Neutron
// gave it, and cloud-init naming the host and its addresses.
func (s *Service) bootLines(sv *server, nv *netView) []string {
	im, _ := glance.Lookup(sv.ImageID)
	boot := sv.Created.Add(s.cfg.BootTime).UTC()
	host := hostname(sv.Name)
	ifs := s.ifaces(sv, nv)
	l := []string{
		fmt.Sprintf("[    0.000000] Linux version %s (buildd@lcy02-amd64) (gcc (Ubuntu 11.3.0) 11.3.0) #1 SMP", im.Kernel),
		"[    0.000000] Command line: console=tty1 console=ttyS0 root=/dev/vda1 ro",
		fmt.Sprintf("[    0.000000] DMI: OpenStack Foundation OpenStack Nova, BIOS 1.16.3 %s", boot.Format("01/02/2006")),
		"[    0.000000] Hypervisor detected: KVM",
		"[    1.021443] virtio_net virtio0 eth0: renamed from ens3",
		"[    1.318007] EXT4-fs (vda1): mounted filesystem with ordered data mode.",
	}
	for _, i := range ifs {
		if im.OS == "cirros" {
			l = append(l,
				fmt.Sprintf("Starting network: udhcpc: started, v1.36.1 on %s", i.name),
				"udhcpc: broadcasting discover",
				fmt.Sprintf("udhcpc: lease of %s obtained from %s, lease time 86400", i.addr, i.gateway))
		} else {
			l = append(l, fmt.Sprintf("[    3.402118] systemd-networkd[412]: %s: DHCPv4 address %s/%s, gateway %s acquired", i.name, i.addr, i.mask, i.gateway))
		}
	}
	l = append(l,
		fmt.Sprintf("Cloud-init v. 24.1.3 running 'init' at %s. Up 4.18 seconds.", boot.Format("Mon, 02 Jan 2006 15:04:05 -0700")),
		"ci-info: ++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++",
		"ci-info: | Device |  Up  |   Address    |      Mask      | Scope  |     Hw-Address    |",
	)
	for _, i := range ifs {
		l = append(l, fmt.Sprintf("ci-info: | %6s | True | %12s | %14s | global | %s |", i.name, i.addr, i.mask, i.mac))
	}
	l = append(l,
		"ci-info: |   lo   | True |  127.0.0.1   |   255.0.0.0    |  host  |         .         |",
	)
	if sv.KeyFingerprint != "" {
		l = append(l,
			"ci-info: +++++++++++++++++++++Authorized keys from /home/"+user(im)+"/.ssh/authorized_keys for user "+user(im)+"++++++++++++++++++++++",
			"ci-info: | Keytype |                Fingerprint (md5)                | Options | Comment |",
			fmt.Sprintf("ci-info: |   ssh   | %s |    -    |    -    |", sv.KeyFingerprint),
		)
	}
	l = append(l,
		fmt.Sprintf("Cloud-init v. 24.1.3 running 'modules:config' at %s. Up 6.02 seconds.", boot.Format("Mon, 02 Jan 2006 15:04:05 -0700")),
		fmt.Sprintf("Setting hostname to %s", host),
		fmt.Sprintf("Cloud-init v. 24.1.3 finished at %s. Datasource DataSourceOpenStackLocal [net,ver=2].  Up 7.45 seconds", boot.Format("Mon, 02 Jan 2006 15:04:05 -0700")),
		"",
	)
	switch im.OS {
	case "cirros":
		l = append(l, "  ____               ____  ____", " / __/ __ ____ ____ / __ \\/ __/", "/ /__ / // __// __// /_/ /\\ \\", "\\___//_//_/  /_/   \\____/___/", "   http://cirros-cloud.net", "",
			"login as 'cirros' user. default password: 'gocubsgo'. use 'sudo' for root.")
	default:
		l = append(l, fmt.Sprintf("%s GNU/Linux (%s) %s ttyS0", strings.ToUpper(im.OS[:1])+im.OS[1:], im.Kernel, host), "")
	}
	return append(l, host+" login: ")
}

// user is the image's default login.
func user(im glance.Image) string {
	if im.OS == "" {
		return "cloud-user"
	}
	return im.OS
}
