package nova

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// keypair is a user's SSH public key, by name.
type keypair struct {
	Name, UserID, PublicKey, Fingerprint, Type string
	Created                                    time.Time
}

var keypairNameRE = regexp.MustCompile(`^[a-zA-Z0-9 _.@-]{1,255}$`)

// fingerprint is the MD5 fingerprint of an OpenSSH public key line
// ("TYPE BASE64 [COMMENT]"), as Nova computes it; false when the line is
// not a key.
func fingerprint(line string) (string, bool) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", false
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(blob) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(blob)
	if uint64(n) > uint64(len(blob)-4) || string(blob[4:4+n]) != f[0] {
		return "", false
	}
	sum := md5.Sum(blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(hexes, ":"), true
}

// sshString is SSH's wire encoding of a string.
func sshString(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// newKey makes an ed25519 key pair: the public key line and the private
// key in OpenSSH's format, for a create that brings no public key.
func newKey(comment string) (public, private string) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	pubBlob := append(sshString([]byte("ssh-ed25519")), sshString(pub)...)
	var check [4]byte
	rand.Read(check[:])
	var body bytes.Buffer
	body.Write(check[:])
	body.Write(check[:])
	body.Write(pubBlob)
	body.Write(sshString(priv))
	body.Write(sshString([]byte(comment)))
	for i := byte(1); body.Len()%8 != 0; i++ {
		body.WriteByte(i)
	}
	var out bytes.Buffer
	out.WriteString("openssh-key-v1\x00")
	out.Write(sshString([]byte("none")))
	out.Write(sshString([]byte("none")))
	out.Write(sshString(nil))
	out.Write(binary.BigEndian.AppendUint32(nil, 1))
	out.Write(sshString(pubBlob))
	out.Write(sshString(body.Bytes()))
	public = "ssh-ed25519 " + base64.StdEncoding.EncodeToString(pubBlob) + " " + comment
	private = string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: out.Bytes()}))
	return public, private
}

func (s *Service) keypairView(c *caller, k *keypair, detail bool) map[string]any {
	m := map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint}
	if c.version.atLeast(2, 2) {
		m["type"] = k.Type
	}
	if detail {
		m["user_id"] = k.UserID
		m["id"] = 0
		m["created_at"] = k.Created.UTC().Format("2006-01-02T15:04:05.000000")
		m["deleted"] = false
		m["deleted_at"], m["updated_at"] = nil, nil
	}
	return m
}

// keypairUser is whose key pairs a request means: the caller's, or from
// 2.10 an admin's ?user_id=.
func keypairUser(r *http.Request, c *caller) string {
	if u := r.URL.Query().Get("user_id"); u != "" && c.admin && c.version.atLeast(2, 10) {
		return u
	}
	return c.User.ID
}

func (s *Service) createKeypair(w http.ResponseWriter, r *http.Request, c *caller) {
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	req, ok := body["keypair"].(map[string]any)
	if !ok {
		fail(w, c.version, invalid("keypair", body["keypair"], "'keypair' is a required property"))
		return
	}
	name, _ := req["name"].(string)
	if !keypairNameRE.MatchString(name) {
		fail(w, c.version, invalid("name", req["name"], "is not a valid key pair name"))
		return
	}
	k := &keypair{Name: name, UserID: c.User.ID, Type: "ssh", Created: s.cfg.Now()}
	if t, ok := req["type"].(string); ok && c.version.atLeast(2, 2) {
		if t != "ssh" && t != "x509" {
			fail(w, c.version, invalid("type", t, "is not one of ['ssh', 'x509']"))
			return
		}
		k.Type = t
	}
	if u, ok := req["user_id"].(string); ok && c.version.atLeast(2, 10) && c.admin {
		k.UserID = u
	}
	var private string
	switch pk := req["public_key"].(type) {
	case nil:
		if c.version.atLeast(2, 92) {
			fail(w, c.version, invalid("keypair", req, "'public_key' is a required property"))
			return
		}
		k.PublicKey, private = newKey("Generated-by-Nova")
	case string:
		k.PublicKey = strings.TrimSpace(pk)
	default:
		fail(w, c.version, invalid("public_key", pk, "is not of type 'string'"))
		return
	}
	fp, ok := fingerprint(k.PublicKey)
	if !ok {
		fail(w, c.version, badRequest("Keypair data is invalid: failed to generate fingerprint"))
		return
	}
	k.Fingerprint = fp
	if err := s.insertKeypair(r.Context(), k, c.project()); err != nil {
		fail(w, c.version, err)
		return
	}
	v := s.keypairView(c, k, false)
	v["user_id"] = k.UserID
	if private != "" {
		v["private_key"] = private
	}
	code := http.StatusOK
	if c.version.atLeast(2, 2) {
		code = http.StatusCreated
	}
	writeJSON(w, c.version, code, map[string]any{"keypair": v})
}

