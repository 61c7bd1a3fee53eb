package neutron

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// apiError is an error the API answers as Neutron does:
// {"NeutronError": {"type": Type, "message": Message, "detail": ""}}
// with Status. Type is the name of the Python exception class Neutron
// raises in the same situation (neutron_lib.exceptions, webob.exc, or
// oslo.policy), since clients match on it.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func newErr(status int, typ, format string, args ...any) *apiError {
	return &apiError{Status: status, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// httpBadRequest is webob.exc.HTTPBadRequest, raised by Neutron's API
// layer for malformed bodies and query parameters.
func httpBadRequest(format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, "HTTPBadRequest", format, args...)
}

// httpNotFound is webob.exc.HTTPNotFound, which Neutron raises to hide
// resources a policy check refuses.
func httpNotFound() *apiError {
	return newErr(http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
}

// invalidInput is neutron_lib.exceptions.InvalidInput.
func invalidInput(format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, "InvalidInput", "Invalid input for operation: %s.", fmt.Sprintf(format, args...))
}

// badRequest is neutron_lib.exceptions.BadRequest for resource.
func badRequest(resource, format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, "BadRequest", "Bad %s request: %s.", resource, fmt.Sprintf(format, args...))
}

// policyDenied is oslo.policy's PolicyNotAuthorized, 403.
func policyDenied(rule string) *apiError {
	return newErr(http.StatusForbidden, "PolicyNotAuthorized", "%s is disallowed by policy", rule)
}

func notFound(typ, format string, args ...any) *apiError {
	return newErr(http.StatusNotFound, typ, format, args...)
}

func conflict(typ, format string, args ...any) *apiError {
	return newErr(http.StatusConflict, typ, format, args...)
}

func networkNotFound(id string) *apiError {
	return notFound("NetworkNotFound", "Network %s could not be found.", id)
}
func subnetNotFound(id string) *apiError {
	return notFound("SubnetNotFound", "Subnet %s could not be found.", id)
}
func portNotFound(id string) *apiError {
	return notFound("PortNotFound", "Port %s could not be found.", id)
}
func routerNotFound(id string) *apiError {
	return notFound("RouterNotFound", "Router %s could not be found", id)
}
func floatingIPNotFound(id string) *apiError {
	return notFound("FloatingIPNotFound", "Floating IP %s could not be found", id)
}
func subnetPoolNotFound(id string) *apiError {
	return notFound("SubnetPoolNotFound", "Subnet pool %s could not be found.", id)
}
func addressScopeNotFound(id string) *apiError {
	return notFound("AddressScopeNotFound", "Address scope %s could not be found.", id)
}

// writeNeutronError answers e.
func writeNeutronError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, map[string]any{"NeutronError": map[string]any{
		"type": e.Type, "message": e.Message, "detail": "",
	}})
}

// writeJSON answers body with status code.
func writeJSON(w http.ResponseWriter, code int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"NeutronError": {"type": "HTTPInternalServerError", "message": "Request Failed: internal server error while processing your request.", "detail": ""}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}

// pyStr formats a decoded JSON value as Python's str() would print the
// value Neutron received, for messages such as "'%s' is not a valid
// string".
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return pyRepr(v)
	}
}

// pyRepr formats a value as Python's repr() would.
func pyRepr(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return pyStr(v)
	}
}
