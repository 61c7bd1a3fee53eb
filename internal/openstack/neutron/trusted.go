package neutron

func init() {
	// Neutron's policy lets administrators alone set and see it.
	portAttrs["trusted"] = attrSpec{aPost | aPut | aAdmin, tBool}
	registerExtensions(extension{"port-trusted-vif", "Port trusted vif", "Expose port 'trusted' attribute in the API", "2024-07-10T10:00:00-00:00"})
}

// setTrusted applies a body's trusted (port-trusted-vif) to p: whether
// the VM may change its SR-IOV virtual function's MAC and use
// promiscuous mode. Unset (null) until given.
func setTrusted(p *Port, b *body) error {
	if !b.has("trusted") {
		return nil
	}
	v, err := b.boolean("trusted")
	if err != nil {
		return err
	}
	p.Trusted = &v
	return nil
}

// trustedView shows p's trusted, null when never set; when set, the
// binding profile carries it too, as Nova and the SR-IOV agent read it
// there.
func trustedView(p *Port, v map[string]any, profile map[string]any) {
	if p.Trusted == nil {
		v["trusted"] = nil
		return
	}
	v["trusted"] = *p.Trusted
	profile["trusted"] = *p.Trusted
}
