package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TokenFile is the file, in the state directory, that holds the lab
// API's token. Like Docker's socket or Jupyter's token, whoever can read
// it controls the lab: `up` writes it readable by its owner only, and
// every CLI command reads it from the same --state-dir.
const TokenFile = "api-token"

// EnvToken names the environment variable that, when set, is the token
// the client sends instead of the file's (a lab on another machine).
const EnvToken = "INTERCLOUD_TOKEN"

// tokenBytes of randomness: 256 bits, never guessed.
const tokenBytes = 32

// NewToken returns a fresh random token.
func NewToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand's contract since Go 1.24)
	return hex.EncodeToString(b)
}

// validToken says whether s looks like a token NewToken made.
func validToken(s string) bool {
	if len(s) != 2*tokenBytes {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// LoadOrCreateToken returns the token in dir's TokenFile, writing a new
// one when there is none. The directory is made (or tightened to) 0700
// and the file 0600. A file that others could read, or that is not a
// token, is replaced: a token others may have read is no secret. Keeping
// a good one lets a restarted lab keep its clients.
func LoadOrCreateToken(dir string) (string, error) {
	if err := PrivateDir(dir); err != nil {
		return "", err
	}
	path := filepath.Join(dir, TokenFile)
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 == 0 {
		if b, err := os.ReadFile(path); err == nil {
			if tok := strings.TrimSpace(string(b)); validToken(tok) {
				return tok, nil
			}
		}
	}
	tok := NewToken()
	// Written beside and renamed, so a reader never sees half a token
	// and the new file never inherits the old one's mode.
	tmp, err := os.CreateTemp(dir, TokenFile+".*")
	if err != nil {
		return "", fmt.Errorf("api: write token: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(tok + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("api: write token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("api: write token: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil { // CreateTemp made it 0600
		return "", fmt.Errorf("api: write token: %w", err)
	}
	return tok, nil
}

// ReadToken returns the token a client should send for a lab whose
// state directory is dir: $INTERCLOUD_TOKEN if set, else the file's.
// A missing file is not an error: the token is then "" and the daemon's
// 401 explains.
func ReadToken(dir string) (string, error) {
	if tok := os.Getenv(EnvToken); tok != "" {
		return tok, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, TokenFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("api: read the lab's token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// PrivateDir makes dir, or tightens it, to 0700: the state directory
// holds the token and the clouds' database. A directory someone else
// owns, or a sticky one such as /tmp, is left as it is: it is shared
// on purpose, and its files' own modes protect them.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("api: state directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("api: state directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm()&0o077 == 0 || fi.Mode()&fs.ModeSticky != 0 || !ok || int(st.Uid) != os.Geteuid() {
		return nil
	}
	if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
		return fmt.Errorf("api: state directory: %w", err)
	}
	return nil
}
