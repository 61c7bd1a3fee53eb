package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// private keeps the database to its owner: it holds every seeded user's
// password and the tenants' BGP peer passwords. The file is created 0600
// before SQLite opens it (SQLite gives its -wal and -shm files the
// database's mode), and a directory, database or journal left looser by
// an older version is tightened. A directory someone else owns, or a
// sticky one such as /tmp, is shared on purpose and left alone.
func private(dir, path string) error {
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 && fi.Mode()&fs.ModeSticky == 0 && ownedByMe(fi) {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 && ownedByMe(fi) {
			if err := os.Chmod(p, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
