package neutron

import (
	"net/http"
	"strconv"
	"strings"
)

// revision-if-match: an update or delete may carry
// "If-Match: revision_number=N" and then applies only while the resource
// is at revision N, else 412 as Neutron's revision plugin answers.

func init() {
	registerExtensions(extension{"revision-if-match", "If-Match constraints based on revision_number",
		"Extension indicating that If-Match based on revision_number is supported.", "2016-12-11T00:00:00-00:00"})
}

// revisionConstraint reads the request's If-Match as Neutron does (webob
// splits it into entity tags, quoted or one bare value): the revision
// the change is constrained to, or nil when none is asked for.
func revisionConstraint(r *http.Request, col *collection) (*int, error) {
	var want *int
	for _, tag := range ifMatchTags(r.Header.Get("If-Match")) {
		v, ok := strings.CutPrefix(tag, "revision_number=")
		if !ok {
			continue
		}
		if want != nil {
			return nil, badRequest("if-match", "Multiple revision_number etags are not supported.")
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, badRequest("if-match", "Revision number etag must be in the format of revision_number=<int>")
		}
		want = &n
	}
	if want != nil {
		if _, ok := col.attrs["revision_number"]; !ok {
			return nil, badRequest(col.key(), "Revision matching not supported for this resource")
		}
	}
	return want, nil
}

// ifMatchTags are the strong entity tags of an If-Match value: the
// quoted ones, or the whole value when none is quoted, as webob parses.
func ifMatchTags(v string) []string {
	if v == "" || v == "*" {
		return nil
	}
	var tags []string
	quoted := false
	for rest := v; ; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		weak := i >= 2 && rest[i-2:i] == "W/"
		end := strings.IndexByte(rest[i+1:], '"')
		if end < 0 {
			break
		}
		quoted = true
		if !weak {
			tags = append(tags, rest[i+1:i+1+end])
		}
		rest = rest[i+2+end:]
	}
	if !quoted {
		return []string{v}
	}
	return tags
}

// checkRevision refuses a change to r unless r is at revision want (any
// revision when want is nil).
func checkRevision(r resource, want *int) error {
	if want == nil || r.base().RevisionNumber == *want {
		return nil
	}
	return newErr(http.StatusPreconditionFailed, "RevisionNumberConstraintFailed",
		"Constrained to %d, but current revision is %d", *want, r.base().RevisionNumber)
}
