// Package metrics exposes a running lab in Prometheus' text format. The
// lab's counters are read when Prometheus scrapes (a Collector), never
// copied as packets flow, so metrics cost the data path nothing.
package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/ldp"
)

var (
	portLabels   = []string{"port", "peer"}
	linkUp       = prometheus.NewDesc("intercloud_link_up", "Whether a link is up (1) or down (0).", []string{"a", "b"}, nil)
	txPackets    = prometheus.NewDesc("intercloud_port_tx_packets_total", "Frames a port put on its link, lost ones included.", portLabels, nil)
	rxPackets    = prometheus.NewDesc("intercloud_port_rx_packets_total", "Frames the link delivered to a port.", portLabels, nil)
	txBytes      = prometheus.NewDesc("intercloud_port_tx_bytes_total", "Bytes a port put on its link.", portLabels, nil)
	rxBytes      = prometheus.NewDesc("intercloud_port_rx_bytes_total", "Bytes the link delivered to a port.", portLabels, nil)
	drops        = prometheus.NewDesc("intercloud_port_drops_total", "Frames a port sent that its link dropped, by reason.", append(portLabels, "reason"), nil)
	queueFrames  = prometheus.NewDesc("intercloud_port_queue_frames", "Frames a port sent that the link has not yet delivered.", portLabels, nil)
	queueBytes   = prometheus.NewDesc("intercloud_port_queue_bytes", "Bytes waiting for a rate-limited line.", portLabels, nil)
	sessionUp    = prometheus.NewDesc("intercloud_bgp_session_established", "Whether a BGP session is Established (1) or not (0); state names the FSM state.", []string{"node", "speaker", "neighbor", "state"}, nil)
	prefixesRcvd = prometheus.NewDesc("intercloud_bgp_session_prefixes_received", "Prefixes a BGP session has received.", []string{"node", "speaker", "neighbor"}, nil)
	prefixesSent = prometheus.NewDesc("intercloud_bgp_session_prefixes_sent", "Prefixes a BGP session has advertised.", []string{"node", "speaker", "neighbor"}, nil)
	adjacency    = prometheus.NewDesc("intercloud_igp_adjacency_full", "Whether an IGP adjacency is Full (1) or not (0); state names the neighbour state.", []string{"node", "interface", "neighbor", "state"}, nil)
	ldpSession   = prometheus.NewDesc("intercloud_ldp_session_operational", "Whether an LDP session is Operational (1) or not (0); state names the session state.", []string{"node", "peer", "state"}, nil)
	routes       = prometheus.NewDesc("intercloud_router_routes", "Routes in a router's FIB, by VRF (\"\" is the global table).", []string{"node", "vrf"}, nil)
	labels       = prometheus.NewDesc("intercloud_router_labels", "Entries in a router's LFIB.", []string{"node"}, nil)
	spfRuns      = prometheus.NewDesc("intercloud_igp_spf_runs_total", "SPF runs of a node's IGP.", []string{"node"}, nil)
	convergence  = prometheus.NewDesc("intercloud_lab_convergence_seconds", "From the lab's start to the control plane's last change (adjacency, SPF run, label, session).", nil, nil)
	events       = prometheus.NewDesc("intercloud_lab_events_total", "Events the lab has recorded (the id of the newest).", nil, nil)
)

// labCollector reads l on every scrape.
type labCollector struct{ l *lab.Lab }

// NewLabCollector returns a Collector of l's links, sessions, tables and
// convergence.
func NewLabCollector(l *lab.Lab) prometheus.Collector { return labCollector{l} }

func (c labCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{linkUp, txPackets, rxPackets, txBytes, rxBytes, drops, queueFrames, queueBytes,
		sessionUp, prefixesRcvd, prefixesSent, adjacency, ldpSession, routes, labels, spfRuns, convergence, events} {
		ch <- d
	}
}

func (c labCollector) Collect(ch chan<- prometheus.Metric) {
	l := c.l
	for _, li := range l.Links() {
		ch <- prometheus.MustNewConstMetric(linkUp, prometheus.GaugeValue, b2f(li.Up), li.A, li.B)
		pa, pb := l.LinkPorts(li.ID)
		port(ch, li.A, li.B, li.AStats, pa)
		port(ch, li.B, li.A, li.BStats, pb)
	}
	for _, n := range l.Nodes() {
		name := n.Model.Name
		g := n.Gauges()
		for vrf, k := range g.Routes {
			ch <- prometheus.MustNewConstMetric(routes, prometheus.GaugeValue, float64(k), name, vrf)
		}
		ch <- prometheus.MustNewConstMetric(labels, prometheus.GaugeValue, float64(g.Labels), name)
		if g.SPFRuns >= 0 {
			ch <- prometheus.MustNewConstMetric(spfRuns, prometheus.CounterValue, float64(g.SPFRuns), name)
		}
		for _, nb := range g.IGP {
			ch <- prometheus.MustNewConstMetric(adjacency, prometheus.GaugeValue, b2f(nb.State == igp.StateFull), name, nb.Interface, nb.RouterID.String(), nb.State.String())
		}
		for _, nb := range g.LDP {
			ch <- prometheus.MustNewConstMetric(ldpSession, prometheus.GaugeValue, b2f(nb.State == ldp.StateOperational), name, nb.LSRID.String(), nb.State.String())
		}
		for sp, nbrs := range g.Sessions {
			for _, nb := range nbrs {
				peer := nb.Neighbor.String()
				ch <- prometheus.MustNewConstMetric(sessionUp, prometheus.GaugeValue, b2f(strings.EqualFold(nb.State, "Established")), name, sp, peer, nb.State)
				ch <- prometheus.MustNewConstMetric(prefixesRcvd, prometheus.GaugeValue, float64(nb.PfxRcd), name, sp, peer)
				ch <- prometheus.MustNewConstMetric(prefixesSent, prometheus.GaugeValue, float64(nb.PfxSnt), name, sp, peer)
			}
		}
	}
	conv := 0.0
	if last := l.LastChange(); last.After(l.Started()) {
		conv = last.Sub(l.Started()).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(convergence, prometheus.GaugeValue, conv)
	ch <- prometheus.MustNewConstMetric(events, prometheus.CounterValue, float64(l.LastEventID()))
}

func port(ch chan<- prometheus.Metric, name, peer string, s dataplane.Stats, p *dataplane.Port) {
	ch <- prometheus.MustNewConstMetric(txPackets, prometheus.CounterValue, float64(s.TxFrames), name, peer)
	ch <- prometheus.MustNewConstMetric(rxPackets, prometheus.CounterValue, float64(s.RxFrames), name, peer)
	ch <- prometheus.MustNewConstMetric(txBytes, prometheus.CounterValue, float64(s.TxBytes), name, peer)
	ch <- prometheus.MustNewConstMetric(rxBytes, prometheus.CounterValue, float64(s.RxBytes), name, peer)
	for _, r := range dataplane.DropReasons() {
		ch <- prometheus.MustNewConstMetric(drops, prometheus.CounterValue, float64(s.Drops(r)), name, peer, r.String())
	}
	frames, backlog := p.Queue()
	ch <- prometheus.MustNewConstMetric(queueFrames, prometheus.GaugeValue, float64(frames), name, peer)
	ch <- prometheus.MustNewConstMetric(queueBytes, prometheus.GaugeValue, float64(backlog), name, peer)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
