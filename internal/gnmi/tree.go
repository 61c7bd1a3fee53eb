package gnmi

import (
	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/router"
)

// Short names for the generated types this package fills in.
type (
	ocInterface = oc.IntercloudOcInterfaces_Interfaces_Interface
	ocCounters  = oc.IntercloudOcInterfaces_Interfaces_Interface_State_Counters
)

// device renders a router's interfaces, as "show NODE interfaces" reads
// them from the data plane, as the OpenConfig interfaces tree. The lab has
// no interface shutdown: every interface is enabled (admin-status UP), and
// its oper-status follows the link's carrier, as when a cable is pulled.
func device(t router.InterfaceTable) *oc.Device {
	d := &oc.Device{}
	ifs := d.GetOrCreateInterfaces()
	for _, row := range t {
		i := ifs.GetOrCreateInterface(row.Name)
		cfg := i.GetOrCreateConfig()
		cfg.Name = &row.Name
		cfg.Enabled = ptr(true)
		st := i.GetOrCreateState()
		st.Name = ptr(row.Name)
		st.Enabled = ptr(true)
		st.AdminStatus = oc.IntercloudOcInterfaces_Interfaces_Interface_State_AdminStatus_UP
		st.OperStatus = oc.IntercloudOcInterfaces_Interfaces_Interface_State_OperStatus_DOWN
		if row.Up {
			st.OperStatus = oc.IntercloudOcInterfaces_Interfaces_Interface_State_OperStatus_UP
		}
		var routerDrops uint64
		for _, n := range row.Drops {
			routerDrops += n
		}
		st.Counters = &ocCounters{
			InPkts:      ptr(row.RxFrames),
			InOctets:    ptr(row.RxBytes),
			InDiscards:  ptr(routerDrops),
			OutPkts:     ptr(row.TxFrames),
			OutOctets:   ptr(row.TxBytes),
			OutDiscards: ptr(row.LinkDrops),
		}
	}
	return d
}

func ptr[T any](v T) *T { return &v }
