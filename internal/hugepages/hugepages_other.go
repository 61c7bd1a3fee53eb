//go:build !linux

package hugepages

import "errors"

// SystemMode: transparent huge pages are Linux's.
func SystemMode() (Mode, error) {
	return "", errors.New("hugepages: transparent huge pages are Linux's")
}

// Prepare does nothing outside Linux.
func Prepare(n int) (int, error) { return 0, nil }
