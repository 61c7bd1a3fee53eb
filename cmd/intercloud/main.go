// Command intercloud builds and runs labs of OpenStack clouds joined to a
// service-provider MPLS core. Each file here is one command group; the work
// is done by the packages under internal/.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.msg != "" {
			fmt.Fprintln(os.Stderr, ex.msg)
		}
		os.Exit(ex.code)
	}
	fmt.Fprintln(os.Stderr, "intercloud:", err)
	os.Exit(1)
}

// exitError carries a command's exit code (validate: 1 invalid, 2 unreadable).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
