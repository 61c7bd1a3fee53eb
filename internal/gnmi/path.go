package gnmi

import (
	"fmt"
	"slices"
	"strings"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/goyang/pkg/yang"
	"github.com/openconfig/ygot/ygot"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fullPath joins a request's prefix and path, read from elem or from the
// deprecated element strings, after checking the origin is OpenConfig's.
func fullPath(prefix, p *gpb.Path) (*gpb.Path, error) {
	out := &gpb.Path{}
	for _, q := range []*gpb.Path{prefix, p} {
		if q == nil {
			continue
		}
		if o := q.GetOrigin(); o != "" && o != "openconfig" {
			return nil, status.Errorf(codes.InvalidArgument, "origin %q is not served (want none or \"openconfig\")", o)
		}
		elems := q.GetElem()
		if len(elems) == 0 && len(q.GetElement()) > 0 {
			// gNMI before 0.4 (gnmi_cli -q still) sends element strings,
			// keys inside them: interface[name=eth1].
			p, err := ygot.StringToStructuredPath("/" + strings.Join(q.GetElement(), "/"))
			if err != nil {
				return nil, status.Errorf(codes.InvalidArgument, "path %v: %v", q.GetElement(), err)
			}
			elems = p.GetElem()
		}
		out.Elem = append(out.Elem, elems...)
	}
	return out, nil
}

// checkPath says where p leaves the schema: an element no container
// has, or a key its list does not have, with the code given (a Get's
// invalid path is INVALID_ARGUMENT, a Set's NOT_FOUND: gNMI specification
// 3.3.1 and 3.4.7); a wildcard element is INVALID_ARGUMENT.
func checkPath(root *yang.Entry, p *gpb.Path, notInSchema codes.Code) error {
	e := root
	for i, el := range p.GetElem() {
		if el.GetName() == "*" || el.GetName() == "..." {
			return status.Errorf(codes.InvalidArgument, "path %s: wildcard element %q is not served (wildcards go in list keys, e.g. interface[name=*])", pathString(p), el.GetName())
		}
		next := e.Dir[el.GetName()]
		if next == nil {
			return status.Errorf(notInSchema, "path %s: %q has no element %q (want one of: %s)", pathString(p), "/"+strings.Join(names(p.GetElem()[:i]), "/"), el.GetName(), strings.Join(children(e), ", "))
		}
		for k := range el.GetKey() {
			if !next.IsList() {
				return status.Errorf(notInSchema, "path %s: %q is not a list, it takes no key %q", pathString(p), el.GetName(), k)
			}
			if !slices.Contains(strings.Fields(next.Key), k) {
				return status.Errorf(notInSchema, "path %s: list %q has no key %q (its key is %q)", pathString(p), el.GetName(), k, next.Key)
			}
		}
		e = next
	}
	return nil
}

func names(els []*gpb.PathElem) []string {
	var s []string
	for _, el := range els {
		s = append(s, el.GetName())
	}
	return s
}

func children(e *yang.Entry) []string {
	var s []string
	for k := range e.Dir {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// pathString renders p as gNMI's path strings do, for messages.
func pathString(p *gpb.Path) string {
	s, err := ygot.PathToString(p)
	if err != nil {
		return fmt.Sprint(p.GetElem())
	}
	return s
}

// matches says whether the concrete leaf path leaf lies under the
// requested path want: names equal, and each key want gives either
// equal or "*" (a key it does not give matches any value).
func matches(want, leaf *gpb.Path) bool {
	if len(want.GetElem()) > len(leaf.GetElem()) {
		return false
	}
	for i, w := range want.GetElem() {
		l := leaf.GetElem()[i]
		if w.GetName() != l.GetName() {
			return false
		}
		for k, v := range w.GetKey() {
			if v != "*" && l.GetKey()[k] != v {
				return false
			}
		}
	}
	return true
}
