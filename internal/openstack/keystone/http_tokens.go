package keystone

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"
)

// authRequest is the body of POST /v3/auth/tokens.
type authRequest struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *userSelector `json:"user"`
			} `json:"password"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
		} `json:"identity"`
		// Scope is an object ({"project": ...}) or the string "unscoped".
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

type userSelector struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Domain   *domainSelector `json:"domain"`
	Password string          `json:"password"`
}

type domainSelector struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type scopeSelector struct {
	Project *struct {
		ID     string          `json:"id"`
		Name   string          `json:"name"`
		Domain *domainSelector `json:"domain"`
	} `json:"project"`
	Domain *domainSelector `json:"domain"`
	System json.RawMessage `json:"system"`
	Trust  json.RawMessage `json:"OS-TRUST:trust"`
}

// badRequest is a client error answered with 400 and its message.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// domainWhere selects a domain by id or name, for table alias d.
func domainWhere(d *domainSelector, what string) (string, []any, error) {
	switch {
	case d == nil:
		return "", nil, badRequest("Expecting to find domain in " + what + ". The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
	case d.ID != "":
		return "d.id = ?", []any{d.ID}, nil
	case d.Name != "":
		return "d.name = ?", []any{d.Name}, nil
	}
	return "", nil, badRequest("Expecting to find id or name in " + what + " domain.")
}

// createToken is POST /v3/auth/tokens: password or token authentication,
// project-scoped or unscoped.
func (s *Service) createToken(w http.ResponseWriter, r *http.Request) {
	token, id, err := s.authenticate(r)
	var bad badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, string(bad))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	body, err := s.tokenBody(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, body)
}

// authenticate checks the request's credentials and issues a token.
func (s *Service) authenticate(r *http.Request) (string, Identity, error) {
	ctx := r.Context()
	var req authRequest
	if err := decodeJSON(r, &req); err != nil {
		return "", Identity{}, badRequest(err.Error())
	}
	if req.Auth == nil || req.Auth.Identity == nil {
		return "", Identity{}, badRequest("Expecting to find identity in auth.")
	}
	ident := req.Auth.Identity
	if len(ident.Methods) == 0 {
		return "", Identity{}, badRequest("Expecting to find methods in identity.")
	}
	var issue issueRequest
	for _, m := range ident.Methods {
		var user, domain Ref
		switch m {
		case "password":
			if ident.Password == nil || ident.Password.User == nil {
				return "", Identity{}, badRequest("Expecting to find user in password.")
			}
			u := ident.Password.User
			where, args := "u.id = ?", []any{u.ID}
			if u.ID == "" {
				if u.Name == "" {
					return "", Identity{}, badRequest("Expecting to find id or name in user.")
				}
				dw, dargs, err := domainWhere(u.Domain, "user")
				if err != nil {
					return "", Identity{}, err
				}
				where, args = "u.name = ? AND "+dw, append([]any{u.Name}, dargs...)
			}
			uref, dref, hash, err := loadUser(ctx, s.st.DB(), where, args...)
			if err != nil {
				return "", Identity{}, err
			}
			if !checkPassword(hash, u.Password) {
				return "", Identity{}, ErrUnauthorized
			}
			user, domain = uref, dref
		case "token":
			if ident.Token == nil || ident.Token.ID == "" {
				return "", Identity{}, badRequest("Expecting to find id in token.")
			}
			orig, err := s.lookupToken(ctx, ident.Token.ID)
			if err != nil {
				return "", Identity{}, err
			}
			user, domain = orig.User, orig.UserDomain
			// A token made from a token lives no longer than its
			// origin and shares its audit chain.
			issue.expiresAt, issue.auditIDs = orig.ExpiresAt, orig.AuditIDs
			for _, om := range orig.Methods {
				if !slices.Contains(issue.methods, om) {
					issue.methods = append(issue.methods, om)
				}
			}
		default:
			return "", Identity{}, ErrUnauthorized // Keystone: unsupported method is 401
		}
		if issue.user.ID != "" && issue.user.ID != user.ID {
			return "", Identity{}, ErrUnauthorized // methods must agree on the user
		}
		issue.user, issue.userDomain = user, domain
		if !slices.Contains(issue.methods, m) {
			issue.methods = append([]string{m}, issue.methods...)
		}
	}
	if err := scopeOf(req.Auth.Scope, &issue); err != nil {
		return "", Identity{}, err
	}
	return s.issue(ctx, issue)
}

// scopeOf reads the scope of an auth request into issue.
func scopeOf(raw json.RawMessage, issue *issueRequest) error {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `"unscoped"` {
		return nil
	}
	var sc scopeSelector
	if err := json.Unmarshal(raw, &sc); err != nil {
		return badRequest("Invalid scope: " + err.Error())
	}
	switch {
	case sc.Project != nil:
		p := sc.Project
		if p.ID != "" {
			issue.scopeWhere, issue.scopeArgs = "p.id = ?", []any{p.ID}
			return nil
		}
		if p.Name == "" {
			return badRequest("Expecting to find id or name in project.")
		}
		dw, dargs, err := domainWhere(p.Domain, "project")
		if err != nil {
			return err
		}
		issue.scopeWhere, issue.scopeArgs = "p.name = ? AND "+dw, append([]any{p.Name}, dargs...)
		return nil
	case sc.Domain != nil, sc.System != nil, sc.Trust != nil:
		return badRequest("intercloud's Keystone issues project-scoped and unscoped tokens only.")
	}
	return badRequest("Expecting to find project in scope.")
}

// subject reads X-Subject-Token for the validate and revoke calls, after
// checking the caller's own token; the caller may act on its own user's
// tokens, an admin on any.
func (s *Service) subject(w http.ResponseWriter, r *http.Request) (string, Identity, bool) {
	caller, err := s.lookupToken(r.Context(), r.Header.Get("X-Auth-Token"))
	if err != nil {
		s.fail(w, r, err)
		return "", Identity{}, false
	}
	token := r.Header.Get("X-Subject-Token")
	if token == "" {
		writeError(w, http.StatusBadRequest, "Expecting to find X-Subject-Token in the request headers.")
		return "", Identity{}, false
	}
	id, err := s.lookupToken(r.Context(), token)
	if errors.Is(err, ErrUnauthorized) {
		writeError(w, http.StatusNotFound, "Could not find token: "+token+".")
		return "", Identity{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return "", Identity{}, false
	}
	if !caller.IsAdmin() && caller.User.ID != id.User.ID {
		writeError(w, http.StatusForbidden, msgForbidden)
		return "", Identity{}, false
	}
	return token, id, true
}

// checkToken is GET and HEAD /v3/auth/tokens: validate X-Subject-Token.
func (s *Service) checkToken(w http.ResponseWriter, r *http.Request) {
	token, id, ok := s.subject(w, r)
	if !ok {
		return
	}
	body, err := s.tokenBody(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusOK, body)
}

// revokeToken is DELETE /v3/auth/tokens.
func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) {
	token, id, ok := s.subject(w, r)
	if !ok {
		return
	}
	if err := s.revoke(r.Context(), token); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("token revoked", "user", id.User.Name, "audit_id", id.AuditIDs[0])
	w.WriteHeader(http.StatusNoContent)
}

// keystoneTime formats times as Keystone does: microseconds, UTC, "Z".
func keystoneTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// tokenBody shapes a token as Keystone does; scoped tokens carry the
// catalog unless the request says ?nocatalog.
func (s *Service) tokenBody(r *http.Request, id Identity) (map[string]any, error) {
	tok := map[string]any{
		"methods": id.Methods,
		"user": map[string]any{
			"id": id.User.ID, "name": id.User.Name, "domain": id.UserDomain,
			"password_expires_at": nil,
		},
		"audit_ids":  id.AuditIDs,
		"issued_at":  keystoneTime(id.IssuedAt),
		"expires_at": keystoneTime(id.ExpiresAt),
	}
	if id.Scoped() {
		tok["project"] = map[string]any{"id": id.Project.ID, "name": id.Project.Name, "domain": id.ProjectDomain}
		tok["is_domain"] = false
		tok["roles"] = id.Roles
		if _, no := r.URL.Query()["nocatalog"]; !no {
			cat, err := s.Catalog(r.Context())
			if err != nil {
				return nil, err
			}
			tok["catalog"] = emptyIfNil(cat)
		}
	}
	return map[string]any{"token": tok}, nil
}

// emptyIfNil keeps JSON lists as [] rather than null.
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
