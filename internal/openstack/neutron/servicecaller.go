package neutron

import "context"

type serviceKey struct{}

// AsService marks ctx as a request a cloud service makes in process for
// the user (Nova binding a server's ports to its host): Neutron's policy
// lets the service role set what only an admin may otherwise set on a
// port's binding. A client over HTTP cannot mark its request so.
func AsService(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, true)
}

func isService(ctx context.Context) bool {
	v, _ := ctx.Value(serviceKey{}).(bool)
	return v
}