func (s *Service) listKeypairs(w http.ResponseWriter, r *http.Request, c *caller) {
	ks, err := s.keypairs(r.Context(), keypairUser(r, c))
	if err != nil {
		fail(w, c.version, err)
		return
	}
	out := []any{}
	for _, k := range ks {
		out = append(out, map[string]any{"keypair": s.keypairView(c, k, false)})
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"keypairs": out})
}

func (s *Service) showKeypair(w http.ResponseWriter, r *http.Request, c *caller) {
	user := keypairUser(r, c)
	k, err := s.keypair(r.Context(), user, r.PathValue("name"))
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"keypair": s.keypairView(c, k, true)})
}

func (s *Service) deleteKeypair(w http.ResponseWriter, r *http.Request, c *caller) {
	user, name := keypairUser(r, c), r.PathValue("name")
	if _, err := s.keypair(r.Context(), user, name); err != nil {
		fail(w, c.version, err)
		return
	}
	err := s.st.Tx(r.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `DELETE FROM nova_keypairs WHERE user_id = ? AND name = ?`, user, name)
		return err
	})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	code := http.StatusAccepted
	if c.version.atLeast(2, 2) {
		code = http.StatusNoContent
	}
	writeJSON(w, c.version, code, nil)
}

// insertKeypair stores k unless its user has as many key pairs as the
// key_pairs quota of the project they act in allows (Nova counts a
// user's, checked before the name) or one of its name.
func (s *Service) insertKeypair(ctx context.Context, k *keypair, project string) error {
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		limits, err := s.quotaLimits(ctx, tx, project)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM nova_keypairs WHERE user_id = ?`, k.UserID).Scan(&n); err != nil {
			return err
		}
		if max := limits["key_pairs"]; max >= 0 && n+1 > max {
			return &apiError{http.StatusForbidden, "Quota exceeded, too many key pairs."}
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM nova_keypairs WHERE user_id = ? AND name = ?`, k.UserID, k.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflicting("Key pair '%s' already exists.", k.Name)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO nova_keypairs (user_id, name, type, public_key, fingerprint, created) VALUES (?, ?, ?, ?, ?, ?)`,
			k.UserID, k.Name, k.Type, k.PublicKey, k.Fingerprint, k.Created.UTC().Format(time.RFC3339Nano))
		return err
	})
}

func (s *Service) keypairs(ctx context.Context, user string) ([]*keypair, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT name, type, public_key, fingerprint, created FROM nova_keypairs WHERE user_id = ? ORDER BY name`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*keypair
	for rows.Next() {
		k := &keypair{UserID: user}
		var created string
		if err := rows.Scan(&k.Name, &k.Type, &k.PublicKey, &k.Fingerprint, &created); err != nil {
			return nil, err
		}
		k.Created, _ = time.Parse(time.RFC3339Nano, created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// keypair is user's key pair name, or Nova's 404.
func (s *Service) keypair(ctx context.Context, user, name string) (*keypair, error) {
	k := &keypair{UserID: user, Name: name}
	var created string
	err := s.st.DB().QueryRowContext(ctx, `SELECT type, public_key, fingerprint, created FROM nova_keypairs WHERE user_id = ? AND name = ?`, user, name).
		Scan(&k.Type, &k.PublicKey, &k.Fingerprint, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Keypair %s not found for user %s", name, user)
	}
	if err != nil {
		return nil, err
	}
	k.Created, _ = time.Parse(time.RFC3339Nano, created)
	return k, nil
}
