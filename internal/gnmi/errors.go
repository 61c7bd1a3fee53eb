package gnmi

import (
	"fmt"
	"strings"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fieldError is err as the answer to the request field that caused it
// (a Get's "path[1]", a Set's "update[0]"): its code is kept, its message
// names the field and the path the client sent, and the status carries a
// google.rpc.BadRequest field violation saying the same, so that a client
// of a request with many paths or operations knows which one failed and
// why (gNMI specification 3.3.1 and 3.4.7: the invalid path in the message
// or details). An error without a gRPC status is an INTERNAL one.
func fieldError(err error, field string, p *gpb.Path) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		st = status.New(codes.Internal, err.Error())
	}
	reason := st.Message()
	where := field
	if ps := pathString(p); p != nil && ps != "" {
		where += " " + ps
		// The checks already name the path; say it once.
		reason = strings.TrimPrefix(reason, "path "+ps+": ")
	}
	out := status.New(st.Code(), fmt.Sprintf("%s: %s", where, reason))
	if d, err := out.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
		Field:       field,
		Description: fmt.Sprintf("%s: %s", where, reason),
	}}}); err == nil {
		out = d
	}
	return out.Err()
}
